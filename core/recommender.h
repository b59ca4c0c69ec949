// Serving: a loaded model version and the four product surfaces computed
// from it (Recommend, Radio, RelatedArtists, NowPlaying).
//
// Scoring is hybrid: a weighted sum of the collaborative score (user vector ·
// track vector, or cosine to a seed), content similarity (cosine of content
// vectors to the user's profile or the seed) and popularity (global and the
// request country's). Weights come from the model's metadata.
//
// Serving is two-stage for large catalogs: the score is an inner product
// with a track's concatenated vectors (core/model.h, TrackIndexes), so one
// nearest-neighbour search (core/track_index.h), plus the country's sorted
// popularity list, yields the candidates; they are scored exactly, then
// filtered and diversified. Small catalogs, and versions published without
// indexes, are scored exhaustively. A request whose filters leave too few
// candidates searches the index again for more (widened_first_stages()),
// and is scored exhaustively when that is not enough either (counted:
// exhaustive_fallbacks()).
// A Recommend carrying nothing but a stored user takes its first stage from
// the user's candidate list, computed at publication
// (ComputeCandidateLists(), counted: precomputed_first_stages()).
//
// Thread safety: a ServingModel is immutable after Create() and all functions
// here are safe to call concurrently.
#ifndef RECSYS_CORE_RECOMMENDER_H_
#define RECSYS_CORE_RECOMMENDER_H_

#include <atomic>
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

// When filters leave too few of the first stage's candidates, the index is
// searched once more for this many times as many before every track is
// scored (ServingModel::widened_first_stages()).
inline constexpr int kWidenFactor = 8;

struct ServingOptions {
  // Catalogs of more tracks are served two-stage, when the version has
  // indexes; smaller ones are scored exhaustively.
  int64_t exhaustive_max_tracks = 20000;
  // Candidate list of an index search (at least the candidates asked).
  int ef_search = 128;
};

class ServingModel {
 public:
  // Loads the track side of `version` (and its indexes, when the catalog is
  // large enough to use them) and builds the lookup tables. DATA_LOSS when
  // the version is inconsistent or an index is corrupt or does not match.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const ServingModel>>
  Create(std::unique_ptr<ModelVersion> version,
         const ServingOptions& options = {});

  const ModelMetadata& metadata() const { return version_->metadata(); }
  const TrackSide& tracks() const { return tracks_; }
  const Catalog& catalog() const { return tracks_.catalog; }

  std::optional<uint32_t> FindTrack(absl::string_view id) const;
  std::optional<uint32_t> FindArtist(absl::string_view id) const;
  std::optional<uint16_t> FindGenre(absl::string_view name) const;
  // The track whose id has this TrackFingerprint(); on a (rare) collision,
  // one of them.
  std::optional<uint32_t> FindTrackByFingerprint(uint32_t fingerprint) const;

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

  // True when requests go through the indexes (see the file comment).
  bool two_stage() const { return indexes_.complete(); }
  const TrackIndexes& indexes() const { return indexes_; }
  // Requests of the two-stage path that had to score every track.
  int64_t exhaustive_fallbacks() const {
    return exhaustive_fallbacks_.load(std::memory_order_relaxed);
  }
  void CountExhaustiveFallback() const {
    exhaustive_fallbacks_.fetch_add(1, std::memory_order_relaxed);
  }
  // Requests of the two-stage path whose filters left too few of the
  // first stage's candidates, so the index was searched again, wider.
  int64_t widened_first_stages() const {
    return widened_first_stages_.load(std::memory_order_relaxed);
  }
  void CountWidenedFirstStage() const {
    widened_first_stages_.fetch_add(1, std::memory_order_relaxed);
  }
  // Requests whose first stage was the user's precomputed candidate list
  // (UserRecord::candidates) instead of an index search.
  int64_t precomputed_first_stages() const {
    return precomputed_first_stages_.load(std::memory_order_relaxed);
  }
  void CountPrecomputedFirstStage() const {
    precomputed_first_stages_.fetch_add(1, std::memory_order_relaxed);
  }
  // Up to `k` tracks with the highest PopularityFor(t, country): the
  // globally popular ones and the country's own, most popular first within
  // each list (duplicates possible).
  std::vector<uint32_t> PopularTracks(absl::string_view country, int k) const;
  // True when `country` has a popularity list of its own.
  bool HasRegionalPopularity(absl::string_view country) const {
    return tracks_.popularity.regional.contains(country);
  }

