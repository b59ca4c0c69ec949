#include "core/offline_models.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>
#include <utility>

#include "Eigen/Cholesky"
#include "core/parallel.h"
#include "core/status_macros.h"

namespace recsys::core {

std::optional<Weighting> ParseWeighting(absl::string_view name) {
  if (name == "binary") return Weighting::kBinary;
  if (name == "log1p") return Weighting::kLog1p;
  if (name == "linear") return Weighting::kLinear;
  if (name == "bm25") return Weighting::kBm25;
  return std::nullopt;
}

SparseRows ApplyWeighting(const SparseRows& counts,
                          const WeightingOptions& options) {
  const int64_t rows = counts.rows(), cols = counts.cols();
  std::vector<double> idf, length_norm;
  if (options.weighting == Weighting::kBm25) {
    // As the `implicit` library's bm25_weight: users are documents, items
    // terms; idf = ln(users) - ln(1 + users with the item).
    std::vector<int64_t> df(cols, 0);
    std::vector<double> row_sum(rows, 0);
    double total = 0;
    for (int64_t u = 0; u < rows; ++u) {
      for (uint32_t i : counts.RowIndices(u)) ++df[i];
      for (float v : counts.RowValues(u)) row_sum[u] += v;
      total += row_sum[u];
    }
    const double average = rows > 0 ? total / rows : 1.0;
    idf.resize(cols);
    for (int64_t i = 0; i < cols; ++i)
      idf[i] = std::log(static_cast<double>(rows)) - std::log1p(df[i]);
    length_norm.resize(rows);
    for (int64_t u = 0; u < rows; ++u) {
      length_norm[u] = (1.0 - options.bm25_b) +
                       options.bm25_b * row_sum[u] / std::max(average, 1e-9);
    }
  }
  std::vector<SparseEntry> entries;
  entries.reserve(counts.nnz());
  for (int64_t u = 0; u < rows; ++u) {
    const auto idx = counts.RowIndices(u);
    const auto val = counts.RowValues(u);
    for (size_t j = 0; j < idx.size(); ++j) {
      const double c = val[j];
      double w = c;
      switch (options.weighting) {
        case Weighting::kBinary:
          w = 1.0;
          break;
        case Weighting::kLog1p:
          w = std::log1p(c);
          break;
        case Weighting::kLinear:
          w = c;
          break;
        case Weighting::kBm25:
          w = c * (options.bm25_k1 + 1.0) /
              (options.bm25_k1 * length_norm[u] + c) * idf[idx[j]];
          break;
      }
      if (w > 0) {
        entries.push_back(
            {static_cast<uint32_t>(u), idx[j], static_cast<float>(w)});
      }
    }
  }
  return SparseRows::FromEntries(rows, cols, std::move(entries));
}

namespace {

class ItemPriorModel : public OfflineRecommender {
 public:
  explicit ItemPriorModel(std::vector<float> scores)
      : scores_(std::move(scores)) {}
  void Score(uint32_t, absl::Span<float> scores) const override {
    std::copy(scores_.begin(), scores_.end(), scores.begin());
  }

 private:
  std::vector<float> scores_;
};

class RandomModel : public OfflineRecommender {
 public:
  RandomModel(int64_t num_items, uint64_t seed)
      : num_items_(num_items), seed_(seed) {}
  void Score(uint32_t user, absl::Span<float> scores) const override {
    std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ull + user);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    for (int64_t i = 0; i < num_items_; ++i) scores[i] = uniform(rng);
  }

 private:
  int64_t num_items_;
  uint64_t seed_;
};

// Sparse item-item similarities: each item's top neighbours.
class ItemKnnModel : public OfflineRecommender {
 public:
  ItemKnnModel(std::vector<std::vector<std::pair<uint32_t, float>>> neighbours,
               const SparseRows& user_weights)
      : neighbours_(std::move(neighbours)), user_weights_(user_weights) {}

