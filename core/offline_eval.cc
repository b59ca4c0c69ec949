#include "core/offline_eval.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/evaluation.h"
#include "core/parallel.h"
#include "core/status_macros.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

// One id per line, in dense-index order: the ids and their index.
struct IdList {
  std::vector<std::string> ids;
  IdIndex index;
};

absl::StatusOr<IdList> ReadIdList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return OpenError(path, "reading", errno);
  IdList list;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    const absl::string_view id = absl::StripAsciiWhitespace(line);
    if (id.empty()) continue;
    if (!ParseCount(id).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", n, ": id is not a non-negative integer: ", Quote(id)));
    }
    // Checked here, not after reading, so the error can name the line.
    if (!list.index.emplace(id, static_cast<uint32_t>(list.ids.size()))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", n, ": repeated id ", Quote(id)));
    }
    list.ids.emplace_back(id);
  }
  if (in.bad()) return OpenError(path, "reading", errno);
  return list;
}

using PairSet = absl::flat_hash_set<std::pair<uint32_t, uint32_t>>;

// The rows of `path`; a pair that is in `disjoint_from` (when not null) is
// an error at its line, as is a repeated one.
absl::StatusOr<std::vector<SparseEntry>> ReadPairs(
    const std::string& path, const IdIndex& users, const IdIndex& items,
    const PairSet* disjoint_from) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(path, TableFormat::kTsv));
  ASSIGN_OR_RETURN(const int user_col, reader->Require("userID"));
  ASSIGN_OR_RETURN(const int item_col, reader->Require("artistID"));
  ASSIGN_OR_RETURN(const int weight_col, reader->Require("weight"));
  std::vector<SparseEntry> entries;
  PairSet seen;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, reader->Next());
    if (!more) break;
    const auto user = users.find(reader->field(user_col));
    if (user == users.end()) {
      return reader->Error(absl::StrCat("userID not in users.txt: ",
                                        Quote(reader->field(user_col))));
    }
    const auto item = items.find(reader->field(item_col));
    if (item == items.end()) {
      return reader->Error(absl::StrCat("artistID not in items.txt: ",
                                        Quote(reader->field(item_col))));
    }
    ASSIGN_OR_RETURN(const uint32_t weight,
                     ParseField<uint32_t>(*reader, weight_col, std::nullopt,
                                          ParseCount, "a count"));
    if (weight == 0) return reader->Error("weight is 0");
    if (!seen.emplace(user->second, item->second).second) {
      return reader->Error("repeated (userID, artistID) pair");
    }
    if (disjoint_from != nullptr &&
        disjoint_from->contains(std::make_pair(user->second, item->second))) {
      return reader->Error(absl::StrCat(
          "(userID, artistID) pair also in train.tsv: (",
          reader->field(user_col), ", ", reader->field(item_col), ")"));
    }
    entries.push_back({user->second, item->second, static_cast<float>(weight)});
  }
  return entries;
}

EvalSplit FromEntries(const SparseRows& all, std::vector<SparseEntry> train,
                      std::vector<SparseEntry> test) {
  EvalSplit split;
  split.train =
      SparseRows::FromEntries(all.rows(), all.cols(), std::move(train));
  split.test = SparseRows::FromEntries(all.rows(), all.cols(), std::move(test));
  return split;
}

}  // namespace

absl::StatusOr<EvalSplit> ReadFixedSplit(const std::string& dir,
                                         std::vector<std::string>* user_ids,
                                         std::vector<std::string>* item_ids) {
  const std::string users_path = absl::StrCat(dir, "/users.txt");
  const std::string items_path = absl::StrCat(dir, "/items.txt");
  ASSIGN_OR_RETURN(IdList users, ReadIdList(users_path));
  ASSIGN_OR_RETURN(IdList items, ReadIdList(items_path));
  const std::string train_path = absl::StrCat(dir, "/train.tsv");
  const std::string test_path = absl::StrCat(dir, "/test.tsv");
  ASSIGN_OR_RETURN(std::vector<SparseEntry> train,
                   ReadPairs(train_path, users.index, items.index,
                             /*disjoint_from=*/nullptr));
  PairSet in_train;
  for (const SparseEntry& e : train) in_train.emplace(e.row, e.col);
  ASSIGN_OR_RETURN(std::vector<SparseEntry> test,
                   ReadPairs(test_path, users.index, items.index, &in_train));
  const int64_t rows = users.ids.size(), cols = items.ids.size();
  EvalSplit split;
  split.train = SparseRows::FromEntries(rows, cols, std::move(train));
  split.test = SparseRows::FromEntries(rows, cols, std::move(test));
  if (user_ids != nullptr) *user_ids = std::move(users.ids);
  if (item_ids != nullptr) *item_ids = std::move(items.ids);
  return split;
}

EvalSplit RandomHoldoutSplit(const SparseRows& all, double test_fraction,
                             uint64_t seed) {
  HoldoutSplit h = SplitHoldout(all, test_fraction, seed);
  EvalSplit split;
  split.train = std::move(h.train);
  split.test = std::move(h.test);
  return split;
}

