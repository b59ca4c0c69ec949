// The models the trainer can evaluate offline (core/offline_eval.h), each
// fitted on a split's train matrix of raw counts: popularity, random, ALS,
// item-item neighbours (from co-listening or from any item features such as
// tags), the content profile model, ALS with a content->CF projection for
// items without plays, and a hybrid blend whose weights are fitted on a
// validation split.
//
// Thread safety: fitting shares no state; fitted models are immutable and
// Score() is thread-safe.
#ifndef RECSYS_CORE_OFFLINE_MODELS_H_
#define RECSYS_CORE_OFFLINE_MODELS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/als.h"
#include "core/offline_eval.h"
#include "core/sparse.h"

namespace recsys::core {

// How raw counts become the strengths a model sees.
enum class Weighting {
  kBinary,  // 1
  kLog1p,   // ln(1 + count)
  kLinear,  // count
  kBm25,    // Okapi BM25 over users as documents (K1, B below)
};

struct WeightingOptions {
  Weighting weighting = Weighting::kLog1p;
  float bm25_k1 = 100.0f;
  float bm25_b = 0.8f;
};

// "binary", "log1p", "linear", "bm25" -> Weighting; nullopt otherwise.
std::optional<Weighting> ParseWeighting(absl::string_view name);

// `counts` (users x items) with every value replaced by its weight.
SparseRows ApplyWeighting(const SparseRows& counts,
                          const WeightingOptions& options);

// Distinct train listeners per item.
std::unique_ptr<OfflineRecommender> MakePopularityModel(
    const SparseRows& train);

// The same fixed score for every user (e.g. catalog popularity).
std::unique_ptr<OfflineRecommender> MakeItemPriorModel(
    std::vector<float> item_scores);

// Seeded uniform random scores, different per user.
std::unique_ptr<OfflineRecommender> MakeRandomModel(int64_t num_items,
                                                    uint64_t seed);

// Scores x_u . y_i of fixed factor matrices.
class FactorModel : public OfflineRecommender {
 public:
  FactorModel(FactorMatrix user_factors, FactorMatrix item_factors)
      : user_factors_(std::move(user_factors)),
        item_factors_(std::move(item_factors)) {}
  void Score(uint32_t user, absl::Span<float> scores) const override;
  const FactorMatrix& user_factors() const { return user_factors_; }
  const FactorMatrix& item_factors() const { return item_factors_; }

