#include "core/offline_eval.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::recsys::testing::TestTempDir;
using ::recsys::testing::WriteFile;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using Pair = std::pair<uint32_t, uint32_t>;

// Every (row, col) -> value of `m`.
std::map<Pair, float> Entries(const SparseRows& m) {
  std::map<Pair, float> out;
  for (int64_t r = 0; r < m.rows(); ++r) {
    const auto cols = m.RowIndices(r);
    const auto vals = m.RowValues(r);
    for (size_t k = 0; k < cols.size(); ++k) {
      out[{static_cast<uint32_t>(r), cols[k]}] = vals[k];
    }
  }
  return out;
}

// `rows` x `cols`, each entry present with probability `density`, values
// 1..20; seeded.
SparseRows RandomCounts(int rows, int cols, double density, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution present(density);
  std::uniform_int_distribution<int> count(1, 20);
  std::vector<SparseEntry> entries;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (present(rng)) {
        entries.push_back({static_cast<uint32_t>(r), static_cast<uint32_t>(c),
                           static_cast<float>(count(rng))});
      }
    }
  }
  return SparseRows::FromEntries(rows, cols, std::move(entries));
}

SparseRows Matrix(int64_t rows, int64_t cols,
                  std::vector<std::pair<Pair, float>> entries) {
  std::vector<SparseEntry> e;
  for (const auto& [rc, v] : entries) e.push_back({rc.first, rc.second, v});
  return SparseRows::FromEntries(rows, cols, std::move(e));
}

// Fixed scores per user, for evaluating known rankings.
class TableModel : public OfflineRecommender {
 public:
  explicit TableModel(std::vector<std::vector<float>> scores)
      : scores_(std::move(scores)) {}
  void Score(uint32_t user, absl::Span<float> scores) const override {
    for (size_t i = 0; i < scores.size(); ++i) scores[i] = scores_[user][i];
  }

 private:
  std::vector<std::vector<float>> scores_;
};

// Scores that fall with the item index: item 0 first.
std::vector<float> Descending(int n) {
  std::vector<float> s(n);
  for (int i = 0; i < n; ++i) s[i] = static_cast<float>(n - i);
  return s;
}

// ----------------------------------------------------------------
// ReadFixedSplit

constexpr absl::string_view kHeader = "userID\tartistID\tweight\n";

struct SplitFiles {
  std::string dir;
  std::string users = "1\n2\n5\n";
  std::string items = "10\n20\n30\n40\n";
  std::string train = absl::StrCat(kHeader, "1\t10\t3\n1\t20\t7\n5\t40\t1\n");
  std::string test = absl::StrCat(kHeader, "1\t30\t2\n2\t10\t9\n");

  void Write() const {
    WriteFile(dir + "/users.txt", users);
    WriteFile(dir + "/items.txt", items);
    WriteFile(dir + "/train.tsv", train);
    WriteFile(dir + "/test.tsv", test);
  }
};

TEST(ReadFixedSplitTest, ReadsIdsAndCountsInDenseOrder) {
  SplitFiles files{TestTempDir()};
  files.users = "1\n\n2\n5\n";  // a blank line is skipped
  files.Write();
  std::vector<std::string> users, items;
  absl::StatusOr<EvalSplit> split = ReadFixedSplit(files.dir, &users, &items);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(users, ElementsAre("1", "2", "5"));
  EXPECT_THAT(items, ElementsAre("10", "20", "30", "40"));
  EXPECT_EQ(split->train.rows(), 3);
  EXPECT_EQ(split->train.cols(), 4);
  EXPECT_EQ(split->test.rows(), 3);
  EXPECT_EQ(split->test.cols(), 4);
  const std::map<Pair, float> train = {{{0, 0}, 3}, {{0, 1}, 7}, {{2, 3}, 1}};
  const std::map<Pair, float> test = {{{0, 2}, 2}, {{1, 0}, 9}};
  EXPECT_EQ(Entries(split->train), train);
  EXPECT_EQ(Entries(split->test), test);
  EXPECT_THAT(split->candidates, IsEmpty());
  // The id lists are optional.
  EXPECT_TRUE(ReadFixedSplit(files.dir, nullptr, nullptr).ok());
}