  void Score(uint32_t user, absl::Span<float> scores) const override {
    std::fill(scores.begin(), scores.end(), 0.0f);
    const auto items = user_weights_.RowIndices(user);
    const auto weights = user_weights_.RowValues(user);
    for (size_t k = 0; k < items.size(); ++k) {
      for (const auto& [j, sim] : neighbours_[items[k]])
        scores[j] += weights[k] * sim;
    }
  }

 private:
  std::vector<std::vector<std::pair<uint32_t, float>>> neighbours_;
  SparseRows user_weights_;
};

class ContentModel : public OfflineRecommender {
 public:
  ContentModel(FactorMatrix content, const SparseRows& user_weights)
      : content_(std::move(content)), user_weights_(user_weights) {
    for (int64_t i = 0; i < content_.rows(); ++i) {
      const float n = content_.row(i).norm();
      if (n > 0) content_.row(i) /= n;
    }
  }

  void Score(uint32_t user, absl::Span<float> scores) const override {
    Eigen::VectorXf profile = Eigen::VectorXf::Zero(content_.cols());
    const auto items = user_weights_.RowIndices(user);
    const auto weights = user_weights_.RowValues(user);
    float total_weight = 0;
    for (size_t k = 0; k < items.size(); ++k) {
      profile += weights[k] * content_.row(items[k]).transpose();
      total_weight += weights[k];
    }
    if (total_weight > 0) profile /= total_weight;
    Eigen::Map<Eigen::VectorXf>(scores.data(), scores.size()) =
        content_ * profile;
  }

 private:
  FactorMatrix content_;
  SparseRows user_weights_;
};

class SocialModel : public OfflineRecommender {
 public:
  SocialModel(std::vector<std::vector<uint32_t>> friends,
              const SparseRows& user_weights)
      : friends_(std::move(friends)), user_weights_(user_weights) {}

  void Score(uint32_t user, absl::Span<float> scores) const override {
    std::fill(scores.begin(), scores.end(), 0.0f);
    if (user >= friends_.size()) return;
    for (uint32_t f : friends_[user]) {
      const auto items = user_weights_.RowIndices(f);
      const auto weights = user_weights_.RowValues(f);
      for (size_t k = 0; k < items.size(); ++k) scores[items[k]] += weights[k];
    }
  }

 private:
  std::vector<std::vector<uint32_t>> friends_;
  SparseRows user_weights_;
};

class ProfileMatchModel : public OfflineRecommender {
 public:
  ProfileMatchModel(const SparseRows& user_terms, const SparseRows& item_terms)
      : user_terms_(user_terms), term_items_(item_terms.Transpose()) {
    item_norm_.assign(item_terms.rows(), 0.0f);
    for (int64_t i = 0; i < item_terms.rows(); ++i) {
      double s = 0;
      for (float v : item_terms.RowValues(i)) s += double{v} * v;
      item_norm_[i] = static_cast<float>(std::sqrt(s));
    }
  }

  void Score(uint32_t user, absl::Span<float> scores) const override {
    std::fill(scores.begin(), scores.end(), 0.0f);
    if (user >= user_terms_.rows()) return;
    const auto terms = user_terms_.RowIndices(user);
    const auto weights = user_terms_.RowValues(user);
    double user_sq = 0;
    for (float w : weights) user_sq += double{w} * w;
    if (user_sq == 0) return;
    const float user_norm = static_cast<float>(std::sqrt(user_sq));
    for (size_t k = 0; k < terms.size(); ++k) {
      const auto items = term_items_.RowIndices(terms[k]);
      const auto values = term_items_.RowValues(terms[k]);
      for (size_t m = 0; m < items.size(); ++m)
        scores[items[m]] += weights[k] * values[m];
    }
    for (size_t i = 0; i < scores.size(); ++i) {
      if (item_norm_[i] > 0) scores[i] /= item_norm_[i] * user_norm;
    }
  }