EvalSplit LeaveKOutSplit(const SparseRows& all, int k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<SparseEntry> train, test;
  std::vector<uint32_t> order;
  for (int64_t u = 0; u < all.rows(); ++u) {
    const auto cols = all.RowIndices(u);
    const auto vals = all.RowValues(u);
    order.resize(cols.size());
    std::iota(order.begin(), order.end(), 0);
    const bool hold = static_cast<int64_t>(cols.size()) > k;
    if (hold) std::shuffle(order.begin(), order.end(), rng);
    for (size_t j = 0; j < order.size(); ++j) {
      const SparseEntry e{static_cast<uint32_t>(u), cols[order[j]],
                          vals[order[j]]};
      (hold && static_cast<int>(j) < k ? test : train).push_back(e);
    }
  }
  return FromEntries(all, std::move(train), std::move(test));
}

EvalSplit ColdItemSplit(const SparseRows& all, double item_fraction,
                        uint64_t seed) {
  std::vector<bool> has_entries(all.cols(), false);
  for (int64_t u = 0; u < all.rows(); ++u) {
    for (uint32_t c : all.RowIndices(u)) has_entries[c] = true;
  }
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution pick(item_fraction);
  std::vector<bool> cold(all.cols(), false);
  std::vector<uint32_t> candidates;
  for (int64_t i = 0; i < all.cols(); ++i) {
    if (has_entries[i] && pick(rng)) {
      cold[i] = true;
      candidates.push_back(static_cast<uint32_t>(i));
    }
  }
  std::vector<SparseEntry> train, test;
  for (int64_t u = 0; u < all.rows(); ++u) {
    const auto cols = all.RowIndices(u);
    const auto vals = all.RowValues(u);
    for (size_t j = 0; j < cols.size(); ++j) {
      (cold[cols[j]] ? test : train)
          .push_back({static_cast<uint32_t>(u), cols[j], vals[j]});
    }
  }
  EvalSplit split = FromEntries(all, std::move(train), std::move(test));
  split.candidates = std::move(candidates);
  return split;
}

namespace {

// Everything one thread adds up; merged at the end.
struct Sums {
  explicit Sums(int64_t items, int curve_length)
      : ranking(items), recall_curve(curve_length, 0.0) {}
  RankingAccumulator ranking;
  std::vector<double> recall_curve;
  double auc = 0;
  int64_t auc_users = 0;
  double novelty = 0;
  int64_t novelty_items = 0;
  double diversity = 0;
  int64_t diversity_lists = 0;
};

// Mann-Whitney AUC of the positives among `scored` (score, is_positive)
// pairs, ties counted half.
double Auc(std::vector<std::pair<float, bool>>& scored) {
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0;
  int64_t positives = 0;
  for (size_t i = 0; i < scored.size();) {
    size_t j = i;
    int64_t tie_positives = 0;
    while (j < scored.size() && scored[j].first == scored[i].first) {
      tie_positives += scored[j].second;
      ++j;
    }
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);
    rank_sum += mean_rank * tie_positives;
    positives += tie_positives;
    i = j;
  }
  const int64_t negatives = static_cast<int64_t>(scored.size()) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - 0.5 * positives * (positives + 1)) /
         (static_cast<double>(positives) * negatives);
}

}  // namespace