TEST(ReadFixedSplitTest, MissingFileIsNotFoundNamingThePath) {
  for (const char* name : {"users.txt", "items.txt", "train.tsv", "test.tsv"}) {
    SplitFiles files{TestTempDir() + "/" + name};
    std::filesystem::create_directories(files.dir);
    files.Write();
    const std::string path = files.dir + "/" + name;
    ASSERT_TRUE(std::filesystem::remove(path));
    const absl::Status status =
        ReadFixedSplit(files.dir, nullptr, nullptr).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  }
}

// The status of reading `files` after `edit` changed them.
template <typename Edit>
absl::Status ReadEdited(const std::string& dir, Edit edit) {
  SplitFiles files{dir};
  edit(files);
  files.Write();
  return ReadFixedSplit(files.dir, nullptr, nullptr).status();
}

void ExpectInvalidAt(const absl::Status& status, const std::string& where,
                     absl::string_view reason) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr(where));
  EXPECT_THAT(message, HasSubstr(reason));
}

TEST(ReadFixedSplitTest, UnknownIdIsInvalidAtItsLine) {
  const std::string dir = TestTempDir();
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.train = absl::StrCat(kHeader, "1\t10\t3\n",
                                                      "3\t20\t1\n");
                             }),
                  dir + "/train.tsv:3:", "'3'");
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.test =
                                   absl::StrCat(kHeader, "\n", "2\t99\t1\n");
                             }),
                  dir + "/test.tsv:3:", "'99'");
}

TEST(ReadFixedSplitTest, RepeatedPairIsInvalidAtItsLine) {
  const std::string dir = TestTempDir();
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.train =
                                   absl::StrCat(kHeader, "1\t10\t3\n",
                                                "5\t40\t1\n", "1\t10\t4\n");
                             }),
                  dir + "/train.tsv:4:", "repeated");
}

TEST(ReadFixedSplitTest, PairInTrainAndTestIsInvalidAtItsTestLine) {
  const std::string dir = TestTempDir();
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.test = absl::StrCat(kHeader, "1\t30\t2\n",
                                                     "5\t40\t6\n");
                             }),
                  dir + "/test.tsv:3:", "train");
}

TEST(ReadFixedSplitTest, RepeatedOrMalformedIdListEntryIsInvalidAtItsLine) {
  const std::string dir = TestTempDir();
  ExpectInvalidAt(
      ReadEdited(dir, [](SplitFiles& f) { f.items = "10\n20\n\n20\n40\n"; }),
      dir + "/items.txt:4:", "'20'");
  ExpectInvalidAt(
      ReadEdited(dir, [](SplitFiles& f) { f.users = "1\nbob\n5\n"; }),
      dir + "/users.txt:2:", "'bob'");
}

TEST(ReadFixedSplitTest, BadWeightIsInvalidAtItsLine) {
  const std::string dir = TestTempDir();
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.train = absl::StrCat(kHeader, "1\t10\t0\n");
                             }),
                  dir + "/train.tsv:2:", "weight");
  ExpectInvalidAt(ReadEdited(dir,
                             [](SplitFiles& f) {
                               f.train = absl::StrCat(kHeader, "1\t10\t2.5\n");
                             }),
                  dir + "/train.tsv:2:", "weight");
  ExpectInvalidAt(
      ReadEdited(dir,
                 [](SplitFiles& f) { f.test = "user\tartistID\tweight\n"; }),
      dir + "/test.tsv:1:", "userID");
}

// ---------------------------------------------------------------- splits

