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
};

struct AlsFactors {
  FactorMatrix user_factors;  // rows() x factors
  FactorMatrix item_factors;  // cols() x factors
};

// Called after each iteration with its 1-based number and wall seconds.
using AlsProgress = std::function<void(int iteration, double seconds)>;

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