EvalResult Evaluate(const OfflineRecommender& model, const EvalSplit& split,
                    const EvalOptions& options) {
  const int64_t n_items = split.train.cols();
  const bool restricted = !split.candidates.empty();
  std::vector<bool> is_candidate;
  if (restricted) {
    is_candidate.assign(n_items, false);
    for (uint32_t i : split.candidates) is_candidate[i] = true;
  }

  // Popularity rank for novelty: 1 = the item with the most train listeners.
  std::vector<int64_t> listeners(n_items, 0);
  for (int64_t u = 0; u < split.train.rows(); ++u) {
    for (uint32_t i : split.train.RowIndices(u)) ++listeners[i];
  }
  std::vector<uint32_t> by_popularity(n_items);
  std::iota(by_popularity.begin(), by_popularity.end(), 0);
  std::stable_sort(
      by_popularity.begin(), by_popularity.end(),
      [&](uint32_t a, uint32_t b) { return listeners[a] > listeners[b]; });
  std::vector<int64_t> popularity_rank(n_items);
  for (int64_t r = 0; r < n_items; ++r)
    popularity_rank[by_popularity[r]] = r + 1;

  // Users to score: a test entry among the candidates.
  std::vector<uint32_t> users;
  for (int64_t u = 0; u < split.test.rows(); ++u) {
    for (uint32_t i : split.test.RowIndices(u)) {
      if (!restricted || is_candidate[i]) {
        users.push_back(static_cast<uint32_t>(u));
        break;
      }
    }
  }
  if (options.max_users > 0 &&
      static_cast<int64_t>(users.size()) > options.max_users) {
    std::mt19937_64 rng(options.seed);
    std::shuffle(users.begin(), users.end(), rng);
    users.resize(options.max_users);
    std::sort(users.begin(), users.end());
  }

  // Non-candidates are excluded like train items, so one top-k routine
  // serves both kinds of split.
  std::vector<uint32_t> non_candidates;
  if (restricted) {
    for (int64_t i = 0; i < n_items; ++i) {
      if (!is_candidate[i]) non_candidates.push_back(static_cast<uint32_t>(i));
    }
  }
  const FactorMatrix& div = options.diversity_vectors;
  const bool with_diversity = div.rows() == n_items && div.cols() > 0;
  const int depth = std::max({20, options.curve_length, options.list_length});

  absl::Mutex mu;
  Sums total(n_items, options.curve_length);
  ParallelFor(users.size(), options.num_threads, 16, [&](int64_t b, int64_t e) {
    Sums local(n_items, options.curve_length);
    std::vector<float> scores(n_items);
    std::vector<uint32_t> excluded;
    std::vector<std::pair<float, bool>> scored;
    for (int64_t idx = b; idx < e; ++idx) {
      const uint32_t u = users[idx];
      std::fill(scores.begin(), scores.end(), 0.0f);
      model.Score(u, absl::MakeSpan(scores));
      const auto train_items = split.train.RowIndices(u);
      excluded.clear();
      std::set_union(train_items.begin(), train_items.end(),
                     non_candidates.begin(), non_candidates.end(),
                     std::back_inserter(excluded));
      absl::flat_hash_set<uint32_t> relevant;
      for (uint32_t i : split.test.RowIndices(u)) {
        if (!restricted || is_candidate[i]) relevant.insert(i);
      }
      const std::vector<uint32_t> top = TopKExcluding(scores, depth, excluded);
      local.ranking.Add(top, relevant);

      int hits = 0;
      const int n_rel = static_cast<int>(relevant.size());
      for (int k = 1; k <= options.curve_length; ++k) {
        if (k <= static_cast<int>(top.size()) && relevant.contains(top[k - 1]))
          ++hits;
        local.recall_curve[k - 1] +=
            static_cast<double>(hits) / std::min(k, n_rel);
      }

      if (options.on_list) {
        const int n = std::min<int>(options.list_length, top.size());
        std::vector<float> list_scores(n);
        for (int r = 0; r < n; ++r) list_scores[r] = scores[top[r]];
        absl::MutexLock lock(&mu);
        options.on_list(u, absl::MakeConstSpan(top.data(), n), list_scores);
      }
      if (options.ranking_only) continue;
      // AUC over every rankable item: candidates not in train.
      scored.clear();
      size_t next = 0;
      for (int64_t i = 0; i < n_items; ++i) {
        while (next < excluded.size() && excluded[next] < i) ++next;
        if (next < excluded.size() && excluded[next] == i) continue;
        scored.emplace_back(scores[i], relevant.contains(i));
      }
      local.auc += Auc(scored);
      ++local.auc_users;

      const int top10 = std::min<int>(10, top.size());
      for (int r = 0; r < top10; ++r) {
        local.novelty += static_cast<double>(popularity_rank[top[r]]);
        ++local.novelty_items;
      }
      if (with_diversity && top10 >= 2) {
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < top10; ++a) {
          for (int c = a + 1; c < top10; ++c) {
            const float na = div.row(top[a]).norm();
            const float nc = div.row(top[c]).norm();
            const float cos =
                na > 0 && nc > 0
                    ? div.row(top[a]).dot(div.row(top[c])) / (na * nc)
                    : 0.0f;
            sum += 1.0 - cos;
            ++pairs;
          }
        }
        local.diversity += sum / pairs;
        ++local.diversity_lists;
      }
    }
    absl::MutexLock lock(&mu);
    total.ranking.Merge(local.ranking);
    for (int k = 0; k < options.curve_length; ++k)
      total.recall_curve[k] += local.recall_curve[k];
    total.auc += local.auc;
    total.auc_users += local.auc_users;
    total.novelty += local.novelty;
    total.novelty_items += local.novelty_items;
    total.diversity += local.diversity;
    total.diversity_lists += local.diversity_lists;
  });

  EvalResult result;
  result.metrics = total.ranking.Metrics();
  const double n_users = std::max<double>(1.0, users.size());
  result.recall_curve = std::move(total.recall_curve);
  for (double& r : result.recall_curve) r /= n_users;
  if (options.ranking_only) return result;
  result.metrics["auc"] = total.auc / std::max<int64_t>(1, total.auc_users);
  result.metrics["novelty@10"] =
      total.novelty / std::max<int64_t>(1, total.novelty_items);
  if (with_diversity) {
    result.metrics["diversity@10"] =
        total.diversity / std::max<int64_t>(1, total.diversity_lists);
  }
  return result;
}

}  // namespace recsys::core
