// The evaluation suites of `recsys-train evaluate`: each loads a real data
// set, builds a split, fits every model on the split's train side only
// (hyper-parameters and blend weights chosen on a validation split carved out
// of train), and scores them all with core::Evaluate.
//
//   lastfm-fixed     the fixed Last.fm-2k split of ../shared/eval/lastfm-2k
//   lastfm-random    a seeded 20% per-interaction holdout of Last.fm-2k
//   lastfm-leave-k   leave-k-out per user of Last.fm-2k
//   lastfm-cold      a cold-start item split of Last.fm-2k: 10% of the
//                    artists lose every play, lists rank only those
//   spotify-playlists  playlist continuation on the TidyTuesday Spotify
//                    songs: a playlist's first tracks are the seed, the rest
//                    the target
#ifndef RECSYS_TRAINER_QUALITY_H_
#define RECSYS_TRAINER_QUALITY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/offline_eval.h"

namespace recsys::trainer {

struct SuiteOptions {
  std::string suite;        // one of the names above
  std::string lastfm_dir;   // ../shared/data/lastfm-hetrec2k
  std::string split_dir;    // ../shared/eval/lastfm-2k (lastfm-fixed)
  std::string spotify_csv;  // spotify_songs.csv (spotify-playlists)
  // Optional for the lastfm suites: data_w_genres.csv, whose audio features
  // and genres are joined to Last.fm artists by normalised name.
  std::string artist_features_csv;
  int threads = 2;
  // Memory for the standardised component scores kept while blend weights
  // are fitted (core::HybridScoreCache), per validation fold; past it,
  // scores are recomputed for every weighting tried.
  int64_t blend_cache_bytes = int64_t{2} << 30;
  uint64_t seed = 42;
  int leave_k = 5;                // lastfm-leave-k
  double cold_fraction = 0.1;     // lastfm-cold
  int playlist_seed_tracks = 10;  // spotify-playlists
  // spotify-playlists: the one fold (0-4) of playlists to test on; -1 runs
  // all five and averages.
  int test_fold = -1;
  // Only these models (by name); empty = all of the suite's.
  std::vector<std::string> models;
  // Called for each model's evaluated users with their top-20 lists; ids
  // are the data set's raw user and item ids.
  std::function<void(const std::string& model, const std::string& user,
                     int rank, const std::string& item, float score)>
      on_list;
  // Progress lines ("model als: ndcg@10 0.2480").
  std::function<void(const std::string& line)> progress;
};

struct ModelRow {
  std::string name;         // "als", "hybrid", ...
  std::string description;  // its settings, for the report
  core::EvalResult result;
};

struct SuiteResult {
  std::string suite;
  std::shared_ptr<const core::Dataset> dataset;  // for the HTML report
  std::string import_report;                     // the importer's counts
  std::string description;                       // what was split how, sizes
  std::vector<std::string> notes;  // leakage rules applied, tuning chosen
  std::vector<ModelRow> rows;
};

// The suite names above, in report order.
const std::vector<std::string>& SuiteNames();

// Runs one suite. INVALID_ARGUMENT for an unknown suite or model name or a
// missing input path; the importers' errors for bad data files.
[[nodiscard]] absl::StatusOr<SuiteResult> RunSuite(const SuiteOptions& options);

}  // namespace recsys::trainer

#endif  // RECSYS_TRAINER_QUALITY_H_
