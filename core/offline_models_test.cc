#include "core/offline_models.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

using Entry = std::pair<std::pair<uint32_t, uint32_t>, float>;

SparseRows Matrix(int64_t rows, int64_t cols, std::vector<Entry> entries) {
  std::vector<SparseEntry> e;
  for (const auto& [rc, v] : entries) e.push_back({rc.first, rc.second, v});
  return SparseRows::FromEntries(rows, cols, std::move(e));
}

// The dense rows x cols copy of `m` (absent entries 0).
std::vector<std::vector<float>> Dense(const SparseRows& m) {
  std::vector<std::vector<float>> out(m.rows(), std::vector<float>(m.cols()));
  for (int64_t r = 0; r < m.rows(); ++r) {
    const auto cols = m.RowIndices(r);
    const auto vals = m.RowValues(r);
    for (size_t k = 0; k < cols.size(); ++k) out[r][cols[k]] = vals[k];
  }
  return out;
}

std::vector<float> Scores(const OfflineRecommender& model, uint32_t user,
                          int64_t num_items) {
  std::vector<float> s(num_items, -123.0f);
  model.Score(user, absl::MakeSpan(s));
  return s;
}

// Elementwise within `tolerance` of `expected`.
auto Near(std::vector<float> expected, float tolerance = 1e-5f) {
  return Pointwise(FloatNear(tolerance), std::move(expected));
}

// The num_items x num_items identity: as `user_weights`, user u holds only
// item u, so Score(u) is item u's row of the similarity matrix.
SparseRows Identity(int64_t n) {
  std::vector<Entry> e;
  for (uint32_t i = 0; i < n; ++i) e.push_back({{i, i}, 1.0f});
  return Matrix(n, n, e);
}

// ---------------------------------------------------------------- weighting

TEST(ParseWeightingTest, KnowsTheFourNames) {
  EXPECT_EQ(ParseWeighting("binary"), Weighting::kBinary);
  EXPECT_EQ(ParseWeighting("log1p"), Weighting::kLog1p);
  EXPECT_EQ(ParseWeighting("linear"), Weighting::kLinear);
  EXPECT_EQ(ParseWeighting("bm25"), Weighting::kBm25);
  EXPECT_EQ(ParseWeighting("BM25"), std::nullopt);
  EXPECT_EQ(ParseWeighting(""), std::nullopt);
}

TEST(ApplyWeightingTest, BinaryLog1pLinear) {
  const SparseRows counts =
      Matrix(2, 3, {{{0, 0}, 1}, {{0, 2}, 9}, {{1, 1}, 3}});
  WeightingOptions o;
  o.weighting = Weighting::kBinary;
  EXPECT_EQ(Dense(ApplyWeighting(counts, o)),
            (std::vector<std::vector<float>>{{1, 0, 1}, {0, 1, 0}}));
  o.weighting = Weighting::kLinear;
  EXPECT_EQ(Dense(ApplyWeighting(counts, o)),
            (std::vector<std::vector<float>>{{1, 0, 9}, {0, 3, 0}}));
  o.weighting = Weighting::kLog1p;
  const auto log = Dense(ApplyWeighting(counts, o));
  EXPECT_THAT(log[0], Near({std::log(2.0f), 0.0f, std::log(10.0f)}));
  EXPECT_THAT(log[1], Near({0.0f, std::log(4.0f), 0.0f}));
}

TEST(ApplyWeightingTest, Bm25MatchesAHandComputation) {
  // 4 users (documents) x 3 items (terms). Row sums 4, 4, 8, 0: average 4.
  const SparseRows counts =
      Matrix(4, 3, {{{0, 0}, 2}, {{0, 1}, 2}, {{1, 0}, 4}, {{2, 2}, 8}});
  WeightingOptions o;
  o.weighting = Weighting::kBm25;
  o.bm25_k1 = 1.2f;
  o.bm25_b = 0.75f;
  // idf = ln(4) - ln(1 + df): item 0 has 2 users, items 1 and 2 one each.
  const double idf0 = std::log(4.0 / 3.0), idf12 = std::log(2.0);
  // length norm = 0.25 + 0.75 * row sum / 4: users 0 and 1 -> 1, user 2 ->
  // 1.75. weight = c (k1 + 1) / (k1 norm + c) x idf.
  const double w00 = 2 * 2.2 / (1.2 * 1 + 2) * idf0;
  const double w01 = 2 * 2.2 / (1.2 * 1 + 2) * idf12;
  const double w10 = 4 * 2.2 / (1.2 * 1 + 4) * idf0;
  const double w22 = 8 * 2.2 / (1.2 * 1.75 + 8) * idf12;
  const SparseRows w = ApplyWeighting(counts, o);
  EXPECT_EQ(w.nnz(), 4);
  const auto d = Dense(w);
  EXPECT_NEAR(d[0][0], w00, 1e-5);
  EXPECT_NEAR(d[0][1], w01, 1e-5);
  EXPECT_NEAR(d[1][0], w10, 1e-5);
  EXPECT_NEAR(d[2][2], w22, 1e-5);
}