TEST(RandomHoldoutSplitTest, PartitionsEntriesKeepingATrainEntryPerUser) {
  const SparseRows all = RandomCounts(200, 80, 0.05, 1);
  const EvalSplit split = RandomHoldoutSplit(all, 0.3, 7);
  EXPECT_EQ(split.train.rows(), all.rows());
  EXPECT_EQ(split.train.cols(), all.cols());
  EXPECT_EQ(split.test.rows(), all.rows());
  EXPECT_EQ(split.test.cols(), all.cols());
  EXPECT_THAT(split.candidates, IsEmpty());
  std::map<Pair, float> joined = Entries(split.train);
  for (const auto& [rc, v] : Entries(split.test)) {
    EXPECT_TRUE(joined.emplace(rc, v).second) << "in both halves";
  }
  EXPECT_EQ(joined, Entries(all));
  for (int64_t u = 0; u < all.rows(); ++u) {
    if (!all.RowIndices(u).empty()) {
      EXPECT_FALSE(split.train.RowIndices(u).empty()) << "user " << u;
    }
  }
  const double fraction =
      static_cast<double>(split.test.nnz()) / static_cast<double>(all.nnz());
  EXPECT_NEAR(fraction, 0.3, 0.05);

  EXPECT_EQ(Entries(RandomHoldoutSplit(all, 0.3, 7).test), Entries(split.test));
  EXPECT_NE(Entries(RandomHoldoutSplit(all, 0.3, 8).test), Entries(split.test));
}

TEST(LeaveKOutSplitTest, HoldsOutExactlyKOfLargerRows) {
  const SparseRows all = RandomCounts(100, 30, 0.1, 2);
  const int k = 2;
  const EvalSplit split = LeaveKOutSplit(all, k, 3);
  EXPECT_EQ(split.test.rows(), all.rows());
  EXPECT_EQ(split.test.cols(), all.cols());
  int64_t whole = 0, held = 0;
  for (int64_t u = 0; u < all.rows(); ++u) {
    const size_t n = all.RowIndices(u).size();
    if (n > static_cast<size_t>(k)) {
      EXPECT_EQ(split.test.RowIndices(u).size(), static_cast<size_t>(k));
      EXPECT_EQ(split.train.RowIndices(u).size(), n - k);
      ++held;
    } else {
      EXPECT_THAT(split.test.RowIndices(u), IsEmpty());
      EXPECT_EQ(split.train.RowIndices(u).size(), n);
      ++whole;
    }
  }
  // The seeded data has both kinds of user.
  EXPECT_GT(whole, 0);
  EXPECT_GT(held, 0);
  std::map<Pair, float> joined = Entries(split.train);
  for (const auto& [rc, v] : Entries(split.test)) {
    EXPECT_TRUE(joined.emplace(rc, v).second);
  }
  EXPECT_EQ(joined, Entries(all));
  EXPECT_EQ(Entries(LeaveKOutSplit(all, k, 3).test), Entries(split.test));
  EXPECT_NE(Entries(LeaveKOutSplit(all, k, 4).test), Entries(split.test));
}

TEST(ColdItemSplitTest, MovesEveryEntryOfNewItemsToTest) {
  // Items 60..79 have no entries and must never become candidates.
  SparseRows dense = RandomCounts(150, 60, 0.1, 4);
  std::vector<SparseEntry> e;
  for (const auto& [rc, v] : Entries(dense))
    e.push_back({rc.first, rc.second, v});
  const SparseRows all = SparseRows::FromEntries(150, 80, std::move(e));

  const EvalSplit split = ColdItemSplit(all, 0.25, 5);
  ASSERT_THAT(split.candidates, Not(IsEmpty()));
  const std::set<uint32_t> cold(split.candidates.begin(),
                                split.candidates.end());
  EXPECT_TRUE(std::is_sorted(split.candidates.begin(), split.candidates.end()));
  EXPECT_EQ(cold.size(), split.candidates.size());
  EXPECT_LT(*cold.rbegin(), 60u);
  EXPECT_NEAR(static_cast<double>(cold.size()) / 60.0, 0.25, 0.12);
  for (const auto& [rc, v] : Entries(split.train)) {
    EXPECT_FALSE(cold.count(rc.second)) << "cold item " << rc.second;
  }
  for (const auto& [rc, v] : Entries(split.test)) {
    EXPECT_TRUE(cold.count(rc.second)) << "warm item " << rc.second;
  }
  std::map<Pair, float> joined = Entries(split.train);
  for (const auto& [rc, v] : Entries(split.test)) joined.emplace(rc, v);
  EXPECT_EQ(joined, Entries(all));
  EXPECT_EQ(ColdItemSplit(all, 0.25, 5).candidates, split.candidates);
  EXPECT_NE(ColdItemSplit(all, 0.25, 6).candidates, split.candidates);
}

