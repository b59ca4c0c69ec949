// Serving: a loaded model version and the four product surfaces computed
// from it (Recommend, Radio, RelatedArtists, NowPlaying).
//
// Scoring is hybrid: a weighted sum of the collaborative score (user vector ·
// track vector, or cosine to a seed), content similarity (cosine of content
// vectors to the user's profile or the seed) and popularity (global and the
// request country's). Weights come from the model's metadata.
//
// Candidates are scored exhaustively over the catalog; the approximate index
// that replaces this for large catalogs plugs in at ScoreAllTracks().
//
// Thread safety: a ServingModel is immutable after Create() and all functions
// here are safe to call concurrently.
#ifndef RECSYS_CORE_RECOMMENDER_H_
#define RECSYS_CORE_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/model.h"

namespace recsys::core {

class ServingModel {
 public:
  // Loads the track side of `version` and builds the lookup tables.
  // DATA_LOSS when the version is inconsistent.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const ServingModel>>
  Create(std::unique_ptr<ModelVersion> version);

  const ModelMetadata& metadata() const { return version_->metadata(); }
  const TrackSide& tracks() const { return tracks_; }
  const Catalog& catalog() const { return tracks_.catalog; }

  std::optional<uint32_t> FindTrack(absl::string_view id) const;
  std::optional<uint32_t> FindArtist(absl::string_view id) const;
  std::optional<uint16_t> FindGenre(absl::string_view name) const;

  // Tracks of an artist, most popular first.
  absl::Span<const uint32_t> ArtistTracks(uint32_t artist) const;
  // NOT_FOUND when the model has no such user.
  [[nodiscard]] absl::StatusOr<UserRecord> GetUser(
      absl::string_view user_id) const {
    return version_->GetUser(user_id);
  }

  // Unit-length CF vectors of tracks and artists (zero rows when unknown),
  // the unit content vectors of artists, and listeners per artist.
  const FactorMatrix& track_cf_unit() const { return track_cf_unit_; }
  const FactorMatrix& artist_cf_unit() const { return artist_cf_unit_; }
  const FactorMatrix& artist_content() const { return artist_content_; }
  int64_t artist_listeners(uint32_t artist) const {
    return artist_listeners_[artist];
  }
  // RegularizedGram of the track CF vectors, for fold-in.
  const Eigen::MatrixXf& track_gram() const { return track_gram_; }

  // Popularity of `track` for a listener in `country` (may be empty), [0, 1].
  float PopularityFor(uint32_t track, absl::string_view country) const;

 private:
  ServingModel() = default;

  std::unique_ptr<ModelVersion> version_;
  TrackSide tracks_;
  absl::flat_hash_map<std::string, uint32_t> track_by_id_;
  absl::flat_hash_map<std::string, uint32_t> artist_by_id_;
  absl::flat_hash_map<std::string, uint16_t> genre_by_name_;
  std::vector<uint32_t> artist_track_offsets_;
  std::vector<uint32_t> artist_tracks_;
  FactorMatrix track_cf_unit_;
  FactorMatrix artist_cf_unit_;
  FactorMatrix artist_content_;
  std::vector<int64_t> artist_listeners_;
  Eigen::MatrixXf track_gram_;
  // country -> (track -> regional popularity)
  absl::flat_hash_map<std::string, absl::flat_hash_map<uint32_t, float>>
      regional_;
};

enum class ReasonKind {
  kBecauseYouListened,
  kPopularInRegion,
  kSimilarToSeed,
  kFansAlsoLike,
  kSimilarSound,
  kSameArtist,
};

struct Reason {
  ReasonKind kind = ReasonKind::kSimilarToSeed;
  std::string text;  // ready for a UI: "Because you listened to Nova Drift"
  std::optional<uint32_t> source_track;
  std::optional<uint32_t> source_artist;
  std::string country;
};

struct ScoredTrack {
  uint32_t track = 0;
  float score = 0;
  Reason reason;
};

struct ScoredArtist {
  uint32_t artist = 0;
  float score = 0;
  Reason reason;
};

// Ids in queries are the catalog's; unknown ids in exclusion and history
// lists are ignored (they cannot be returned anyway).

struct RecommendQuery {
  std::string user_id;  // may be unknown to the model (cold start)
  int count = 20;       // >= 1
  std::string country;  // overrides the stored country when not empty
  std::vector<std::string> recent_track_ids;  // plays not yet in the model
  std::vector<std::string> exclude_track_ids;
  std::vector<std::string> exclude_artist_ids;
  int max_per_artist = 2;  // >= 1
};

struct RecommendResult {
  std::vector<ScoredTrack> items;
  bool cold_start = false;  // the user had no stored vector
  int64_t unknown_recent_tracks = 0;
};

// Personal tracks the user has not heard. A user unknown to the model is
// folded in from `recent_track_ids`, or served regional popularity when that
// is empty too. Never an error for a well-formed query.
[[nodiscard]] absl::StatusOr<RecommendResult> Recommend(
    const ServingModel& model, const RecommendQuery& query);

struct RadioQuery {
  // Exactly one seed is set.
  std::string seed_track_id;
  std::string seed_artist_id;
  std::string seed_genre;
  std::string user_id;  // optional personalisation; unknown users are ignored
  int count = 20;
  std::string country;
  std::vector<std::string> exclude_track_ids;
  int artist_spacing = 3;  // >= 1; 1 allows back-to-back tracks of one artist
};

// NOT_FOUND when the seed is unknown; INVALID_ARGUMENT when not exactly one
// seed is set.
[[nodiscard]] absl::StatusOr<std::vector<ScoredTrack>> Radio(
    const ServingModel& model, const RadioQuery& query);

// NOT_FOUND for an unknown artist. Never includes the seed artist.
[[nodiscard]] absl::StatusOr<std::vector<ScoredArtist>> RelatedArtists(
    const ServingModel& model, absl::string_view artist_id, int count);

struct NowPlayingQuery {
  std::string current_track_id;
  std::string user_id;  // optional
  std::vector<std::string> recent_track_ids;
  int count = 10;
  std::string country;
};

struct NowPlayingResult {
  std::vector<ScoredTrack> up_next;
  std::vector<ScoredArtist> related_artists;
  std::vector<ScoredTrack> more_by_artist;
};

// NOT_FOUND for an unknown current track. Neither list contains the current
// track nor the recent ones.
[[nodiscard]] absl::StatusOr<NowPlayingResult> NowPlaying(
    const ServingModel& model, const NowPlayingQuery& query);

}  // namespace recsys::core

#endif  // RECSYS_CORE_RECOMMENDER_H_
