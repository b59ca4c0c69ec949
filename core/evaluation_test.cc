#include "core/evaluation.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST(TopKExcludingTest, OrdersAndSkipsExcluded) {
  const std::vector<float> scores = {0.1f, 0.9f, 0.5f, 0.9f, 0.7f};
  const std::vector<uint32_t> excluded = {3};
  EXPECT_THAT(TopKExcluding(scores, 3, excluded), ElementsAre(1u, 4u, 2u));
  EXPECT_THAT(TopKExcluding(scores, 10, {}), ElementsAre(1u, 3u, 4u, 2u, 0u));
}

TEST(RankingAccumulatorTest, MatchesHandComputedMetrics) {
  RankingAccumulator acc(100);
  // Relevant {5, 7}; ranked hits at positions 0 and 2.
  std::vector<uint32_t> ranked = {5, 1, 7};
  for (uint32_t i = 10; i < 27; ++i) ranked.push_back(i);
  acc.Add(ranked, {5, 7});
  const auto m = acc.Metrics();
  EXPECT_THAT(m.at("precision@10"), DoubleNear(0.2, 1e-9));
  EXPECT_THAT(m.at("recall@10"), DoubleNear(1.0, 1e-9));
  const double dcg = 1.0 + 1.0 / std::log2(4.0);
  const double idcg = 1.0 + 1.0 / std::log2(3.0);
  EXPECT_THAT(m.at("ndcg@10"), DoubleNear(dcg / idcg, 1e-9));
  EXPECT_THAT(m.at("map@10"), DoubleNear((1.0 + 2.0 / 3.0) / 2.0, 1e-9));
  EXPECT_THAT(m.at("coverage@10"), DoubleNear(0.10, 1e-9));
  EXPECT_EQ(m.at("users"), 1);
}

TEST(RankingAccumulatorTest, RecallDividesByMinOfKAndRelevant) {
  RankingAccumulator acc(50);
  std::vector<uint32_t> ranked(20);
  for (uint32_t i = 0; i < 20; ++i) ranked[i] = i;
  absl::flat_hash_set<uint32_t> relevant;
  for (uint32_t i = 0; i < 30; ++i) relevant.insert(i);  // 30 relevant > K
  acc.Add(ranked, relevant);
  EXPECT_THAT(acc.Metrics().at("recall@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(acc.Metrics().at("ndcg@20"), DoubleNear(1.0, 1e-9));
}

TEST(SplitHoldoutTest, KeepsNegativesAndOnePositivePerUser) {
  std::vector<SparseEntry> entries;
  for (uint32_t u = 0; u < 200; ++u) {
    entries.push_back({u, 0, -1.0f});
    for (uint32_t i = 1; i < 6; ++i) entries.push_back({u, i, 1.0f});
  }
  const SparseRows m = SparseRows::FromEntries(200, 6, entries);
  const HoldoutSplit split = SplitHoldout(m, 0.5, 1);
  EXPECT_EQ(split.train.nnz() + split.test.nnz(), m.nnz());
  EXPECT_GT(split.test.nnz(), 300);
  for (int64_t u = 0; u < 200; ++u) {
    int positives = 0;
    bool negative_in_train = false;
    const auto cols = split.train.RowIndices(u);
    const auto vals = split.train.RowValues(u);
    for (size_t k = 0; k < cols.size(); ++k) {
      positives += vals[k] > 0;
      negative_in_train |= cols[k] == 0;
    }
    EXPECT_GE(positives, 1);
    EXPECT_TRUE(negative_in_train);
    for (float v : split.test.RowValues(u)) EXPECT_GT(v, 0);
  }
  // Seeded: the same split twice.
  const HoldoutSplit again = SplitHoldout(m, 0.5, 1);
  EXPECT_EQ(again.test.nnz(), split.test.nnz());
}

}  // namespace
}  // namespace recsys::core