// ---------------------------------------------------------------- Evaluate

// One user, 30 items ranked by index; item 0 is in train (so excluded), the
// test items are 2, 5 and 25: after the exclusion they sit at 0-based ranks
// 1, 4 and 24.
EvalSplit OneUserSplit() {
  EvalSplit split;
  split.train = Matrix(1, 30, {{{0, 0}, 4}});
  split.test = Matrix(1, 30, {{{0, 2}, 1}, {{0, 5}, 1}, {{0, 25}, 1}});
  return split;
}

TEST(EvaluateTest, MatchesHandComputedMetricsForOneUser) {
  const TableModel model({Descending(30)});
  EvalOptions options;
  options.num_threads = 1;
  const EvalResult r = Evaluate(model, OneUserSplit(), options);
  const auto& m = r.metrics;
  const double dcg = 1 / std::log2(3.0) + 1 / std::log2(6.0);
  const double idcg = 1 + 1 / std::log2(3.0) + 1 / std::log2(4.0);
  for (const char* at : {"@10", "@20"}) {
    SCOPED_TRACE(at);
    // Two hits within 20 (the third is at rank 24); n_u = 3.
    EXPECT_THAT(m.at(absl::StrCat("recall", at)), DoubleNear(2.0 / 3, 1e-9));
    EXPECT_THAT(m.at(absl::StrCat("ndcg", at)), DoubleNear(dcg / idcg, 1e-9));
    // Precision at the hits: 1/2 and 2/5, over min(K, n_u) = 3.
    EXPECT_THAT(m.at(absl::StrCat("map", at)),
                DoubleNear((1.0 / 2 + 2.0 / 5) / 3, 1e-9));
  }
  EXPECT_THAT(m.at("precision@10"), DoubleNear(0.2, 1e-9));
  EXPECT_THAT(m.at("precision@20"), DoubleNear(0.1, 1e-9));
  EXPECT_THAT(m.at("coverage@10"), DoubleNear(10.0 / 30, 1e-9));
  EXPECT_EQ(m.at("users"), 1);
  // 26 negatives: item 2 is below 25 of them, item 5 below 23 (1, 3, 4
  // outrank it), item 25 below 4 (26..29).
  EXPECT_THAT(m.at("auc"), DoubleNear((25.0 + 23 + 4) / (3 * 26), 1e-9));
  // Popularity ranks: item 0 (the one listened item) is 1, then by index, so
  // the top 10 (items 1..10) have ranks 2..11.
  EXPECT_THAT(m.at("novelty@10"), DoubleNear(6.5, 1e-9));
  EXPECT_EQ(m.count("diversity@10"), 0u);

  ASSERT_EQ(r.recall_curve.size(), 50u);
  EXPECT_THAT(r.recall_curve[0], DoubleNear(0.0, 1e-9));
  EXPECT_THAT(r.recall_curve[1], DoubleNear(1.0 / 2, 1e-9));  // 1 of min(2, 3)
  EXPECT_THAT(r.recall_curve[3], DoubleNear(1.0 / 3, 1e-9));
  EXPECT_THAT(r.recall_curve[4], DoubleNear(2.0 / 3, 1e-9));
  EXPECT_THAT(r.recall_curve[23], DoubleNear(2.0 / 3, 1e-9));
  EXPECT_THAT(r.recall_curve[24], DoubleNear(1.0, 1e-9));
  EXPECT_THAT(r.recall_curve[49], DoubleNear(1.0, 1e-9));
}