 private:
  FactorMatrix user_factors_;
  FactorMatrix item_factors_;
};

struct AlsModelOptions {
  AlsOptions als;
  WeightingOptions weighting;
  // Side-information rows trained with the users (collective
  // factorisation): e.g. one row per tag holding its TF-IDF weight on each
  // item, times `side_rows_weight`, so that items described alike get
  // similar vectors and items without plays still get one. Strengths as
  // is (no weighting); cols must equal the train matrix's. Used when not
  // empty and the weight is > 0.
  SparseRows side_rows;
  float side_rows_weight = 0.0f;
};

// Implicit ALS on the weighted train matrix (confidence 1 + alpha * weight)
// plus the side rows; the model scores the train matrix's users.
[[nodiscard]] absl::StatusOr<std::unique_ptr<FactorModel>> FitAlsModel(
    const SparseRows& train, const AlsModelOptions& options);

// Ridge regression from content vectors to CF vectors, fitted on the items
// that have CF data (`has_cf`), then applied to those that do not: the
// returned matrix equals `item_factors` on items with data and holds the
// projection elsewhere. `content` is items x d.
FactorMatrix ProjectContentToCf(const FactorMatrix& content,
                                const FactorMatrix& item_factors,
                                const std::vector<bool>& has_cf, float ridge);

struct ItemKnnOptions {
  int neighbours = 200;  // kept per item, >= 1
  // Similarity co(i, j) / (|i|^alpha |j|^(1 - alpha)), with |i|
  // the squared norm of i's profile (its listener count when binary): alpha
  // 0.5 is cosine, 1 is co(i, j) / |i|; other values favour popular or rare
  // neighbours.
  float alpha = 0.5f;
  // Raises the norm product to this power before dividing: 1 is the
  // similarity above, 0.5 normalises half way, leaving well-described
  // (often popular) items ahead; chosen on validation for tag profiles.
  float normalization = 1.0f;
  int num_threads = 2;
};

// Item-item neighbours from item profiles (`item_features`: items x
// features, e.g. the transposed weighted train matrix for co-listening, or
// TF-IDF tag weights for content). A user's score for j is the sum over the
// user's train items i of weight(u, i) x sim(i, j), with `user_weights` the
// weighted train matrix.
std::unique_ptr<OfflineRecommender> FitItemKnn(const SparseRows& item_features,
                                               const SparseRows& user_weights,
                                               const ItemKnnOptions& options);

// Content profile: a user's vector is the weight-averaged unit content
// vector of the user's train items; score = dot product with each item's
// unit content vector. `content`: items x d.
std::unique_ptr<OfflineRecommender> MakeContentModel(
    FactorMatrix content, const SparseRows& user_weights);

// Social: a user's score for j sums the weights of j in the train rows of
// the user's friends (`friends`: by user, friend user indices).
std::unique_ptr<OfflineRecommender> MakeSocialModel(
    std::vector<std::vector<uint32_t>> friends, const SparseRows& user_weights);

// Profile matching: the cosine between a user's term vector (e.g. the tags
// the user applied) and each item's (`item_terms`: items x terms, same
// terms). Users without terms score 0 everywhere.
std::unique_ptr<OfflineRecommender> MakeProfileMatchModel(
    const SparseRows& user_terms, const SparseRows& item_terms);

// A weighted sum of component scores, each standardised per user (mean 0,
// standard deviation 1 over all items) so that weights compare.
class HybridModel : public OfflineRecommender {
 public:
  struct Component {
    std::string name;
    std::shared_ptr<const OfflineRecommender> model;
    float weight = 1.0f;
  };
  explicit HybridModel(std::vector<Component> components)
      : components_(std::move(components)) {}
  void Score(uint32_t user, absl::Span<float> scores) const override;
  const std::vector<Component>& components() const { return components_; }

 private:
  std::vector<Component> components_;
};

// The standardised scores of a fixed set of components, kept per user for
// many blends of them: FitBlendWeights() evaluates dozens of weightings of
// the same fitted components, and a HybridModel would score every component
// again for each. Each (user, component) is scored once, on first use, and
// kept while the cache holds at most `budget_bytes`; past that, scores are
// computed on every use, so the budget bounds memory, never results.
// Thread-safe; the cache must outlive the blends it makes.
class HybridScoreCache {
 public:
  HybridScoreCache(
      std::vector<std::shared_ptr<const OfflineRecommender>> components,
      int64_t num_users, int64_t num_items, int64_t budget_bytes);
  ~HybridScoreCache();

  // The blend of the components with `weights` (one per component): the
  // same scores, bit for bit, as a HybridModel of them with these weights.
  std::unique_ptr<OfflineRecommender> Blend(std::vector<float> weights) const;

  // Bytes of scores kept so far.
  int64_t bytes_used() const;

 private:
  struct Slot;
  class Blended;
  // The standardised scores of `component` for `user`: kept ones, or
  // computed into `scratch` (num_items) when the budget is spent.
  absl::Span<const float> Standardized(uint32_t user, size_t component,
                                       std::vector<float>& scratch) const;

  std::vector<std::shared_ptr<const OfflineRecommender>> components_;
  int64_t num_users_, num_items_, budget_bytes_;
  std::unique_ptr<Slot[]> slots_;  // num_users x components
  mutable std::atomic<int64_t> bytes_used_{0};
};

// Coordinate search of blend weights for the best value of `evaluate`
// (e.g. NDCG@10 on validation splits), from `weights`: each weight in turn is
// tried over a small grid in [0, 4] (never all zero), `passes` times over.
std::vector<float> FitBlendWeights(
    std::vector<float> weights,
    const std::function<double(const std::vector<float>&)>& evaluate,
    int passes = 2);

}  // namespace recsys::core

#endif  // RECSYS_CORE_OFFLINE_MODELS_H_