 private:
  SparseRows user_terms_;
  SparseRows term_items_;
  std::vector<float> item_norm_;
};

}  // namespace

std::unique_ptr<OfflineRecommender> MakeProfileMatchModel(
    const SparseRows& user_terms, const SparseRows& item_terms) {
  return std::make_unique<ProfileMatchModel>(user_terms, item_terms);
}

std::unique_ptr<OfflineRecommender> MakeSocialModel(
    std::vector<std::vector<uint32_t>> friends,
    const SparseRows& user_weights) {
  return std::make_unique<SocialModel>(std::move(friends), user_weights);
}

std::unique_ptr<OfflineRecommender> MakePopularityModel(
    const SparseRows& train) {
  std::vector<float> listeners(train.cols(), 0.0f);
  for (int64_t u = 0; u < train.rows(); ++u) {
    for (uint32_t i : train.RowIndices(u)) listeners[i] += 1.0f;
  }
  return std::make_unique<ItemPriorModel>(std::move(listeners));
}

std::unique_ptr<OfflineRecommender> MakeItemPriorModel(
    std::vector<float> item_scores) {
  return std::make_unique<ItemPriorModel>(std::move(item_scores));
}

std::unique_ptr<OfflineRecommender> MakeRandomModel(int64_t num_items,
                                                    uint64_t seed) {
  return std::make_unique<RandomModel>(num_items, seed);
}

void FactorModel::Score(uint32_t user, absl::Span<float> scores) const {
  Eigen::Map<Eigen::VectorXf>(scores.data(), scores.size()) =
      item_factors_ * user_factors_.row(user).transpose();
}

absl::StatusOr<std::unique_ptr<FactorModel>> FitAlsModel(
    const SparseRows& train, const AlsModelOptions& options) {
  SparseRows weighted = ApplyWeighting(train, options.weighting);
  if (options.side_rows.nnz() > 0 && options.side_rows_weight > 0) {
    std::vector<SparseEntry> entries;
    entries.reserve(weighted.nnz() + options.side_rows.nnz());
    for (int64_t u = 0; u < weighted.rows(); ++u) {
      const auto idx = weighted.RowIndices(u);
      const auto val = weighted.RowValues(u);
      for (size_t j = 0; j < idx.size(); ++j)
        entries.push_back({static_cast<uint32_t>(u), idx[j], val[j]});
    }
    for (int64_t r = 0; r < options.side_rows.rows(); ++r) {
      const auto idx = options.side_rows.RowIndices(r);
      const auto val = options.side_rows.RowValues(r);
      for (size_t j = 0; j < idx.size(); ++j) {
        entries.push_back({static_cast<uint32_t>(weighted.rows() + r), idx[j],
                           val[j] * options.side_rows_weight});
      }
    }
    weighted =
        SparseRows::FromEntries(weighted.rows() + options.side_rows.rows(),
                                weighted.cols(), std::move(entries));
  }
  ASSIGN_OR_RETURN(AlsFactors f, TrainImplicitAls(weighted, options.als));
  FactorMatrix users = f.user_factors.topRows(train.rows());
  return std::make_unique<FactorModel>(std::move(users),
                                       std::move(f.item_factors));
}

FactorMatrix ProjectContentToCf(const FactorMatrix& content,
                                const FactorMatrix& item_factors,
                                const std::vector<bool>& has_cf, float ridge) {
  const int64_t d = content.cols();
  Eigen::MatrixXf ctc = Eigen::MatrixXf::Zero(d, d);
  Eigen::MatrixXf cty = Eigen::MatrixXf::Zero(d, item_factors.cols());
  for (int64_t i = 0; i < content.rows(); ++i) {
    if (!has_cf[i]) continue;
    ctc.noalias() += content.row(i).transpose() * content.row(i);
    cty.noalias() += content.row(i).transpose() * item_factors.row(i);
  }
  ctc.diagonal().array() += ridge;
  const Eigen::MatrixXf w = ctc.ldlt().solve(cty);  // d x factors
  FactorMatrix out = item_factors;
  for (int64_t i = 0; i < content.rows(); ++i) {
    if (!has_cf[i]) out.row(i) = content.row(i) * w;
  }
  return out;
}

