#include "core/als.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

// Two blocks of users who each listen only within their block.
SparseRows TwoCommunities(int users, int items, uint64_t seed) {
  std::mt19937 rng(seed);
  std::vector<SparseEntry> entries;
  for (int u = 0; u < users; ++u) {
    const int block = u % 2;
    for (int k = 0; k < 8; ++k) {
      const uint32_t item = block * (items / 2) + rng() % (items / 2);
      entries.push_back({static_cast<uint32_t>(u), item, 1.0f + rng() % 5});
    }
  }
  return SparseRows::FromEntries(users, items, std::move(entries));
}

TEST(AlsTest, RejectsBadOptions) {
  const SparseRows m = TwoCommunities(10, 10, 1);
  AlsOptions o;
  o.factors = 0;
  EXPECT_EQ(TrainImplicitAls(m, o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.cg_steps = 0;
  EXPECT_EQ(TrainImplicitAls(m, o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AlsTest, LearnsCommunities) {
  const SparseRows m = TwoCommunities(200, 100, 7);
  AlsOptions o;
  o.factors = 8;
  o.iterations = 10;
  o.regularization = 0.1f;
  absl::StatusOr<AlsFactors> f = TrainImplicitAls(m, o);
  ASSERT_TRUE(f.ok()) << f.status();
  // Each user scores their own block's items above the other block's.
  int correct = 0;
  for (int u = 0; u < 200; ++u) {
    const Eigen::VectorXf scores =
        f->item_factors * f->user_factors.row(u).transpose();
    const float own =
        u % 2 == 0 ? scores.head(50).mean() : scores.tail(50).mean();
    const float other =
        u % 2 == 0 ? scores.tail(50).mean() : scores.head(50).mean();
    correct += own > other;
  }
  EXPECT_GE(correct, 195);
}

TEST(AlsTest, LossDecreasesAndIsReported) {
  const SparseRows m = TwoCommunities(200, 100, 9);
  AlsOptions o;
  o.factors = 8;
  o.iterations = 6;
  o.compute_loss = true;
  std::vector<double> losses;
  absl::StatusOr<AlsFactors> f =
      TrainImplicitAls(m, o, [&](const AlsIterationStats& stats) {
        EXPECT_EQ(stats.iteration, static_cast<int>(losses.size()) + 1);
        ASSERT_TRUE(stats.loss.has_value());
        losses.push_back(*stats.loss);
      });
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_NEAR(losses.back(), ImplicitAlsLoss(m, *f, o), 1e-6);
  // Against a direct sum over every cell.
  double direct = 0;
  for (int u = 0; u < m.rows(); ++u) {
    std::vector<float> row(m.cols(), 0.0f);
    const auto cols = m.RowIndices(u);
    const auto vals = m.RowValues(u);
    for (size_t k = 0; k < cols.size(); ++k) row[cols[k]] = vals[k];
    for (int i = 0; i < m.cols(); ++i) {
      const double s = f->user_factors.row(u).dot(f->item_factors.row(i));
      const double conf = 1 + o.alpha * std::fabs(row[i]);
      const double pref = row[i] > 0 ? 1 : 0;
      direct += conf * (pref - s) * (pref - s);
    }
  }
  direct += o.regularization *
            (f->user_factors.squaredNorm() + f->item_factors.squaredNorm());
  EXPECT_NEAR(losses.back(), direct / m.nnz(), 1e-3 * direct / m.nnz());
}

TEST(AlsTest, DeterministicForAnyThreadCount) {
  const SparseRows m = TwoCommunities(300, 80, 3);
  AlsOptions o;
  o.factors = 6;
  o.iterations = 3;
  o.num_threads = 1;
  absl::StatusOr<AlsFactors> a = TrainImplicitAls(m, o);
  o.num_threads = 2;
  absl::StatusOr<AlsFactors> b = TrainImplicitAls(m, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->user_factors.isApprox(b->user_factors));
  EXPECT_TRUE(a->item_factors.isApprox(b->item_factors));
}

TEST(AlsTest, FoldInMatchesConvergedUserStep) {
  // With many CG steps the trainer's user step converges to the exact
  // solution that FoldInUser computes.
  const SparseRows m = TwoCommunities(100, 60, 11);
  AlsOptions o;
  o.factors = 5;
  o.iterations = 4;
  o.cg_steps = 50;
  o.regularization = 0.5f;
  absl::StatusOr<AlsFactors> f = TrainImplicitAls(m, o);
  ASSERT_TRUE(f.ok());
  // One more user half-step, converged, against fold-in of the same rows.
  const Eigen::MatrixXf gram =
      RegularizedGram(f->item_factors, o.regularization);
  for (int u : {0, 1, 57}) {
    const auto items = m.RowIndices(u);
    const auto values = m.RowValues(u);
    const Eigen::VectorXf folded =
        FoldInUser(f->item_factors, gram, items, values, o.alpha);
    // Check the normal equations directly: A x = b.
    Eigen::MatrixXf a = gram;
    Eigen::VectorXf b = Eigen::VectorXf::Zero(o.factors);
    for (size_t k = 0; k < items.size(); ++k) {
      const Eigen::VectorXf y = f->item_factors.row(items[k]).transpose();
      const float conf = 1 + o.alpha * values[k];
      a += (conf - 1) * y * y.transpose();
      b += conf * y;
    }
    EXPECT_LT((a * folded - b).norm(), 1e-3f * b.norm());
    // And the trained user vector is close to it (the trainer's last user
    // step saw the previous item factors, hence the loose tolerance).
    EXPECT_LT((f->user_factors.row(u).transpose() - folded).norm(),
              0.1f * folded.norm() + 1e-3f);
  }
}

TEST(AlsTest, NegativeStrengthPushesScoreDown) {
  // Two listener groups with their own items; a skip of one of your own
  // group's items lowers its score for you.
  const SparseRows m = TwoCommunities(200, 40, 5);
  AlsOptions o;
  o.factors = 8;
  o.iterations = 10;
  o.regularization = 0.1f;
  absl::StatusOr<AlsFactors> f = TrainImplicitAls(m, o);
  ASSERT_TRUE(f.ok());
  const Eigen::MatrixXf gram =
      RegularizedGram(f->item_factors, o.regularization);
  const std::vector<uint32_t> liked = {0, 1, 2};
  const std::vector<float> liked_strength = {2.0f, 2.0f, 2.0f};
  const std::vector<uint32_t> liked_and_skipped = {0, 1, 2, 3};
  const std::vector<float> with_skip = {2.0f, 2.0f, 2.0f, -5.0f};
  const Eigen::VectorXf x1 =
      FoldInUser(f->item_factors, gram, liked, liked_strength, o.alpha);
  const Eigen::VectorXf x2 =
      FoldInUser(f->item_factors, gram, liked_and_skipped, with_skip, o.alpha);
  const float before = f->item_factors.row(3).dot(x1);
  const float after = f->item_factors.row(3).dot(x2);
  EXPECT_GT(before, 0.1f);
  EXPECT_LT(after, 0.8f * before);
}

TEST(SparseRowsTest, TransposeAndMerge) {
  const SparseRows m = SparseRows::FromEntries(
      2, 3, {{0, 2, 1.0f}, {1, 0, 2.0f}, {0, 2, 0.5f}, {0, 1, 3.0f}});
  EXPECT_EQ(m.nnz(), 3);
  EXPECT_THAT(m.RowIndices(0), ::testing::ElementsAre(1u, 2u));
  EXPECT_THAT(m.RowValues(0), ::testing::ElementsAre(3.0f, 1.5f));
  const SparseRows t = m.Transpose();
  EXPECT_EQ(t.rows(), 3);
  EXPECT_THAT(t.RowIndices(2), ::testing::ElementsAre(0u));
  EXPECT_THAT(t.RowValues(0), ::testing::ElementsAre(2.0f));
}

}  // namespace
}  // namespace recsys::core