  // Popularity of `track` for a listener in `country` (may be empty), [0, 1].
  float PopularityFor(uint32_t track, absl::string_view country) const {
    return PopularityIn(country)(track);
  }
  // PopularityFor() in one country, whose table is looked up once: for loops
  // over many tracks. Valid as long as the model.
  class CountryPopularity {
   public:
    float operator()(uint32_t track) const {
      const float global = (*global_)[track];
      if (regional_ == nullptr) return global;
      auto it = regional_->find(track);
      return 0.5f * (global + (it == regional_->end() ? 0.0f : it->second));
    }

   private:
    friend class ServingModel;
    const std::vector<float>* global_ = nullptr;
    // The country's regional popularity; null when it has no list of its own.
    const absl::flat_hash_map<uint32_t, float>* regional_ = nullptr;
  };
  CountryPopularity PopularityIn(absl::string_view country) const;
  // scores[t] += weight * PopularityFor(t, country) for every track, in
  // O(tracks + the country's top list): the per-request scoring loops use
  // this instead of a hash lookup per track.
  // REQUIRES: scores.size() == number of tracks.
  void AddPopularity(absl::string_view country, float weight,
                     absl::Span<float> scores) const;

 private:
  ServingModel() = default;

  std::unique_ptr<ModelVersion> version_;
  TrackSide tracks_;
  absl::flat_hash_map<std::string, uint32_t> track_by_id_;
  absl::flat_hash_map<std::string, uint32_t> artist_by_id_;
  absl::flat_hash_map<std::string, uint16_t> genre_by_name_;
  absl::flat_hash_map<uint32_t, uint32_t> track_by_fingerprint_;
  std::vector<uint32_t> artist_track_offsets_;
  std::vector<uint32_t> artist_tracks_;
  FactorMatrix track_cf_unit_;
  FactorMatrix artist_cf_unit_;
  FactorMatrix artist_content_;
  std::vector<int64_t> artist_listeners_;
  Eigen::MatrixXf track_gram_;
  TrackIndexes indexes_;
  std::vector<uint32_t> popular_;  // most popular first (a prefix)
  mutable std::atomic<int64_t> exhaustive_fallbacks_{0};
  mutable std::atomic<int64_t> precomputed_first_stages_{0};
  mutable std::atomic<int64_t> widened_first_stages_{0};
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
  kSimilarToArtistsYouLike,
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

// Filters that every returned track passes.
struct TrackFilter {
  std::optional<ContentKind> kind;  // nullopt: any kind
  // Release year window, inclusive; 0 = unbounded. A track of unknown year
  // passes only when both bounds are 0.
  int released_after_year = 0;
  int released_before_year = 0;
  bool exclude_explicit = false;
};

// True when `track` passes `filter` and is available in `country`.
bool PassesFilter(const Catalog& catalog, const Track& track,
                  const TrackFilter& filter, absl::string_view country);

// Ids in queries are the catalog's; unknown ids in exclusion and history
// lists are ignored (they cannot be returned anyway). `blend` overrides
// weights of the model's fitted blend (an A/B variant); the fitted blend is
// the model's cold-start blend for listeners without a stored vector.

enum class Surface {
  kHome,            // personal tracks the user has not heard
  kDiscoverWeekly,  // unheard tracks, new artists, stable for a week
  kDailyMix,        // several mixes, one per cluster of the user's taste
};

struct RecommendQuery {
  std::string user_id;  // may be unknown to the model (cold start)
  Surface surface = Surface::kHome;
  int count = 20;       // >= 1; per mix for kDailyMix
  std::string country;  // overrides the stored country when not empty
  std::vector<std::string> recent_track_ids;  // plays not yet in the model
  std::vector<std::string> liked_track_ids;   // declared likes
  std::vector<std::string> liked_artist_ids;
  std::vector<std::string> exclude_track_ids;
  std::vector<std::string> exclude_artist_ids;
  int max_per_artist = 2;  // >= 1
  TrackFilter filter;
  // kDiscoverWeekly: share of tracks by artists the user never played.
  double new_artist_share = 0.5;
  // kDiscoverWeekly: the list is fixed for (user, ISO week of this time,
  // model version). Unix seconds.
  int64_t now_seconds = 0;
  int num_mixes = 3;  // kDailyMix: >= 1
  BlendOverride blend;
};

struct Mix {
  std::string title;        // "Daily Mix 1"
  std::string description;  // "rock · Nova Drift, Kalani Reyes"
  std::vector<ScoredTrack> items;
};

struct RecommendResult {
  std::vector<ScoredTrack> items;  // empty for kDailyMix
  std::vector<Mix> mixes;          // kDailyMix only
  bool cold_start = false;         // the user had no stored vector
  int64_t unknown_recent_tracks = 0;
};

// Personal tracks the user has not heard, shaped by `query.surface`. A user
// unknown to the model is folded in from recent and liked tracks and liked
// artists, or served regional popularity when none are given. Never an error
// for a well-formed query.
[[nodiscard]] absl::StatusOr<RecommendResult> Recommend(
    const ServingModel& model, const RecommendQuery& query);

// A stable 32-bit fingerprint of a track id (FNV-1a), the same in every
// process: radio sessions refer to tracks by it.
uint32_t TrackFingerprint(absl::string_view track_id);

// The vector Recommend searches the personal index with (rows: IndexRows()
// in core/model.h) for `user_id` when the request carries nothing else: the
// stored user's taste under the model's blend, in the user's country.
// NOT_FOUND for a user the version does not have. For the candidate lists
// below, and benchmarks of the index on its real queries
// (bench/index_bench.cc).
[[nodiscard]] absl::StatusOr<Eigen::VectorXf> PersonalIndexQuery(
    const ServingModel& model, absl::string_view user_id);

// The length of a user's stored list: `per_user` tracks beyond the
// `history` tracks the user has heard, at most 4,096. Recommend's first
// stage asks for 4 x count candidates plus one per heard track (which it
// will reject) and never fewer than 192, so with per_user >= 192 the list
// serves every count up to per_user / 4, however long the history.
size_t CandidateListLength(int per_user, size_t history);

// Batch candidate generation: for each of `users` (all stored in `model`),
// the CandidateListLength(per_user, its history's length) tracks the
// personal index answers for PersonalIndexQuery(), best first, on `threads`
// threads. Recommend uses a stored list instead of searching when the
// request carries nothing but the user and the list holds the candidates
// its first stage asks for: the same search, done once at publication
// rather than per request. No rows when `model` serves exhaustively (no
// indexes) or `per_user` <= 0.
[[nodiscard]] absl::StatusOr<CandidateLists> ComputeCandidateLists(
    const ServingModel& model, const std::vector<User>& users, int per_user,
    int threads);

// A station's state between pages. The server keeps none: the client carries
// it (in a signed page token). Bounded: the oldest entries are dropped past
// kMaxSessionPlayed / kMaxSessionFeedback.
struct RadioSession {
  std::vector<uint32_t> played;   // fingerprints, oldest first
  std::vector<uint32_t> skipped;  // fingerprints, oldest first
  std::vector<uint32_t> liked;    // fingerprints, oldest first
};
inline constexpr size_t kMaxSessionPlayed = 1000;
inline constexpr size_t kMaxSessionFeedback = 100;

struct RadioQuery {
  // Exactly one seed is set.
  std::string seed_track_id;
  std::string seed_artist_id;
  std::string seed_genre;
  std::string user_id;  // optional personalisation; unknown users are ignored
  int count = 20;
  std::string country;
  std::vector<std::string> exclude_track_ids;
  // What the listener did with the previous page.
  std::vector<std::string> skipped_track_ids;
  std::vector<std::string> liked_track_ids;
  int artist_spacing = 3;  // >= 1; 1 allows back-to-back tracks of one artist
  TrackFilter filter;
  RadioSession session;  // empty on the first page
  BlendOverride blend;
};

struct RadioResult {
  std::vector<ScoredTrack> items;
  // The query's session plus this page's tracks, skips and likes: send it
  // with the next page.
  RadioSession session;
};

// The next page of a station: never a track played earlier in the session,
// artists kept `artist_spacing` apart across pages, steered away from
// skipped tracks and toward liked ones, and drifting only gently from the
// seed. NOT_FOUND when the seed is unknown; INVALID_ARGUMENT when not
// exactly one seed is set.
[[nodiscard]] absl::StatusOr<RadioResult> Radio(const ServingModel& model,
                                                const RadioQuery& query);

// NOT_FOUND for an unknown artist. Never includes the seed artist.
[[nodiscard]] absl::StatusOr<std::vector<ScoredArtist>> RelatedArtists(
    const ServingModel& model, absl::string_view artist_id, int count);

struct NowPlayingQuery {
  std::string current_track_id;
  std::string user_id;  // optional
  std::vector<std::string> recent_track_ids;
  int count = 10;
  std::string country;
  TrackFilter filter;
  BlendOverride blend;
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