// ---------------------------------------------------------------- simple
// models

TEST(PopularityModelTest, CountsDistinctListeners) {
  const SparseRows train =
      Matrix(3, 4, {{{0, 1}, 50}, {{1, 1}, 1}, {{1, 2}, 7}, {{2, 1}, 2}});
  const auto model = MakePopularityModel(train);
  EXPECT_THAT(Scores(*model, 0, 4), ElementsAre(0, 3, 1, 0));
  EXPECT_EQ(Scores(*model, 2, 4), Scores(*model, 0, 4));
}

TEST(ItemPriorModelTest, GivesEveryUserTheSameScores) {
  const auto model = MakeItemPriorModel({0.5f, -1, 2});
  EXPECT_THAT(Scores(*model, 0, 3), ElementsAre(0.5f, -1, 2));
  EXPECT_THAT(Scores(*model, 9, 3), ElementsAre(0.5f, -1, 2));
}

TEST(RandomModelTest, IsDeterministicPerSeedAndDiffersPerUser) {
  const auto a = MakeRandomModel(50, 1);
  const auto b = MakeRandomModel(50, 1);
  const auto c = MakeRandomModel(50, 2);
  const std::vector<float> a0 = Scores(*a, 0, 50);
  EXPECT_EQ(Scores(*b, 0, 50), a0);
  EXPECT_EQ(Scores(*a, 0, 50), a0);
  EXPECT_NE(Scores(*c, 0, 50), a0);
  EXPECT_NE(Scores(*a, 1, 50), a0);
  for (float s : a0) {
    EXPECT_GE(s, 0.0f);
    EXPECT_LT(s, 1.0f);
  }
}

TEST(FactorModelTest, ScoresDotProducts) {
  FactorMatrix users(2, 2), items(3, 2);
  users << 1, 2,  //
      -1, 0;
  items << 1, 0,  //
      0, 1,       //
      3, 4;
  const FactorModel model(users, items);
  EXPECT_THAT(Scores(model, 0, 3), ElementsAre(1, 2, 11));
  EXPECT_THAT(Scores(model, 1, 3), ElementsAre(-1, 0, -3));
}

// ---------------------------------------------------------------- ALS

// Two taste blocks: users 0..9 play items 0..4, users 10..19 items 5..9,
// each user missing one item of their block.
SparseRows TwoBlocks() {
  std::vector<Entry> e;
  for (uint32_t u = 0; u < 20; ++u) {
    const uint32_t first = u < 10 ? 0 : 5;
    for (uint32_t i = first; i < first + 5; ++i) {
      if (i - first != u % 5)
        e.push_back({{u, i}, static_cast<float>(1 + u % 3)});
    }
  }
  return Matrix(20, 12, e);
}

AlsModelOptions SmallAls() {
  AlsModelOptions o;
  o.als.factors = 4;
  o.als.iterations = 10;
  o.als.regularization = 0.05f;
  o.als.num_threads = 1;
  return o;
}

TEST(FitAlsModelTest, ScoresTheUsersOwnBlockHigher) {
  const SparseRows train = TwoBlocks();
  absl::StatusOr<std::unique_ptr<FactorModel>> model =
      FitAlsModel(train, SmallAls());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->user_factors().rows(), 20);
  EXPECT_EQ((*model)->item_factors().rows(), 12);
  EXPECT_EQ((*model)->item_factors().cols(), 4);
  // User 0 lacks item 0 of its block; it must outrank the other block.
  const std::vector<float> s = Scores(**model, 0, 12);
  for (int j = 5; j < 10; ++j) EXPECT_GT(s[0], s[j]) << j;
}