std::unique_ptr<OfflineRecommender> FitItemKnn(const SparseRows& item_features,
                                               const SparseRows& user_weights,
                                               const ItemKnnOptions& options) {
  const int64_t n = item_features.rows();
  const SparseRows by_feature = item_features.Transpose();
  // |i| of the similarity is the squared norm (the listener count of a
  // binary profile), so that alpha 0.5 divides by the two L2 norms: cosine.
  std::vector<float> squared_norm(n, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (float v : item_features.RowValues(i)) s += double{v} * v;
    squared_norm[i] = static_cast<float>(s);
  }
  std::vector<std::vector<std::pair<uint32_t, float>>> neighbours(n);
  ParallelFor(n, options.num_threads, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> acc(n, 0.0f);
    std::vector<uint32_t> touched;
    for (int64_t i = begin; i < end; ++i) {
      touched.clear();
      const auto feats = item_features.RowIndices(i);
      const auto vals = item_features.RowValues(i);
      for (size_t k = 0; k < feats.size(); ++k) {
        const auto js = by_feature.RowIndices(feats[k]);
        const auto ws = by_feature.RowValues(feats[k]);
        for (size_t m = 0; m < js.size(); ++m) {
          if (js[m] == i) continue;
          if (acc[js[m]] == 0.0f) touched.push_back(js[m]);
          acc[js[m]] += vals[k] * ws[m];
        }
      }
      std::vector<std::pair<uint32_t, float>> sims;
      sims.reserve(touched.size());
      for (uint32_t j : touched) {
        const float denom =
            std::pow(std::pow(squared_norm[i], options.alpha) *
                         std::pow(squared_norm[j], 1.0f - options.alpha),
                     options.normalization);
        const float s = denom > 0 ? acc[j] / denom : 0.0f;
        if (s > 0) sims.emplace_back(j, s);
        acc[j] = 0.0f;
      }
      const size_t keep =
          std::min<size_t>(sims.size(), std::max(1, options.neighbours));
      std::partial_sort(sims.begin(), sims.begin() + keep, sims.end(),
                        [](const auto& a, const auto& b) {
                          return a.second != b.second ? a.second > b.second
                                                      : a.first < b.first;
                        });
      sims.resize(keep);
      sims.shrink_to_fit();
      neighbours[i] = std::move(sims);
    }
  });
  return std::make_unique<ItemKnnModel>(std::move(neighbours), user_weights);
}

std::unique_ptr<OfflineRecommender> MakeContentModel(
    FactorMatrix content, const SparseRows& user_weights) {
  return std::make_unique<ContentModel>(std::move(content), user_weights);
}

namespace {

// A component's scores for `user`, standardised over all items (mean 0,
// standard deviation 1; all 0 when the scores do not vary), in `z`.
void Standardize(const OfflineRecommender& model, uint32_t user,
                 absl::Span<float> z) {
  model.Score(user, z);
  double sum = 0, sum_sq = 0;
  for (float v : z) {
    sum += v;
    sum_sq += double{v} * v;
  }
  const double n = static_cast<double>(z.size());
  const double mean = sum / n;
  const double var = std::max(0.0, sum_sq / n - mean * mean);
  const double scale = var > 0 ? 1.0 / std::sqrt(var) : 0.0;
  for (float& v : z) v = static_cast<float>((v - mean) * scale);
}

// scores += weight * z: the one accumulation both hybrids use, so that
// their scores agree exactly.
void AddWeighted(float weight, absl::Span<const float> z,
                 absl::Span<float> scores) {
  for (size_t i = 0; i < scores.size(); ++i) scores[i] += weight * z[i];
}

}  // namespace

