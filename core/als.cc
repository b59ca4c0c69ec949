#include "core/als.h"

#include <chrono>
#include <cmath>
#include <mutex>
#include <random>

#include "Eigen/Cholesky"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/parallel.h"

namespace recsys::core {
namespace {

float Confidence(float strength, float alpha) {
  return 1.0f + alpha * std::fabs(strength);
}

// One CG solve of (gram + Y_u^T (C_u - I) Y_u) x = Y_u^T C_u p_u, warm-started
// from the row's current value; `steps` iterations are enough because the
// previous iteration's answer is already close (Takács et al.).
void SolveRowCg(const FactorMatrix& fixed, const Eigen::MatrixXf& gram,
                absl::Span<const uint32_t> cols, absl::Span<const float> vals,
                float alpha, int steps, Eigen::Ref<Eigen::VectorXf> x,
                Eigen::VectorXf& r, Eigen::VectorXf& p, Eigen::VectorXf& ap) {
  r.noalias() = -(gram * x);
  for (size_t k = 0; k < cols.size(); ++k) {
    const auto y = fixed.row(cols[k]).transpose();
    const float conf = Confidence(vals[k], alpha);
    const float pref = vals[k] > 0 ? 1.0f : 0.0f;
    r += (pref * conf - (conf - 1.0f) * y.dot(x)) * y;
  }
  p = r;
  float rs_old = r.squaredNorm();
  if (rs_old < 1e-20f) return;
  for (int step = 0; step < steps; ++step) {
    ap.noalias() = gram * p;
    for (size_t k = 0; k < cols.size(); ++k) {
      const auto y = fixed.row(cols[k]).transpose();
      ap += ((Confidence(vals[k], alpha) - 1.0f) * y.dot(p)) * y;
    }
    const float denom = p.dot(ap);
    if (denom <= 0) return;  // numerically singular row: keep what we have
    const float step_size = rs_old / denom;
    x += step_size * p;
    r -= step_size * ap;
    const float rs_new = r.squaredNorm();
    if (rs_new < 1e-20f) return;
    p = r + (rs_new / rs_old) * p;
    rs_old = rs_new;
  }
}

void HalfStep(const SparseRows& rows, const FactorMatrix& fixed,
              const AlsOptions& options, FactorMatrix& solved) {
  const Eigen::MatrixXf gram = RegularizedGram(fixed, options.regularization);
  const int k = options.factors;
  ParallelFor(
      rows.rows(), options.num_threads, 256, [&](int64_t begin, int64_t end) {
        Eigen::VectorXf x(k), r(k), p(k), ap(k);
        for (int64_t row = begin; row < end; ++row) {
          x = solved.row(row).transpose();
          SolveRowCg(fixed, gram, rows.RowIndices(row), rows.RowValues(row),
                     options.alpha, options.cg_steps, x, r, p, ap);
          solved.row(row) = x.transpose();
        }
      });
}

absl::Status ValidateOptions(const AlsOptions& o) {
  if (o.factors < 1 || o.factors > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("factors must be in [1, 4096], got ", o.factors));
  }
  if (!(o.regularization >= 0)) {
    return absl::InvalidArgumentError("regularization must be >= 0");
  }
  if (!(o.alpha > 0)) return absl::InvalidArgumentError("alpha must be > 0");
  if (o.iterations < 0) {
    return absl::InvalidArgumentError("iterations must be >= 0");
  }
  if (o.cg_steps < 1)
    return absl::InvalidArgumentError("cg_steps must be >= 1");
  if (o.num_threads < 1) {
    return absl::InvalidArgumentError("num_threads must be >= 1");
  }
  return absl::OkStatus();
}

}  // namespace

Eigen::MatrixXf RegularizedGram(const FactorMatrix& factors,
                                float regularization) {
  Eigen::MatrixXf gram = Eigen::MatrixXf::Zero(factors.cols(), factors.cols());
  gram.selfadjointView<Eigen::Lower>().rankUpdate(factors.transpose());
  gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  gram.diagonal().array() += regularization;
  return gram;
}

absl::StatusOr<AlsFactors> TrainImplicitAls(const SparseRows& user_items,
                                            const AlsOptions& options,
                                            const AlsProgress& progress) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  const SparseRows item_users = user_items.Transpose();
  AlsFactors f;
  std::mt19937_64 rng(options.seed);
  // 24 random bits per value: uniform in [0, 0.01) without depending on the
  // standard library's distribution implementations.
  auto init = [&](FactorMatrix& m, int64_t rows) {
    m.resize(rows, options.factors);
    for (int64_t i = 0; i < m.size(); ++i) {
      m.data()[i] = static_cast<float>(rng() >> 40) * (0.01f / 16777216.0f);
    }
  };
  init(f.user_factors, user_items.rows());
  init(f.item_factors, user_items.cols());
  for (int it = 1; it <= options.iterations; ++it) {
    const auto start = std::chrono::steady_clock::now();
    HalfStep(user_items, f.item_factors, options, f.user_factors);
    HalfStep(item_users, f.user_factors, options, f.item_factors);
    if (progress) {
      AlsIterationStats stats;
      stats.iteration = it;
      stats.seconds = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      if (options.compute_loss)
        stats.loss = ImplicitAlsLoss(user_items, f, options);
      progress(stats);
    }
  }
  return f;
}

double ImplicitAlsLoss(const SparseRows& user_items, const AlsFactors& factors,
                       const AlsOptions& options) {
  if (user_items.nnz() == 0) return 0;
  const FactorMatrix& x = factors.user_factors;
  const FactorMatrix& y = factors.item_factors;
  // Unregularised Gram: sum over every item of (x . y)^2 is x^T (Y^T Y) x.
  const Eigen::MatrixXf gram = RegularizedGram(y, 0.0f);
  std::mutex mu;
  double total = 0;
  ParallelFor(user_items.rows(), options.num_threads, 1024,
              [&](int64_t begin, int64_t end) {
                double local = 0;
                for (int64_t u = begin; u < end; ++u) {
                  const auto xu = x.row(u);
                  local += xu * gram * xu.transpose();
                  const auto cols = user_items.RowIndices(u);
                  const auto vals = user_items.RowValues(u);
                  for (size_t k = 0; k < cols.size(); ++k) {
                    const double s = xu.dot(y.row(cols[k]));
                    const double conf = Confidence(vals[k], options.alpha);
                    const double pref = vals[k] > 0 ? 1.0 : 0.0;
                    // Replace the unobserved term (s^2) by the observed one.
                    local += conf * (pref - s) * (pref - s) - s * s;
                  }
                }
                std::lock_guard<std::mutex> lock(mu);
                total += local;
              });
  total += options.regularization *
           (static_cast<double>(x.squaredNorm()) + y.squaredNorm());
  return total / static_cast<double>(user_items.nnz());
}

Eigen::VectorXf FoldInUser(const FactorMatrix& item_factors,
                           const Eigen::MatrixXf& gram,
                           absl::Span<const uint32_t> items,
                           absl::Span<const float> strengths, float alpha) {
  const int k = static_cast<int>(item_factors.cols());
  Eigen::MatrixXf a = gram;
  Eigen::VectorXf b = Eigen::VectorXf::Zero(k);
  for (size_t n = 0; n < items.size(); ++n) {
    const auto y = item_factors.row(items[n]).transpose();
    const float conf = Confidence(strengths[n], alpha);
    a.noalias() += (conf - 1.0f) * y * y.transpose();
    if (strengths[n] > 0) b += conf * y;
  }
  if (items.empty()) return b;
  return a.ldlt().solve(b);
}

}  // namespace recsys::core