TEST(FitAlsModelTest, SideRowsAddItemVectorsButNotUsers) {
  const SparseRows train = TwoBlocks();
  // Items 10 and 11 have no plays; side rows tie 10 to block 1 and 11 to
  // block 2.
  std::vector<Entry> side;
  for (uint32_t i = 0; i < 5; ++i) side.push_back({{0, i}, 1});
  side.push_back({{0, 10}, 1});
  for (uint32_t i = 5; i < 10; ++i) side.push_back({{1, i}, 1});
  side.push_back({{1, 11}, 1});
  AlsModelOptions o = SmallAls();
  o.side_rows = Matrix(2, 12, side);
  o.side_rows_weight = 3.0f;
  absl::StatusOr<std::unique_ptr<FactorModel>> with = FitAlsModel(train, o);
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ((*with)->user_factors().rows(), train.rows());
  EXPECT_EQ((*with)->item_factors().rows(), 12);
  const std::vector<float> s0 = Scores(**with, 0, 12);
  const std::vector<float> s10 = Scores(**with, 10, 12);
  EXPECT_GT(s0[10], s0[11]);
  EXPECT_GT(s10[11], s10[10]);

  // A zero weight ignores the side rows.
  o.side_rows_weight = 0.0f;
  absl::StatusOr<std::unique_ptr<FactorModel>> without = FitAlsModel(train, o);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_LT((*without)->item_factors().row(10).norm(),
            0.1f * (*with)->item_factors().row(10).norm());
}

