// Offline evaluation: holdout splits and the ranking metrics of
// ../shared/eval/README.md (Precision, Recall, NDCG and MAP at K, catalog
// coverage), computed the same way for every model so numbers compare.
#ifndef RECSYS_CORE_EVALUATION_H_
#define RECSYS_CORE_EVALUATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "core/sparse.h"

namespace recsys::core {

struct HoldoutSplit {
  SparseRows train;  // same shape as the input
  SparseRows test;   // held-out positive entries only
};

// Holds out each positive entry (value > 0) with probability `test_fraction`,
// seeded; a user keeps at least one positive entry in train. Negative entries
// always stay in train.
HoldoutSplit SplitHoldout(const SparseRows& interactions, double test_fraction,
                          uint64_t seed);

// The best `k` columns of `scores` (descending; ties by lower index) that are
// not in `excluded_sorted` (ascending).
std::vector<uint32_t> TopKExcluding(absl::Span<const float> scores, int k,
                                    absl::Span<const uint32_t> excluded_sorted);

// Sums per-user metrics at cut-offs 10 and 20; Metrics() averages them over
// the users added. Not thread-safe; Merge() combines per-thread accumulators.
class RankingAccumulator {
 public:
  explicit RankingAccumulator(int64_t num_items) : num_items_(num_items) {}

  // `ranked`: at least 20 items in rank order (fewer if the catalog is
  // smaller); `relevant`: the user's held-out items, not empty.
  void Add(absl::Span<const uint32_t> ranked,
           const absl::flat_hash_set<uint32_t>& relevant);
  void Merge(const RankingAccumulator& other);

  int64_t users() const { return users_; }
  // "precision@10", "recall@10", "ndcg@10", "map@10" (and @20), "coverage@10"
  // (distinct items in all top-10 lists / catalog size), "users".
  std::map<std::string, double> Metrics() const;

 private:
  static constexpr int kCutoffs[2] = {10, 20};
  int64_t num_items_;
  int64_t users_ = 0;
  double precision_[2] = {0, 0};
  double recall_[2] = {0, 0};
  double ndcg_[2] = {0, 0};
  double map_[2] = {0, 0};
  absl::flat_hash_set<uint32_t> covered_;
};

}  // namespace recsys::core

#endif  // RECSYS_CORE_EVALUATION_H_
