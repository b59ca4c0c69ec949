// A model version: what the trainer publishes and the server serves, and the
// store interface that storage/ implements (core never sees RocksDB).
//
// A version has two sides. The track side (catalog, CF and content vectors,
// popularity) is loaded into memory whole. The user side (vector, country,
// listening history) is read per request, so the user table may outgrow RAM.
#ifndef RECSYS_CORE_MODEL_H_
#define RECSYS_CORE_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/als.h"
#include "core/catalog.h"
#include "core/sparse.h"
#include "core/track_index.h"

namespace recsys::core {

// Weights of the hybrid score (see core/recommender.h).
struct BlendWeights {
  float cf = 1.0f;          // collaborative filtering dot product
  float content = 0.3f;     // cosine to the user's content profile
  float popularity = 0.1f;  // global and regional popularity in [0, 1]
};

// Per-field replacements of blend weights (an A/B variant's settings);
// unset fields keep the model's fitted weight.
struct BlendOverride {
  std::optional<float> cf, content, popularity;

  BlendWeights Apply(BlendWeights w) const {
    if (cf) w.cf = *cf;
    if (content) w.content = *content;
    if (popularity) w.popularity = *popularity;
    return w;
  }
};

struct ModelMetadata {
  std::string version;             // assigned by the store at publication
  int64_t created_at_seconds = 0;  // Unix time
  int64_t num_users = 0;
  int64_t num_tracks = 0;
  int64_t num_artists = 0;
  int64_t num_interactions = 0;
  int cf_dimensions = 0;
  int content_dimensions = 0;
  float alpha = 1.0f;             // ALS confidence slope, needed for fold-in
  float regularization = 0.0f;    // ALS L2 weight, needed for fold-in
  BlendWeights blend;             // for users with a stored vector
  BlendWeights cold_start_blend;  // for users folded in from a request
  std::map<std::string, double> metrics;        // "recall@10" -> 0.21
  std::map<std::string, std::string> training;  // "source" -> "demo", ...
};

// Popularity in [0, 1] (log-scaled listener counts, 1 = most popular).
struct Popularity {
  std::vector<uint32_t> listeners;  // one per track: users with a positive play
  std::vector<float> global;        // one per track
  // Country -> the country's most popular tracks, as (track, score) pairs
  // sorted by score descending; countries with few listeners are absent.
  absl::flat_hash_map<std::string, std::vector<std::pair<uint32_t, float>>>
      regional;
};

// The in-memory half of a version. Immutable once built.
struct TrackSide {
  Catalog catalog;
  FactorMatrix cf;       // tracks x cf_dimensions
  FactorMatrix content;  // tracks x content_dimensions, unit rows
  Popularity popularity;
};

// The nearest-neighbour indexes over a version's tracks, the first stage of
// serving. A request's hybrid score is an inner product with a track's
// concatenated vectors (core/recommender.cc, ScoreQuery), so one search
// finds the tracks best on the whole blend, not on each term alone:
//   personal  rows [CF vector, content vector, global popularity]
//   station   rows [unit CF vector, content vector, global popularity]
// Row t of each is track t (see IndexRows()).
struct TrackIndexes {
  std::shared_ptr<const HnswIndex> personal;
  std::shared_ptr<const HnswIndex> station;

  bool empty() const { return !personal && !station; }
  bool complete() const { return personal && station; }
};

// What one user did, as the model knows it.
struct HistoryEntry {
  uint32_t track = 0;
  // Signed strength as trained on (core/als.h): > 0 a positive play, < 0 a
  // track the user only skipped.
  float strength = 0;
};

struct UserRecord {
  std::string country;                // may be empty
  std::vector<float> factors;         // cf_dimensions values
  std::vector<HistoryEntry> history;  // sorted by track
  // The first stage of the user's own Recommend, computed at publication
  // (CandidateLists); empty when the version has none.
  std::vector<uint32_t> candidates;
};

// Per-user first-stage candidates, computed by the trainer (batch candidate
// generation, core/recommender.h ComputeCandidateLists): row u holds the
// personal index's answer, best first, for the query Recommend builds for
// user u when the request carries nothing but the user (PersonalIndexQuery).
// Such requests then skip the index search. No rows: none computed.
struct CandidateLists {
  std::vector<uint64_t> offsets;  // users + 1 entries, or none
  std::vector<uint32_t> tracks;

