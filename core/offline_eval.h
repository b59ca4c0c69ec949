// Offline evaluation of any model on any split: the splits the quality issue
// asks for (fixed files, seeded random holdout, leave-k-out, cold-start
// items), and one Evaluate() that scores every test user the same way for
// every model and reports the ranking metrics of ../shared/eval/README.md
// plus AUC, novelty, intra-list diversity and the Recall@K curve.
//
// Thread safety: the functions share no state; Evaluate() calls
// OfflineRecommender::Score from several threads at once.
#ifndef RECSYS_CORE_OFFLINE_EVAL_H_
#define RECSYS_CORE_OFFLINE_EVAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/als.h"
#include "core/sparse.h"

namespace recsys::core {

// A users x items split. Values are the raw positive counts (plays).
struct EvalSplit {
  SparseRows train;
  SparseRows test;
  // The items a user's list is ranked from: empty = every item; otherwise
  // (the cold-start item split) only these, ascending.
  std::vector<uint32_t> candidates;
};

// The fixed split files of ../shared/eval/lastfm-2k (README there): users.txt
// and items.txt give raw ids in dense-index order; train.tsv and test.tsv
// (header userID, artistID, weight) hold integer counts. `user_ids` and
// `item_ids` receive the id lists when not null.
// NOT_FOUND naming the path for a missing file; INVALID_ARGUMENT
// "<path>:<line>: <reason>" for a malformed row, an unknown or repeated id,
// or a (user, item) pair present in both train and test.
[[nodiscard]] absl::StatusOr<EvalSplit> ReadFixedSplit(
    const std::string& dir, std::vector<std::string>* user_ids,
    std::vector<std::string>* item_ids);

// Each positive entry goes to test with probability `test_fraction`
// (seeded); a user keeps at least one train entry.
EvalSplit RandomHoldoutSplit(const SparseRows& all, double test_fraction,
                             uint64_t seed);

// For every user with more than `k` entries, `k` of them (seeded) go to
// test; users with <= k entries stay whole in train.
EvalSplit LeaveKOutSplit(const SparseRows& all, int k, uint64_t seed);

// A seeded `item_fraction` of the items that have entries becomes "new":
// every entry of those items goes to test, and lists are ranked among them
// only (`candidates`), as when a batch of new releases arrives.
EvalSplit ColdItemSplit(const SparseRows& all, double item_fraction,
                        uint64_t seed);

// A model under evaluation: scores every item for one user of the split's
// train matrix. Higher is better. Must be thread-safe.
class OfflineRecommender {
 public:
  virtual ~OfflineRecommender() = default;
  // `scores` has one slot per item.
  virtual void Score(uint32_t user, absl::Span<float> scores) const = 0;
};

struct EvalOptions {
  int num_threads = 2;
  // Evaluate at most this many test users (a seeded sample); 0 = all.
  int max_users = 0;
  uint64_t seed = 42;
  // Length of the Recall@K curve (K = 1 .. curve_length).
  int curve_length = 50;
  // Only the @10/@20 ranking metrics (no AUC, novelty, diversity): about
  // five times faster, for model selection on a validation split.
  bool ranking_only = false;
  // items x d vectors for intra-list diversity (1 - cosine, mean over pairs
  // of each top-10 list); empty = diversity not reported.
  FactorMatrix diversity_vectors;
  // Called for each evaluated user with its top `list_length` items and
  // scores, in rank order, from one thread at a time.
  int list_length = 20;
  std::function<void(uint32_t user, absl::Span<const uint32_t> items,
                     absl::Span<const float> scores)>
      on_list;
};

struct EvalResult {
  // "precision@10", "recall@10", "ndcg@10", "map@10" (and @20),
  // "coverage@10", "auc", "novelty@10" (mean popularity rank, 1 = the most
  // listened item of train), "diversity@10" (when vectors were given),
  // "users".
  std::map<std::string, double> metrics;
  std::vector<double> recall_curve;  // [k - 1] = Recall@k
};

// Scores every user with a test entry (and, for the cold-start split, a
// test entry among the candidates). Lists exclude the user's train items.
// Recall@K divides hits by min(K, test items), as the README says.
EvalResult Evaluate(const OfflineRecommender& model, const EvalSplit& split,
                    const EvalOptions& options);

}  // namespace recsys::core

#endif  // RECSYS_CORE_OFFLINE_EVAL_H_
