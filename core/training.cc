#include "core/training.h"

#include <chrono>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/evaluation.h"
#include "core/parallel.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

// Tracks a simulated newcomer sends when the cold-start blend is fitted.
constexpr int kColdStartItems = 5;

float Scale(double x, ConfidenceScaling scaling) {
  return static_cast<float>(scaling == ConfidenceScaling::kLog1p ? std::log1p(x)
                                                                 : x);
}

absl::Status ValidateDataset(const Dataset& d) {
  if (d.users.empty())
    return absl::InvalidArgumentError("dataset has no users");
  if (d.catalog.tracks.empty()) {
    return absl::InvalidArgumentError("dataset has no tracks");
  }
  for (size_t i = 0; i < d.interactions.size(); ++i) {
    const Interaction& e = d.interactions[i];
    if (e.user >= d.users.size() || e.track >= d.catalog.tracks.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction ", i, " refers to user ", e.user,
                       " or track ", e.track, " outside the dataset"));
    }
  }
  for (const Track& t : d.catalog.tracks) {
    if (t.artist >= d.catalog.artists.size() ||
        t.genre >= d.catalog.genres.size() ||
        (!d.catalog.subgenres.empty() &&
         t.subgenre >= d.catalog.subgenres.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "track '", t.id, "' refers to an unknown artist or genre"));
    }
  }
  return absl::OkStatus();
}

std::string BlendName(const BlendWeights& w) {
  return absl::StrFormat("cf=%g content=%g popularity=%g", w.cf, w.content,
                         w.popularity);
}

// Metrics of several blends, each scored on the same users. Users are split
// in two halves by a seeded shuffle: `fit` picks the blend, `report` gives
// the numbers published with it, so reported metrics are not the ones the
// choice was made on.
struct BlendEvaluation {
  std::vector<RankingAccumulator> fit;
  std::vector<RankingAccumulator> report;
};

// With `cold_items` > 0 each user is treated as a newcomer who sent only
// that many of their train tracks (a seeded sample): the user vector is
// folded in from them and the content profile built from them, as the
// server does for unknown users. 0 uses the trained user vectors.
BlendEvaluation EvaluateBlends(const HoldoutSplit& split,
                               const AlsFactors& factors,
                               const FactorMatrix& content,
                               const std::vector<float>& popularity,
                               const std::vector<BlendWeights>& blends,
                               const AlsOptions& als, int cold_items,
                               int max_users, uint64_t seed) {
  const Eigen::MatrixXf gram =
      RegularizedGram(factors.item_factors, als.regularization);
  std::vector<uint32_t> users;
  for (int64_t u = 0; u < split.test.rows(); ++u) {
    if (!split.test.RowIndices(u).empty())
      users.push_back(static_cast<uint32_t>(u));
  }
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::shuffle(users.begin(), users.end(), rng);
  if (static_cast<int>(users.size()) > max_users) users.resize(max_users);

  const int64_t n_items = split.train.cols();
  BlendEvaluation result;
  result.fit.assign(blends.size(), RankingAccumulator(n_items));
  result.report.assign(blends.size(), RankingAccumulator(n_items));
  std::mutex mu;
  ParallelFor(
      static_cast<int64_t>(users.size()), als.num_threads, 16,
      [&](int64_t begin, int64_t end) {
        BlendEvaluation local;
        local.fit.assign(blends.size(), RankingAccumulator(n_items));
        local.report.assign(blends.size(), RankingAccumulator(n_items));
        std::vector<float> total(n_items);
        for (int64_t i = begin; i < end; ++i) {
          const uint32_t u = users[i];
          const auto train_items = split.train.RowIndices(u);
          const auto train_values = split.train.RowValues(u);
          // The tracks the scorer may know of this user.
          std::vector<uint32_t> known;
          std::vector<float> strengths;
          for (size_t k = 0; k < train_items.size(); ++k) {
            if (train_values[k] > 0) {
              known.push_back(train_items[k]);
              strengths.push_back(train_values[k]);
            }
          }
          Eigen::VectorXf cf;
          if (cold_items > 0) {
            std::mt19937_64 user_rng(seed ^
                                     (uint64_t{u} * 0x9e3779b97f4a7c15ULL));
            for (size_t k = 0; k < known.size(); ++k) {
              const size_t j = k + user_rng() % (known.size() - k);
              std::swap(known[k], known[j]);
              std::swap(strengths[k], strengths[j]);
            }
            known.resize(std::min<size_t>(known.size(), cold_items));
            strengths.resize(known.size());
            cf = factors.item_factors * FoldInUser(factors.item_factors, gram,
                                                   known, strengths, als.alpha);
          } else {
            cf = factors.item_factors * factors.user_factors.row(u).transpose();
          }
          Eigen::VectorXf profile = Eigen::VectorXf::Zero(content.cols());
          for (size_t k = 0; k < known.size(); ++k) {
            profile +=
                std::log1p(strengths[k]) * content.row(known[k]).transpose();
          }
          if (profile.norm() > 0) profile.normalize();
          const Eigen::VectorXf sim = content * profile;
          const auto test_items = split.test.RowIndices(u);
          const absl::flat_hash_set<uint32_t> relevant(test_items.begin(),
                                                       test_items.end());
          auto& accs = (i % 2 == 0) ? local.fit : local.report;
          for (size_t b = 0; b < blends.size(); ++b) {
            const BlendWeights& w = blends[b];
            for (int64_t t = 0; t < n_items; ++t) {
              total[t] = w.cf * cf[t] + w.content * sim[t] +
                         w.popularity * popularity[t];
            }
            accs[b].Add(TopKExcluding(total, 20, train_items), relevant);
          }
        }
        std::lock_guard<std::mutex> lock(mu);
        for (size_t b = 0; b < blends.size(); ++b) {
          result.fit[b].Merge(local.fit[b]);
          result.report[b].Merge(local.report[b]);
        }
      });
  return result;
}