TEST(EvaluateTest, RecallDividesByTheCutoffWhenManyItemsAreRelevant) {
  // 12 relevant items at ranks 0..11 of 40: Recall@10 = 10 / min(10, 12).
  EvalSplit split;
  split.train = Matrix(1, 40, {});
  std::vector<std::pair<Pair, float>> test;
  for (uint32_t i = 0; i < 12; ++i) test.push_back({{0, i}, 1});
  split.test = Matrix(1, 40, test);
  EvalOptions options;
  options.ranking_only = true;
  const auto m = Evaluate(TableModel({Descending(40)}), split, options).metrics;
  EXPECT_THAT(m.at("recall@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(m.at("ndcg@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(m.at("map@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(m.at("recall@20"), DoubleNear(12.0 / 12, 1e-9));
  EXPECT_THAT(m.at("precision@20"), DoubleNear(12.0 / 20, 1e-9));
  EXPECT_THAT(m.at("map@20"), DoubleNear(1.0, 1e-9));
}

TEST(EvaluateTest, AucCountsTiesHalf) {
  // Positive item 0 ties with item 1, beats items 2 and 3, loses to item 4.
  EvalSplit split;
  split.train = Matrix(1, 5, {});
  split.test = Matrix(1, 5, {{{0, 0}, 1}});
  const TableModel model({{1, 1, 0, 0, 2}});
  const auto m = Evaluate(model, split, EvalOptions()).metrics;
  EXPECT_THAT(m.at("auc"), DoubleNear((0.5 + 2) / 4, 1e-9));
}

TEST(EvaluateTest, AveragesOverUsersWithTestItemsOnly) {
  // User 0: relevant item at rank 0; user 1: at rank 1; user 2: no test item.
  EvalSplit split;
  split.train = Matrix(3, 25, {{{2, 0}, 1}});
  split.test = Matrix(3, 25, {{{0, 0}, 1}, {{1, 1}, 1}});
  const TableModel model({Descending(25), Descending(25), Descending(25)});
  const auto m = Evaluate(model, split, EvalOptions()).metrics;
  EXPECT_EQ(m.at("users"), 2);
  EXPECT_THAT(m.at("ndcg@10"), DoubleNear((1 + 1 / std::log2(3.0)) / 2, 1e-9));
  EXPECT_THAT(m.at("map@10"), DoubleNear((1 + 1.0 / 2) / 2, 1e-9));
  EXPECT_THAT(m.at("recall@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(m.at("precision@10"), DoubleNear(0.1, 1e-9));
}

TEST(EvaluateTest, RanksOnlyAmongCandidates) {
  // Candidates 3, 7, 9. User 0's test items: 7 (a candidate) and 12 (not);
  // user 1's only test item is 12, so user 1 is not evaluated.
  EvalSplit split;
  split.train = Matrix(2, 15, {{{0, 3}, 1}});
  split.test = Matrix(2, 15, {{{0, 7}, 1}, {{0, 12}, 1}, {{1, 12}, 1}});
  split.candidates = {3, 7, 9};
  std::vector<float> scores = Descending(15);
  scores[9] = 100;  // 9 first, then 7; 3 is a train item
  const TableModel model({scores, scores});
  std::vector<std::vector<uint32_t>> lists;
  EvalOptions options;
  options.on_list = [&](uint32_t user, absl::Span<const uint32_t> items,
                        absl::Span<const float>) {
    EXPECT_EQ(user, 0u);
    lists.emplace_back(items.begin(), items.end());
  };
  const auto m = Evaluate(model, split, options).metrics;
  EXPECT_THAT(lists, ElementsAre(ElementsAre(9u, 7u)));
  EXPECT_EQ(m.at("users"), 1);
  EXPECT_THAT(m.at("recall@10"), DoubleNear(1.0, 1e-9));
  EXPECT_THAT(m.at("ndcg@10"), DoubleNear(1 / std::log2(3.0), 1e-9));
  EXPECT_THAT(m.at("coverage@10"), DoubleNear(2.0 / 15, 1e-9));
  // Among the rankable items {7, 9} the positive is below the negative.
  EXPECT_THAT(m.at("auc"), DoubleNear(0.0, 1e-9));
}

TEST(EvaluateTest, ReportsIntraListDiversity) {
  EvalSplit split;
  split.train = Matrix(1, 4, {});
  split.test = Matrix(1, 4, {{{0, 0}, 1}});
  EvalOptions options;
  options.diversity_vectors.resize(4, 2);
  options.diversity_vectors << 1, 0,  //
      0, 1,                           //
      2, 0,                           //
      1, 1;
  const auto m = Evaluate(TableModel({Descending(4)}), split, options).metrics;
  // 1 - cosine over the 6 pairs of the list 0, 1, 2, 3.
  const double c = 1 - 1 / std::sqrt(2.0);
  EXPECT_THAT(m.at("diversity@10"),
              DoubleNear((1 + 0 + c + 1 + c + c) / 6, 1e-6));
}

TEST(EvaluateTest, OnListReceivesEachUsersTopItemsAndScores) {
  EvalSplit split;
  split.train = Matrix(2, 30, {{{0, 0}, 1}, {{1, 1}, 1}});
  split.test = Matrix(2, 30, {{{0, 5}, 1}, {{1, 6}, 1}});
  const TableModel model({Descending(30), Descending(30)});
  for (const bool ranking_only : {false, true}) {
    SCOPED_TRACE(ranking_only);
    std::map<uint32_t, std::pair<std::vector<uint32_t>, std::vector<float>>>
        lists;
    EvalOptions options;
    options.list_length = 4;
    options.ranking_only = ranking_only;
    options.on_list = [&](uint32_t user, absl::Span<const uint32_t> items,
                          absl::Span<const float> scores) {
      EXPECT_TRUE(
          lists
              .emplace(user,
                       std::make_pair(
                           std::vector<uint32_t>(items.begin(), items.end()),
                           std::vector<float>(scores.begin(), scores.end())))
              .second);
    };
    const EvalResult r = Evaluate(model, split, options);
    ASSERT_EQ(lists.size(), 2u);
    EXPECT_THAT(lists[0].first, ElementsAre(1u, 2u, 3u, 4u));
    EXPECT_THAT(lists[0].second, ElementsAre(29.0f, 28.0f, 27.0f, 26.0f));
    EXPECT_THAT(lists[1].first, ElementsAre(0u, 2u, 3u, 4u));
    EXPECT_THAT(lists[1].second, ElementsAre(30.0f, 28.0f, 27.0f, 26.0f));
    EXPECT_EQ(r.metrics.count("auc"), ranking_only ? 0u : 1u);
    EXPECT_EQ(r.metrics.count("novelty@10"), ranking_only ? 0u : 1u);
    EXPECT_EQ(r.metrics.count("ndcg@10"), 1u);
  }
}

TEST(EvaluateTest, MaxUsersEvaluatesASeededSample) {
  const int n_users = 40;
  std::vector<std::pair<Pair, float>> test;
  for (uint32_t u = 0; u < n_users; ++u) test.push_back({{u, u % 20}, 1});
  EvalSplit split;
  split.train = Matrix(n_users, 20, {});
  split.test = Matrix(n_users, 20, test);
  const TableModel model(
      std::vector<std::vector<float>>(n_users, Descending(20)));
  auto sample = [&](uint64_t seed) {
    std::set<uint32_t> users;
    EvalOptions options;
    options.max_users = 7;
    options.seed = seed;
    options.on_list = [&](uint32_t u, auto, auto) { users.insert(u); };
    EXPECT_EQ(Evaluate(model, split, options).metrics.at("users"), 7);
    return users;
  };
  const std::set<uint32_t> a = sample(1);
  EXPECT_EQ(a.size(), 7u);
  EXPECT_EQ(sample(1), a);
  EXPECT_NE(sample(2), a);
  EvalOptions all;
  EXPECT_EQ(Evaluate(model, split, all).metrics.at("users"), n_users);
}

TEST(EvaluateTest, ThreadCountDoesNotChangeResults) {
  const SparseRows all = RandomCounts(120, 50, 0.1, 9);
  const EvalSplit split = RandomHoldoutSplit(all, 0.2, 1);
  std::vector<std::vector<float>> scores(120);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(0, 1);
  for (auto& row : scores) {
    for (int i = 0; i < 50; ++i) row.push_back(uniform(rng));
  }
  const TableModel model(scores);
  EvalOptions one, four;
  one.num_threads = 1;
  four.num_threads = 4;
  const EvalResult a = Evaluate(model, split, one);
  const EvalResult b = Evaluate(model, split, four);
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (const auto& [name, value] : a.metrics) {
    EXPECT_THAT(b.metrics.at(name), DoubleNear(value, 1e-9)) << name;
  }
  EXPECT_GT(a.metrics.at("users"), 50);
}

}  // namespace
}  // namespace recsys::core
