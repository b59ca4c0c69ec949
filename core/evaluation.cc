#include "core/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace recsys::core {

HoldoutSplit SplitHoldout(const SparseRows& interactions, double test_fraction,
                          uint64_t seed) {
  std::vector<SparseEntry> train, test;
  train.reserve(interactions.nnz());
  std::mt19937_64 rng(seed);
  // 53 random bits as a double in [0, 1), independent of libstdc++'s
  // distribution implementations.
  auto uniform = [&rng]() {
    return (rng() >> 11) * (1.0 / 9007199254740992.0);
  };
  for (int64_t u = 0; u < interactions.rows(); ++u) {
    const auto cols = interactions.RowIndices(u);
    const auto vals = interactions.RowValues(u);
    int64_t kept_positive = 0;
    size_t first_test = test.size();
    for (size_t k = 0; k < cols.size(); ++k) {
      const SparseEntry e{static_cast<uint32_t>(u), cols[k], vals[k]};
      if (vals[k] > 0 && uniform() < test_fraction) {
        test.push_back(e);
      } else {
        train.push_back(e);
        if (vals[k] > 0) ++kept_positive;
      }
    }
    if (kept_positive == 0 && test.size() > first_test) {
      train.push_back(test.back());
      test.pop_back();
    }
  }
  HoldoutSplit split;
  split.train = SparseRows::FromEntries(interactions.rows(),
                                        interactions.cols(), std::move(train));
  split.test = SparseRows::FromEntries(interactions.rows(), interactions.cols(),
                                       std::move(test));
  return split;
}

std::vector<uint32_t> TopKExcluding(
    absl::Span<const float> scores, int k,
    absl::Span<const uint32_t> excluded_sorted) {
  // A bounded min-heap of (score, index): O(n log k), no full sort.
  using Entry = std::pair<float, uint32_t>;
  auto worse = [](const Entry& a, const Entry& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::vector<Entry> heap;
  heap.reserve(k + 1);
  size_t next_excluded = 0;
  for (uint32_t i = 0; i < scores.size(); ++i) {
    while (next_excluded < excluded_sorted.size() &&
           excluded_sorted[next_excluded] < i) {
      ++next_excluded;
    }
    if (next_excluded < excluded_sorted.size() &&
        excluded_sorted[next_excluded] == i) {
      continue;
    }
    const Entry e{scores[i], i};
    if (static_cast<int>(heap.size()) < k) {
      heap.push_back(e);
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (worse(e, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = e;
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  std::vector<uint32_t> out;
  out.reserve(heap.size());
  for (const Entry& e : heap) out.push_back(e.second);
  return out;
}

void RankingAccumulator::Add(absl::Span<const uint32_t> ranked,
                             const absl::flat_hash_set<uint32_t>& relevant) {
  ++users_;
  const int n_rel = static_cast<int>(relevant.size());
  for (int c = 0; c < 2; ++c) {
    const int k = kCutoffs[c];
    const int depth = std::min<int>(k, ranked.size());
    int hits = 0;
    double dcg = 0, ap = 0;
    for (int i = 0; i < depth; ++i) {
      if (!relevant.contains(ranked[i])) continue;
      ++hits;
      dcg += 1.0 / std::log2(i + 2.0);
      ap += static_cast<double>(hits) / (i + 1);
    }
    const int ideal_hits = std::min(k, n_rel);
    double idcg = 0;
    for (int j = 0; j < ideal_hits; ++j) idcg += 1.0 / std::log2(j + 2.0);
    precision_[c] += static_cast<double>(hits) / k;
    recall_[c] += static_cast<double>(hits) / ideal_hits;
    ndcg_[c] += dcg / idcg;
    map_[c] += ap / ideal_hits;
  }
  for (size_t i = 0; i < ranked.size() && i < 10; ++i)
    covered_.insert(ranked[i]);
}

void RankingAccumulator::Merge(const RankingAccumulator& other) {
  users_ += other.users_;
  for (int c = 0; c < 2; ++c) {
    precision_[c] += other.precision_[c];
    recall_[c] += other.recall_[c];
    ndcg_[c] += other.ndcg_[c];
    map_[c] += other.map_[c];
  }
  covered_.insert(other.covered_.begin(), other.covered_.end());
}

std::map<std::string, double> RankingAccumulator::Metrics() const {
  std::map<std::string, double> m;
  const double n = users_ > 0 ? static_cast<double>(users_) : 1.0;
  for (int c = 0; c < 2; ++c) {
    const std::string at = "@" + std::to_string(kCutoffs[c]);
    m["precision" + at] = precision_[c] / n;
    m["recall" + at] = recall_[c] / n;
    m["ndcg" + at] = ndcg_[c] / n;
    m["map" + at] = map_[c] / n;
  }
  m["coverage@10"] =
      num_items_ > 0 ? static_cast<double>(covered_.size()) / num_items_ : 0;
  m["users"] = static_cast<double>(users_);
  return m;
}

}  // namespace recsys::core