// The blend among the first `candidates` with the best NDCG@10 on the fit
// half.
size_t BestBlend(const BlendEvaluation& eval, size_t candidates) {
  size_t best = 0;
  for (size_t b = 1; b < candidates; ++b) {
    if (eval.fit[b].Metrics()["ndcg@10"] >
        eval.fit[best].Metrics()["ndcg@10"]) {
      best = b;
    }
  }
  return best;
}

std::vector<BlendWeights> BlendGrid() {
  std::vector<BlendWeights> grid;
  for (float content : {0.0f, 0.1f, 0.25f, 0.5f, 1.0f}) {
    for (float pop : {0.0f, 0.05f, 0.15f, 0.4f, 1.0f}) {
      grid.push_back(BlendWeights{1.0f, content, pop});
    }
  }
  return grid;
}

}  // namespace

float InteractionStrength(const Interaction& interaction,
                          const TrainingOptions& options) {
  const double positive =
      interaction.plays + (interaction.liked ? options.like_weight : 0.0f);
  if (positive > 0) return Scale(positive, options.scaling);
  if (interaction.skips > 0) {
    return -Scale(double{options.skip_weight} * interaction.skips,
                  options.scaling);
  }
  return 0;
}

SparseRows InteractionMatrix(const Dataset& dataset,
                             const TrainingOptions& options) {
  std::vector<SparseEntry> entries;
  entries.reserve(dataset.interactions.size());
  for (const Interaction& e : dataset.interactions) {
    const float strength = InteractionStrength(e, options);
    if (strength != 0) entries.push_back({e.user, e.track, strength});
  }
  return SparseRows::FromEntries(
      static_cast<int64_t>(dataset.users.size()),
      static_cast<int64_t>(dataset.catalog.tracks.size()), std::move(entries));
}