void HybridModel::Score(uint32_t user, absl::Span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.0f);
  std::vector<float> z(scores.size());
  for (const Component& c : components_) {
    if (c.weight == 0.0f) continue;
    Standardize(*c.model, user, absl::MakeSpan(z));
    AddWeighted(c.weight, z, scores);
  }
}

struct HybridScoreCache::Slot {
  std::once_flag once;
  std::unique_ptr<float[]> z;  // null: not kept (over the budget)
};

class HybridScoreCache::Blended : public OfflineRecommender {
 public:
  Blended(const HybridScoreCache& cache, std::vector<float> weights)
      : cache_(cache), weights_(std::move(weights)) {}

  void Score(uint32_t user, absl::Span<float> scores) const override {
    std::fill(scores.begin(), scores.end(), 0.0f);
    std::vector<float> scratch;
    for (size_t c = 0; c < weights_.size(); ++c) {
      if (weights_[c] == 0.0f) continue;
      AddWeighted(weights_[c], cache_.Standardized(user, c, scratch), scores);
    }
  }

 private:
  const HybridScoreCache& cache_;
  std::vector<float> weights_;
};

HybridScoreCache::HybridScoreCache(
    std::vector<std::shared_ptr<const OfflineRecommender>> components,
    int64_t num_users, int64_t num_items, int64_t budget_bytes)
    : components_(std::move(components)),
      num_users_(num_users),
      num_items_(num_items),
      budget_bytes_(budget_bytes),
      slots_(new Slot[num_users * components_.size()]) {}

HybridScoreCache::~HybridScoreCache() = default;

std::unique_ptr<OfflineRecommender> HybridScoreCache::Blend(
    std::vector<float> weights) const {
  weights.resize(components_.size(), 0.0f);
  return std::make_unique<Blended>(*this, std::move(weights));
}

int64_t HybridScoreCache::bytes_used() const {
  return bytes_used_.load(std::memory_order_relaxed);
}

absl::Span<const float> HybridScoreCache::Standardized(
    uint32_t user, size_t component, std::vector<float>& scratch) const {
  const size_t n = static_cast<size_t>(num_items_);
  if (user >= num_users_) {  // not a user of the split: nothing to keep
    scratch.resize(n);
    Standardize(*components_[component], user, absl::MakeSpan(scratch));
    return scratch;
  }
  Slot& slot = slots_[user * components_.size() + component];
  std::call_once(slot.once, [&] {
    const int64_t bytes = num_items_ * static_cast<int64_t>(sizeof(float));
    if (bytes_used_.fetch_add(bytes, std::memory_order_relaxed) + bytes >
        budget_bytes_) {
      bytes_used_.fetch_sub(bytes, std::memory_order_relaxed);
      return;
    }
    slot.z.reset(new float[n]);
    Standardize(*components_[component], user, absl::MakeSpan(slot.z.get(), n));
  });
  if (slot.z != nullptr) return absl::MakeConstSpan(slot.z.get(), n);
  scratch.resize(n);
  Standardize(*components_[component], user, absl::MakeSpan(scratch));
  return scratch;
}

std::vector<float> FitBlendWeights(
    std::vector<float> weights,
    const std::function<double(const std::vector<float>&)>& evaluate,
    int passes) {
  static constexpr float kGrid[] = {0.0f, 0.05f, 0.1f, 0.25f,
                                    0.5f, 1.0f,  2.0f, 4.0f};
  double best = evaluate(weights);
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t c = 0; c < weights.size(); ++c) {
      float best_weight = weights[c];
      for (float w : kGrid) {
        if (w == best_weight) continue;
        weights[c] = w;
        if (std::all_of(weights.begin(), weights.end(),
                        [](float x) { return x == 0.0f; })) {
          continue;
        }
        const double value = evaluate(weights);
        if (value > best) {
          best = value;
          best_weight = w;
        }
      }
      weights[c] = best_weight;
    }
  }
  return weights;
}

}  // namespace recsys::core
