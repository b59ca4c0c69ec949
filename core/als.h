// Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) trained
// by alternating least squares with a conjugate-gradient inner solver
// (Takács et al. 2011), and the exact one-user "fold-in" used at request time.
//
// Input values are signed strengths: v > 0 is a positive observation
// (preference 1, confidence 1 + alpha * v); v < 0 is a negative one such as a
// skipped track (preference 0, confidence 1 + alpha * |v|). Every unobserved
// entry has preference 0 and confidence 1.
#ifndef RECSYS_CORE_ALS_H_
#define RECSYS_CORE_ALS_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/sparse.h"

namespace recsys::core {

// Row-major so that each user's or track's vector is contiguous.
using FactorMatrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct AlsOptions {
  int factors = 64;              // vector dimension, >= 1
  float regularization = 0.01f;  // L2 weight on every vector, >= 0
  float alpha = 1.0f;            // confidence slope, > 0
  int iterations = 15;           // user half + item half each, >= 0
  int cg_steps = 3;              // conjugate-gradient steps per row, >= 1
  int num_threads = 2;           // >= 1
  uint64_t seed = 42;            // initial factors: uniform in [0, 0.01)
  // Compute the training loss after each iteration for progress reports
  // (about a fifth of an iteration's work).
  bool compute_loss = false;
};

struct AlsFactors {
  FactorMatrix user_factors;  // rows() x factors
  FactorMatrix item_factors;  // cols() x factors
};

struct AlsIterationStats {
  int iteration = 0;   // 1-based
  double seconds = 0;  // wall time of this iteration
  // The weighted squared error plus regularisation, divided by the number
  // of observed entries; set when AlsOptions::compute_loss.
  std::optional<double> loss;
};

// Called after each iteration.
using AlsProgress = std::function<void(const AlsIterationStats&)>;

// The implicit-ALS objective for the given factors, divided by the number
// of observed entries (0 when there are none): sum over all (user, item) of
// confidence x (preference - x_u . y_i)^2, plus regularization x (|X|^2 +
// |Y|^2), computed in O(nnz x k + users x k^2) with the Gram-matrix trick.
double ImplicitAlsLoss(const SparseRows& user_items, const AlsFactors& factors,
                       const AlsOptions& options);

// Trains on `user_items` (users x items, signed strengths as above).
// Returns INVALID_ARGUMENT for options out of range.
[[nodiscard]] absl::StatusOr<AlsFactors> TrainImplicitAls(
    const SparseRows& user_items, const AlsOptions& options,
    const AlsProgress& progress = nullptr);

// Y^T Y + regularization * I, the shared part of every row's normal equations.
Eigen::MatrixXf RegularizedGram(const FactorMatrix& factors,
                                float regularization);

// The least-squares vector of one user given fixed item factors: the exact
// solution of the system ALS's user step approximates with CG. `items` and
// `strengths` are parallel (signed strengths as above); items out of range
// must be filtered by the caller. `gram` is RegularizedGram(item_factors,
// regularization). An empty history gives the zero vector.
Eigen::VectorXf FoldInUser(const FactorMatrix& item_factors,
                           const Eigen::MatrixXf& gram,
                           absl::Span<const uint32_t> items,
                           absl::Span<const float> strengths, float alpha);

}  // namespace recsys::core

#endif  // RECSYS_CORE_ALS_H_