TEST(FitAlsModelTest, BadOptionsAreInvalidArgument) {
  AlsModelOptions o = SmallAls();
  o.als.factors = 0;
  EXPECT_EQ(FitAlsModel(TwoBlocks(), o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- projection

TEST(ProjectContentToCfTest, RecoversALinearMapOnItemsWithoutCfData) {
  const int items = 30, d = 4, k = 3;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  FactorMatrix content(items, d);
  for (int i = 0; i < items; ++i)
    for (int c = 0; c < d; ++c) content(i, c) = normal(rng);
  Eigen::MatrixXf map(d, k);
  for (int c = 0; c < d; ++c)
    for (int f = 0; f < k; ++f) map(c, f) = normal(rng);
  const FactorMatrix truth = content * map;
  std::vector<bool> has_cf(items, true);
  FactorMatrix factors = truth;
  for (int i : {3, 17, 29}) {
    has_cf[i] = false;
    factors.row(i).setConstant(99.0f);  // no CF data: must be replaced
  }
  const FactorMatrix projected =
      ProjectContentToCf(content, factors, has_cf, 1e-6f);
  ASSERT_EQ(projected.rows(), items);
  ASSERT_EQ(projected.cols(), k);
  for (int i = 0; i < items; ++i) {
    if (has_cf[i]) {
      EXPECT_EQ(projected.row(i), factors.row(i)) << i;
    } else {
      for (int f = 0; f < k; ++f)
        EXPECT_NEAR(projected(i, f), truth(i, f), 1e-3) << i << "," << f;
    }
  }
}

// ---------------------------------------------------------------- item kNN

// Items (rows) x users, binary: i0 = {u0,u1,u2}, i1 = {u0,u1},
// i2 = {u1,u2,u3}, i3 = {u3}. Co-occurrences: (0,1) 2, (0,2) 2, (1,2) 1,
// (2,3) 1, others 0.
SparseRows FourItems() {
  return Matrix(4, 4,
                {{{0, 0}, 1},
                 {{0, 1}, 1},
                 {{0, 2}, 1},
                 {{1, 0}, 1},
                 {{1, 1}, 1},
                 {{2, 1}, 1},
                 {{2, 2}, 1},
                 {{2, 3}, 1},
                 {{3, 3}, 1}});
}

ItemKnnOptions KnnOptions() {
  ItemKnnOptions o;
  o.num_threads = 1;
  return o;
}

TEST(FitItemKnnTest, CosineSimilaritiesByHand) {
  const auto model = FitItemKnn(FourItems(), Identity(4), KnnOptions());
  const float s01 = 2 / std::sqrt(6.0f), s02 = 2.0f / 3,
              s12 = 1 / std::sqrt(6.0f), s23 = 1 / std::sqrt(3.0f);
  // No self-similarity.
  EXPECT_THAT(Scores(*model, 0, 4), Near({0.0f, s01, s02, 0.0f}));
  EXPECT_THAT(Scores(*model, 1, 4), Near({s01, 0.0f, s12, 0.0f}));
  EXPECT_THAT(Scores(*model, 2, 4), Near({s02, s12, 0.0f, s23}));
  EXPECT_THAT(Scores(*model, 3, 4), Near({0.0f, 0.0f, s23, 0.0f}));
}

TEST(FitItemKnnTest, CosineOfWeightedProfiles) {
  // i0 = (1, 2), i1 = (3, 0), i2 = (0, 5): cosine 3/(sqrt5*3), 10/(sqrt5*5).
  const SparseRows features =
      Matrix(3, 2, {{{0, 0}, 1}, {{0, 1}, 2}, {{1, 0}, 3}, {{2, 1}, 5}});
  const auto model = FitItemKnn(features, Identity(3), KnnOptions());
  EXPECT_THAT(Scores(*model, 0, 3),
              Near({0.0f, 1 / std::sqrt(5.0f), 2 / std::sqrt(5.0f)}));
}

TEST(FitItemKnnTest, KeepsTheBestNeighboursAndSumsUserWeights) {
  ItemKnnOptions o = KnnOptions();
  o.neighbours = 1;
  // User 0 holds i2 (weight 2) and i3 (weight 1); user 1 holds i0.
  const SparseRows users =
      Matrix(2, 4, {{{0, 2}, 2}, {{0, 3}, 1}, {{1, 0}, 1}});
  const auto model = FitItemKnn(FourItems(), users, o);
  // Kept: i2 -> i0 (2/3), i3 -> i2 (1/sqrt3), i0 -> i1 (2/sqrt6).
  EXPECT_THAT(Scores(*model, 0, 4),
              Near({2 * 2.0f / 3, 0.0f, 1 / std::sqrt(3.0f), 0.0f}));
  EXPECT_THAT(Scores(*model, 1, 4),
              Near({0.0f, 2 / std::sqrt(6.0f), 0.0f, 0.0f}));

  o.neighbours = 2;
  const auto two = FitItemKnn(FourItems(), Identity(4), o);
  // i2's neighbours: i0 (2/3) and i3 (1/sqrt3), not i1 (1/sqrt6).
  EXPECT_THAT(Scores(*two, 2, 4),
              Near({2.0f / 3, 0.0f, 0.0f, 1 / std::sqrt(3.0f)}));
}

TEST(FitItemKnnTest, AlphaOneIsTheConditionalProbability) {
  ItemKnnOptions o = KnnOptions();
  o.alpha = 1.0f;
  const auto model = FitItemKnn(FourItems(), Identity(4), o);
  // co(i, j) / |i|: i0 has 3 listeners, i1 2, i2 3, i3 1.
  EXPECT_THAT(Scores(*model, 0, 4), Near({0.0f, 2.0f / 3, 2.0f / 3, 0.0f}));
  EXPECT_THAT(Scores(*model, 1, 4), Near({1.0f, 0.0f, 0.5f, 0.0f}));
  EXPECT_THAT(Scores(*model, 3, 4), Near({0.0f, 0.0f, 1.0f, 0.0f}));
}

TEST(FitItemKnnTest, HalfNormalisationDividesByTheRootOfTheNorms) {
  ItemKnnOptions o = KnnOptions();
  o.normalization = 0.5f;
  const auto model = FitItemKnn(FourItems(), Identity(4), o);
  // co(i0, j) / (|i0| |j|)^0.5 with squared norms 3, 2, 3: i1 2 / 6^0.25,
  // i2 2 / 9^0.25.
  EXPECT_THAT(Scores(*model, 0, 4), Near({0.0f, 2 / std::pow(6.0f, 0.25f),
                                          2 / std::sqrt(3.0f), 0.0f}));
}

// ---------------------------------------------------------------- content,
// social, profile

TEST(ContentModelTest, ScoresUnitVectorsAgainstTheWeightedMeanProfile) {
  FactorMatrix content(3, 2);
  content << 3, 4,  //
      1, 0,         //
      0, 2;
  // User 0: item 0 with weight 3 and item 1 with weight 1.
  const SparseRows users = Matrix(2, 3, {{{0, 0}, 3}, {{0, 1}, 1}});
  const auto model = MakeContentModel(content, users);
  // Profile (3 (0.6, 0.8) + (1, 0)) / 4 = (0.7, 0.6).
  EXPECT_THAT(Scores(*model, 0, 3),
              Near({0.6f * 0.7f + 0.8f * 0.6f, 0.7f, 0.6f}));
  EXPECT_THAT(Scores(*model, 1, 3), ElementsAre(0, 0, 0));
}

TEST(SocialModelTest, SumsFriendsWeights) {
  const SparseRows weights = Matrix(
      4, 3, {{{1, 0}, 2}, {{1, 2}, 1}, {{2, 2}, 5}, {{3, 1}, 7}, {{0, 1}, 9}});
  const auto model = MakeSocialModel({{1, 2}, {}, {0}}, weights);
  EXPECT_THAT(Scores(*model, 0, 3), ElementsAre(2, 0, 6));
  EXPECT_THAT(Scores(*model, 1, 3), ElementsAre(0, 0, 0));
  EXPECT_THAT(Scores(*model, 2, 3), ElementsAre(0, 9, 0));
  // Beyond the friend lists: no friends.
  EXPECT_THAT(Scores(*model, 3, 3), ElementsAre(0, 0, 0));
}

TEST(ProfileMatchModelTest, ScoresTheCosineOfTermVectors) {
  // Terms 0..2. User 0 = (1, 1, 0); user 1 has no terms.
  const SparseRows user_terms = Matrix(2, 3, {{{0, 0}, 1}, {{0, 1}, 1}});
  // Items: (2, 0, 0), (0, 3, 4), (0, 0, 1), ().
  const SparseRows item_terms =
      Matrix(4, 3, {{{0, 0}, 2}, {{1, 1}, 3}, {{1, 2}, 4}, {{2, 2}, 1}});
  const auto model = MakeProfileMatchModel(user_terms, item_terms);
  const float r = 1 / std::sqrt(2.0f);
  EXPECT_THAT(Scores(*model, 0, 4), Near({r, r * 3 / 5, 0.0f, 0.0f}));
  EXPECT_THAT(Scores(*model, 1, 4), ElementsAre(0, 0, 0, 0));
}

// ---------------------------------------------------------------- hybrid

std::shared_ptr<const OfflineRecommender> Prior(std::vector<float> s) {
  return MakeItemPriorModel(std::move(s));
}

TEST(HybridModelTest, StandardisesEachComponentPerUser) {
  const std::vector<float> a = {1, 4, 2, 7, 0, 3};
  const std::vector<float> b = {5, 1, 1, 2, 9, 0};
  std::vector<float> a_scaled;
  for (float v : a) a_scaled.push_back(10 * v - 25);
  const HybridModel plain({{"a", Prior(a), 1.0f}, {"b", Prior(b), 0.5f}});
  const HybridModel scaled(
      {{"a", Prior(a_scaled), 1.0f}, {"b", Prior(b), 0.5f}});
  EXPECT_THAT(Scores(scaled, 0, 6), Near(Scores(plain, 0, 6)));

  // Alone, a component becomes its z-scores times the weight.
  const HybridModel alone({{"a", Prior(a), 2.0f}, {"b", Prior(b), 0.0f}});
  const double mean = 17.0 / 6;
  double var = 0;
  for (float v : a) var += (v - mean) * (v - mean) / 6;
  std::vector<float> z;
  for (float v : a)
    z.push_back(static_cast<float>(2 * (v - mean) / std::sqrt(var)));
  EXPECT_THAT(Scores(alone, 0, 6), Near(z));

  // A constant component adds nothing.
  const HybridModel flat(
      {{"a", Prior(a), 2.0f}, {"c", Prior({3, 3, 3, 3, 3, 3}), 1.0f}});
  EXPECT_THAT(Scores(flat, 0, 6), Near(z));
}

// Random scores per user that count how often they are asked for.
class CountingModel : public OfflineRecommender {
 public:
  explicit CountingModel(uint64_t seed) : random_(MakeRandomModel(50, seed)) {}
  void Score(uint32_t user, absl::Span<float> scores) const override {
    calls_.fetch_add(1);
    random_->Score(user, scores);
  }
  int calls() const { return calls_.load(); }

 private:
  std::unique_ptr<OfflineRecommender> random_;
  mutable std::atomic<int> calls_{0};
};

TEST(HybridScoreCacheTest, BlendsScoreAsTheHybridModelBitForBit) {
  std::vector<std::shared_ptr<const OfflineRecommender>> parts = {
      std::make_shared<CountingModel>(1), std::make_shared<CountingModel>(2),
      Prior(std::vector<float>(50, 3.0f))};  // constant: adds nothing
  const std::vector<std::vector<float>> weightings = {
      {1, 0, 0}, {1, 0.5f, 2}, {0, 4, 0.25f}, {0.05f, 1, 0}};
  // Budgets: everything kept, nothing kept, and room for 3 of 15 rows.
  for (int64_t budget : {int64_t{1} << 20, int64_t{0}, int64_t{3 * 50 * 4}}) {
    SCOPED_TRACE(budget);
    const HybridScoreCache cache(parts, 5, 50, budget);
    for (int round = 0; round < 2; ++round) {  // computed, then kept
      for (const std::vector<float>& w : weightings) {
        const HybridModel hybrid({{"a", parts[0], w[0]},
                                  {"b", parts[1], w[1]},
                                  {"c", parts[2], w[2]}});
        for (uint32_t user : {0u, 3u, 4u, 7u}) {  // 7: not a split user
          EXPECT_EQ(Scores(*cache.Blend(w), user, 50), Scores(hybrid, user, 50))
              << "user " << user;
        }
      }
    }
    EXPECT_LE(cache.bytes_used(), budget);
  }
}

TEST(HybridScoreCacheTest, ScoresEachUserAndComponentOnceWithinTheBudget) {
  auto a = std::make_shared<CountingModel>(1);
  auto b = std::make_shared<CountingModel>(2);
  const HybridScoreCache cache({a, b}, 4, 50, int64_t{1} << 20);
  for (const std::vector<float>& w :
       std::vector<std::vector<float>>{{1, 0}, {1, 1}, {2, 0.5f}, {0, 1}}) {
    for (uint32_t user = 0; user < 4; ++user) Scores(*cache.Blend(w), user, 50);
  }
  EXPECT_EQ(a->calls(), 4);
  EXPECT_EQ(b->calls(), 4);
  EXPECT_EQ(cache.bytes_used(), 8 * 50 * 4);

  // Without a budget every blend scores again.
  auto c = std::make_shared<CountingModel>(3);
  const HybridScoreCache uncached({c}, 4, 50, 0);
  for (int round = 0; round < 3; ++round) Scores(*uncached.Blend({1}), 0, 50);
  EXPECT_EQ(c->calls(), 3);
  EXPECT_EQ(uncached.bytes_used(), 0);
}

// ---------------------------------------------------------------- blend
// weights

TEST(FitBlendWeightsTest, FindsTheBestGridPoint) {
  const auto evaluate = [](const std::vector<float>& w) {
    return -std::pow(w[0] - 0.5, 2) - std::pow(w[1] - 2.0, 2) -
           std::pow(w[2] - 0.1, 2);
  };
  EXPECT_THAT(FitBlendWeights({1, 1, 1}, evaluate), Near({0.5f, 2.0f, 0.1f}));
}

TEST(FitBlendWeightsTest, NeverTriesAllZeros) {
  int calls = 0;
  const auto evaluate = [&](const std::vector<float>& w) {
    ++calls;
    EXPECT_TRUE(
        std::any_of(w.begin(), w.end(), [](float x) { return x != 0; }));
    double sum = 0;
    for (float x : w) sum += x;
    return -sum;  // best as small as possible
  };
  const std::vector<float> w = FitBlendWeights({1, 1}, evaluate);
  EXPECT_GT(calls, 1);
  EXPECT_THAT(w, ElementsAre(0.0f, 0.05f));
}

TEST(FitBlendWeightsTest, KeepsTheStartWhenNothingIsBetter) {
  const auto evaluate = [](const std::vector<float>&) { return 1.0; };
  EXPECT_THAT(FitBlendWeights({0.3f, 1.5f}, evaluate), ElementsAre(0.3f, 1.5f));
}

}  // namespace
}  // namespace recsys::core