absl::StatusOr<TrainedModel> TrainModel(const Dataset& dataset,
                                        const TrainingOptions& options,
                                        const TrainingProgress& progress) {
  RETURN_IF_ERROR(ValidateDataset(dataset));
  if (!(options.holdout_fraction >= 0 && options.holdout_fraction < 1)) {
    return absl::InvalidArgumentError("holdout_fraction must be in [0, 1)");
  }
  if (options.eval_max_users < 1) {
    return absl::InvalidArgumentError("eval_max_users must be >= 1");
  }
  auto report = [&](absl::string_view stage, absl::string_view detail) {
    if (progress) progress(stage, detail);
  };
  const auto start = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
        .count();
  };

  SparseRows matrix = InteractionMatrix(dataset, options);
  int64_t positives = 0;
  for (int64_t u = 0; u < matrix.rows(); ++u) {
    for (float v : matrix.RowValues(u)) positives += v > 0;
  }
  if (positives == 0) {
    return absl::InvalidArgumentError("dataset has no positive interactions");
  }
  report("matrix",
         absl::StrCat("users=", matrix.rows(), " tracks=", matrix.cols(),
                      " nnz=", matrix.nnz(), " positive=", positives));

  TrainedModel model;
  model.tracks.catalog = dataset.catalog;
  model.tracks.content = ContentVectors(dataset.catalog, options.content);
  ModelMetadata& meta = model.metadata;
  meta.blend = options.blend;
  meta.cold_start_blend = options.blend;

  // Progress of one ALS fit: iteration, its time, the loss and an estimate
  // of the time left.
  auto iteration_log = [&report, &options](absl::string_view stage) {
    return [&report, stage, &options,
            elapsed = 0.0](const AlsIterationStats& stats) mutable {
      elapsed += stats.seconds;
      const double eta = elapsed / stats.iteration *
                         (options.als.iterations - stats.iteration);
      report(stage,
             absl::StrFormat(
                 "iteration=%d/%d seconds=%.3f loss=%s eta_seconds=%.0f",
                 stats.iteration, options.als.iterations, stats.seconds,
                 stats.loss ? absl::StrFormat("%.5f", *stats.loss) : "-", eta));
    };
  };

  if (options.holdout_fraction > 0) {
    const HoldoutSplit split =
        SplitHoldout(matrix, options.holdout_fraction, options.seed);
    report("holdout", absl::StrCat("train_nnz=", split.train.nnz(),
                                   " test_nnz=", split.test.nnz()));
    ASSIGN_OR_RETURN(AlsFactors factors,
                     TrainImplicitAls(split.train, options.als,
                                      iteration_log("als_holdout")));
    const Popularity train_pop =
        ComputePopularity(split.train, dataset.users, options.regional_top, 1);
    std::vector<BlendWeights> blends = BlendGrid();
    const size_t popularity_only = blends.size();
    blends.push_back(BlendWeights{0, 0, 1});
    const BlendEvaluation eval = EvaluateBlends(
        split, factors, model.tracks.content, train_pop.global, blends,
        options.als, /*cold_items=*/0, options.eval_max_users, options.seed);
    const size_t best = BestBlend(eval, popularity_only);
    meta.blend = blends[best];
    // Listeners the model does not know send a handful of tracks; how much
    // to trust them against popularity is fitted the same way.
    const BlendEvaluation cold = EvaluateBlends(
        split, factors, model.tracks.content, train_pop.global, blends,
        options.als, kColdStartItems, options.eval_max_users, options.seed);
    const size_t best_cold = BestBlend(cold, popularity_only);
    meta.cold_start_blend = blends[best_cold];
    for (const auto& [name, value] : cold.report[best_cold].Metrics()) {
      if (name != "users") meta.metrics["cold_start/" + name] = value;
    }
    for (const auto& [name, value] : cold.report[popularity_only].Metrics()) {
      if (name != "users")
        meta.metrics["cold_start/popularity/" + name] = value;
    }
    for (const auto& [name, value] : eval.report[best].Metrics()) {
      meta.metrics[name] = value;
    }
    // CF alone is the first grid point (content 0, popularity 0).
    for (const auto& [name, value] : eval.report[0].Metrics()) {
      if (name != "users") meta.metrics["als/" + name] = value;
    }
    for (const auto& [name, value] : eval.report[popularity_only].Metrics()) {
      if (name != "users") meta.metrics["popularity/" + name] = value;
    }
    report(
        "evaluate",
        absl::StrFormat("blend=\"%s\" ndcg@10=%.4f recall@10=%.4f "
                        "als_ndcg@10=%.4f popularity_ndcg@10=%.4f users=%d "
                        "cold_start_blend=\"%s\" cold_start_ndcg@10=%.4f",
                        BlendName(meta.blend), meta.metrics["ndcg@10"],
                        meta.metrics["recall@10"], meta.metrics["als/ndcg@10"],
                        meta.metrics["popularity/ndcg@10"],
                        static_cast<int>(meta.metrics["users"]),
                        BlendName(meta.cold_start_blend),
                        meta.metrics["cold_start/ndcg@10"]));
  }

  // The published model is fitted on all the data.
  ASSIGN_OR_RETURN(AlsFactors factors,
                   TrainImplicitAls(matrix, options.als, iteration_log("als")));
  model.tracks.cf = std::move(factors.item_factors);
  model.user_factors = std::move(factors.user_factors);
  model.tracks.popularity =
      ComputePopularity(matrix, dataset.users, options.regional_top,
                        /*min_country_users=*/20);
  model.users = dataset.users;
  model.history = std::move(matrix);

  meta.created_at_seconds = absl::ToUnixSeconds(absl::Now());
  meta.num_users = static_cast<int64_t>(dataset.users.size());
  meta.num_tracks = static_cast<int64_t>(dataset.catalog.tracks.size());
  meta.num_artists = static_cast<int64_t>(dataset.catalog.artists.size());
  meta.num_interactions = model.history.nnz();
  meta.cf_dimensions = options.als.factors;
  meta.content_dimensions = static_cast<int>(model.tracks.content.cols());
  meta.alpha = options.als.alpha;
  meta.regularization = options.als.regularization;
  meta.training["factors"] = absl::StrCat(options.als.factors);
  meta.training["iterations"] = absl::StrCat(options.als.iterations);
  meta.training["cg_steps"] = absl::StrCat(options.als.cg_steps);
  meta.training["regularization"] = absl::StrCat(options.als.regularization);
  meta.training["alpha"] = absl::StrCat(options.als.alpha);
  meta.training["scaling"] =
      options.scaling == ConfidenceScaling::kLog1p ? "log1p" : "linear";
  meta.training["holdout_fraction"] = absl::StrCat(options.holdout_fraction);
  meta.training["seed"] = absl::StrCat(options.seed);
  meta.training["train_seconds"] =
      absl::StrFormat("%.1f", seconds_since(start));
  report("done", absl::StrFormat("seconds=%.1f", seconds_since(start)));
  return model;
}

}  // namespace recsys::core
