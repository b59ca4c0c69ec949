// The training pipeline: interactions -> confidence matrix -> ALS and content
// vectors -> evaluation on a seeded holdout (fitting the hybrid blend weights
// there) -> a final fit on all data -> a TrainedModel ready to publish.
#ifndef RECSYS_CORE_TRAINING_H_
#define RECSYS_CORE_TRAINING_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/als.h"
#include "core/catalog.h"
#include "core/content.h"
#include "core/model.h"
#include "core/sparse.h"

namespace recsys::core {

enum class ConfidenceScaling {
  kLinear,  // strength = count
  kLog1p,   // strength = ln(1 + count)
};

struct TrainingOptions {
  AlsOptions als;
  ConfidenceScaling scaling = ConfidenceScaling::kLog1p;
  float like_weight = 3.0f;  // a like counts as this many plays
  float skip_weight = 0.5f;  // a skip-only track weighs this much per skip
  ContentOptions content;
  // Share of positive interactions held out to evaluate and to fit the blend
  // weights; 0 skips evaluation (and keeps `blend`).
  double holdout_fraction = 0.2;
  // Users scored in evaluation (a seeded sample when there are more); >= 1.
  int eval_max_users = 2000;
  // Blend used when no holdout is evaluated; otherwise the starting point.
  BlendWeights blend;
  uint64_t seed = 42;
  // Top tracks kept per country for regional popularity.
  int regional_top = 1000;
};

// The signed strength ALS trains on for one interaction (core/als.h): > 0
// for plays or a like, < 0 for skip-only tracks, 0 for nothing.
float InteractionStrength(const Interaction& interaction,
                          const TrainingOptions& options);

// users x tracks matrix of InteractionStrength (zero entries dropped).
SparseRows InteractionMatrix(const Dataset& dataset,
                             const TrainingOptions& options);

// Called with a stage name and a one-line detail, for progress logs.
using TrainingProgress =
    std::function<void(absl::string_view stage, absl::string_view detail)>;

// Trains a model on `dataset`. The returned metadata carries sizes, options,
// metrics ("ndcg@10", ... of the hybrid on the holdout, and the same with a
// "popularity/" prefix for the popularity baseline) and the fitted blend.
// INVALID_ARGUMENT for a dataset without users, tracks or positive
// interactions, or for options out of range.
[[nodiscard]] absl::StatusOr<TrainedModel> TrainModel(
    const Dataset& dataset, const TrainingOptions& options,
    const TrainingProgress& progress = nullptr);

}  // namespace recsys::core

#endif  // RECSYS_CORE_TRAINING_H_