  bool empty() const { return offsets.empty(); }
  absl::Span<const uint32_t> Row(size_t u) const {
    return absl::MakeConstSpan(tracks).subspan(offsets[u],
                                               offsets[u + 1] - offsets[u]);
  }
};

// Everything a publication writes. Users are rows of `user_factors` and
// `history` in the order of `users`.
struct TrainedModel {
  ModelMetadata metadata;
  TrackSide tracks;
  std::vector<User> users;
  FactorMatrix user_factors;  // users x cf_dimensions
  SparseRows history;         // users x tracks, signed strengths
  TrackIndexes indexes;       // BuildTrackIndexes(tracks); may be empty
  CandidateLists candidates;  // one row per user, or none
};

// One opened, immutable version. Thread-safe.
class ModelVersion {
 public:
  virtual ~ModelVersion() = default;
  virtual const ModelMetadata& metadata() const = 0;
  // Reads the whole track side. DATA_LOSS when the stored data is corrupt or
  // inconsistent (sizes, dimensions, indices).
  [[nodiscard]] virtual absl::StatusOr<TrackSide> LoadTrackSide() const = 0;
  // NOT_FOUND when the version has no such user; DATA_LOSS when its record
  // is corrupt.
  [[nodiscard]] virtual absl::StatusOr<UserRecord> GetUser(
      absl::string_view user_id) const = 0;
  // The indexes published with the version, searching with candidate lists
  // of `ef_search`: all of them, or none for a version published without
  // (served by exhaustive scoring). DATA_LOSS when they are incomplete or
  // corrupt. The sizes are checked against the track side by the caller.
  [[nodiscard]] virtual absl::StatusOr<TrackIndexes> LoadIndexes(
      int ef_search) const = 0;
};

// A directory of versions with a "current" pointer. Thread-safe.
class ModelStore {
 public:
  virtual ~ModelStore() = default;
  // Complete versions, oldest first.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListVersions()
      const = 0;
  // NOT_FOUND when nothing was published yet.
  [[nodiscard]] virtual absl::StatusOr<std::string> CurrentVersion() const = 0;
  // NOT_FOUND for an unknown version; DATA_LOSS when it cannot be read.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<ModelVersion>>
  OpenVersion(absl::string_view version) const = 0;
  // Writes `model` as a new version and makes it current, atomically: a
  // reader sees either the previous current version or the whole new one.
  // Returns the new version's name. `model.metadata.version` is ignored.
  [[nodiscard]] virtual absl::StatusOr<std::string> Publish(
      const TrainedModel& model) = 0;
};

// Popularity from the interaction matrix: listeners per track, log-scaled to
// [0, 1]; per country the top `regional_top` tracks among that country's users
// (countries with fewer than `min_country_users` users are left out).
Popularity ComputePopularity(const SparseRows& history,
                             const std::vector<User>& users, int regional_top,
                             int min_country_users);

// `rows` with every row scaled to unit length; zero rows stay zero.
FactorMatrix UnitRows(FactorMatrix rows);

// The rows of an index (see TrackIndexes): each track's CF vector (made unit
// length when `unit_cf`), content vector and global popularity, side by side.
FactorMatrix IndexRows(const TrackSide& tracks, bool unit_cf);

// Both indexes of `tracks` (see TrackIndexes). INVALID_ARGUMENT for
// non-finite vectors.
[[nodiscard]] absl::StatusOr<TrackIndexes> BuildTrackIndexes(
    const TrackSide& tracks, const HnswOptions& options);

}  // namespace recsys::core

#endif  // RECSYS_CORE_MODEL_H_
