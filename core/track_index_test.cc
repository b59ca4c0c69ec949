#include "core/track_index.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

using ::testing::HasSubstr;

// Rows of very different lengths, like ALS vectors of popular and rare
// tracks: the case where inner-product search is hard.
FactorMatrix SkewedRows(int64_t n, int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss;
  std::lognormal_distribution<float> length(0.0f, 0.7f);
  FactorMatrix rows(n, d);
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) rows(i, j) = gauss(rng);
    rows.row(i) *= length(rng) / rows.row(i).norm();
  }
  return rows;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) /
          (name + std::to_string(::getpid())))
      .string();
}

TEST(ExactIndexTest, ReturnsLargestInnerProductsFirst) {
  FactorMatrix rows(4, 2);
  rows << 1, 0,  //
      0, 1,      //
      3, 3,      //
      -1, -1;
  ExactIndex index(rows);
  const std::vector<float> q = {1.0f, 0.5f};
  const std::vector<Neighbor> top = index.Search(q, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].row, 2u);
  EXPECT_FLOAT_EQ(top[0].score, 4.5f);
  EXPECT_EQ(top[1].row, 0u);
  EXPECT_EQ(top[2].row, 1u);
  EXPECT_EQ(index.Search(q, 10).size(), 4u);
  EXPECT_TRUE(index.Search(q, 0).empty());
}

TEST(HnswIndexTest, FindsTheExactNeighboursOfSkewedRows) {
  const int d = 16;
  const FactorMatrix rows = SkewedRows(20000, d, 7);
  absl::StatusOr<std::unique_ptr<HnswIndex>> index =
      HnswIndex::Build(rows, {.head_rows = 1000, .ef_search = 128});
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ((*index)->head_rows(), 1000);
  ExactIndex exact(rows);
  const FactorMatrix queries = SkewedRows(100, d, 8);
  double recall = 0;
  for (int q = 0; q < queries.rows(); ++q) {
    const std::vector<float> query(queries.row(q).data(),
                                   queries.row(q).data() + d);
    const std::vector<Neighbor> found = (*index)->Search(query, 50);
    ASSERT_EQ(found.size(), 50u);
    for (size_t i = 0; i < found.size(); ++i) {
      // Scores are the true inner products, best first.
      EXPECT_NEAR(found[i].score, rows.row(found[i].row).dot(queries.row(q)),
                  1e-3);
      if (i > 0) {
        EXPECT_GE(found[i - 1].score, found[i].score - 1e-4);
      }
    }
    recall += RecallAt(found, exact.Search(query, 50));
  }
  EXPECT_GE(recall / queries.rows(), 0.95);
}

// Most rows near zero and a few long ones, as trained ALS vectors are: an
// inner-product graph alone gets lost here; the exact head does not.
TEST(HnswIndexTest, FindsTheFewLongRowsAmongManyShortOnes) {
  const int d = 16;
  FactorMatrix rows = SkewedRows(30000, d, 9);
  std::mt19937_64 rng(10);
  std::lognormal_distribution<float> length(-4.0f, 2.0f);
  for (int64_t i = 0; i < rows.rows(); ++i) rows.row(i) *= length(rng);
  absl::StatusOr<std::unique_ptr<HnswIndex>> index =
      HnswIndex::Build(rows, {.head_rows = 2000, .ef_search = 64});
  ASSERT_TRUE(index.ok()) << index.status();
  ExactIndex exact(rows);
  const FactorMatrix queries = SkewedRows(50, d, 11);
  double recall = 0;
  for (int q = 0; q < queries.rows(); ++q) {
    const std::vector<float> query(queries.row(q).data(),
                                   queries.row(q).data() + d);
    recall += RecallAt((*index)->Search(query, 100), exact.Search(query, 100));
  }
  EXPECT_GE(recall / queries.rows(), 0.99);
}

TEST(HnswIndexTest, SmallIndexIsAllHeadAndExact) {
  const FactorMatrix rows = SkewedRows(500, 8, 4);
  absl::StatusOr<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(rows, {});
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ((*index)->head_rows(), 500);
  ExactIndex exact(rows);
  const std::vector<float> q(rows.row(3).data(), rows.row(3).data() + 8);
  const std::vector<Neighbor> a = (*index)->Search(q, 40);
  const std::vector<Neighbor> b = exact.Search(q, 40);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].row, b[i].row);
}

TEST(HnswIndexTest, RejectsBadInput) {
  FactorMatrix rows = SkewedRows(10, 4, 1);
  EXPECT_EQ(HnswIndex::Build(rows, {.m = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  rows(3, 2) = std::nanf("");
  EXPECT_EQ(HnswIndex::Build(rows, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HnswIndexTest, EmptyIndexAnswersNothing) {
  absl::StatusOr<std::unique_ptr<HnswIndex>> index =
      HnswIndex::Build(FactorMatrix(0, 8), {});
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_TRUE((*index)->Search(std::vector<float>(8, 1.0f), 5).empty());
}

class SavedIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rows_ = SkewedRows(3000, 8, 3);
    absl::StatusOr<std::unique_ptr<HnswIndex>> index =
        HnswIndex::Build(rows_, {.head_rows = 300});
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    path_ = TempPath("track_index");
    ASSERT_TRUE(index_->Save(path_).ok());
  }
  void TearDown() override {
    std::remove(path_.c_str());
    std::remove((path_ + ".head").c_str());
    std::remove((path_ + ".header").c_str());
  }
  // Flips one byte of `file` at `offset` (from the end when negative).
  static void Flip(const std::string& file, std::streamoff offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset, offset < 0 ? std::ios::end : std::ios::beg);
    const std::streampos at = f.tellg();
    char c;
    f.read(&c, 1);
    c ^= 0x5a;
    f.seekp(at);
    f.write(&c, 1);
  }

  FactorMatrix rows_;
  std::unique_ptr<HnswIndex> index_;
  std::string path_;
};

TEST_F(SavedIndexTest, LoadsWhatWasSaved) {
  absl::StatusOr<std::unique_ptr<HnswIndex>> loaded =
      HnswIndex::Load(path_, 64);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->size(), 3000);
  EXPECT_EQ((*loaded)->head_rows(), 300);
  EXPECT_EQ((*loaded)->dimensions(), 8);
  EXPECT_EQ((*loaded)->ef_search(), 64);
  // The same graph: loaded with the search list it was built with, it
  // answers exactly as the one in memory did.
  absl::StatusOr<std::unique_ptr<HnswIndex>> same =
      HnswIndex::Load(path_, index_->ef_search());
  ASSERT_TRUE(same.ok()) << same.status();
  for (int r = 0; r < 3000; r += 97) {
    const std::vector<float> q(rows_.row(r).data(), rows_.row(r).data() + 8);
    const std::vector<Neighbor> a = index_->Search(q, 20);
    const std::vector<Neighbor> b = (*same)->Search(q, 20);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].row, b[i].row) << "query row " << r << ", rank " << i;
      EXPECT_EQ(a[i].score, b[i].score);
    }
  }
}

TEST(HnswIndexFileTest, AllHeadIndexSavesAndLoads) {
  // Fewer rows than the head holds: the graph is empty (hnswlib writes
  // level -1 and no entry point) and must load all the same.
  const FactorMatrix rows = SkewedRows(50, 8, 5);
  absl::StatusOr<std::unique_ptr<HnswIndex>> index =
      HnswIndex::Build(rows, {.head_rows = 100});
  ASSERT_TRUE(index.ok()) << index.status();
  const std::string path = TempPath("all_head_index");
  ASSERT_TRUE((*index)->Save(path).ok());
  absl::StatusOr<std::unique_ptr<HnswIndex>> loaded = HnswIndex::Load(path, 64);
  for (const char* suffix : {"", ".head", ".header"}) {
    std::remove((path + suffix).c_str());
  }
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->size(), 50);
  const std::vector<float> q(rows.row(7).data(), rows.row(7).data() + 8);
  const std::vector<Neighbor> a = (*index)->Search(q, 10);
  const std::vector<Neighbor> b = (*loaded)->Search(q, 10);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].row, b[i].row);
}

TEST_F(SavedIndexTest, MissingHeaderIsNotFound) {
  std::remove((path_ + ".header").c_str());
  EXPECT_EQ(HnswIndex::Load(path_, 64).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SavedIndexTest, CorruptGraphIsDataLoss) {
  Flip(path_, -100);
  const absl::Status status = HnswIndex::Load(path_, 64).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("checksum"));
}

TEST_F(SavedIndexTest, CorruptOrTruncatedHeadIsDataLoss) {
  Flip(path_ + ".head", 100);
  EXPECT_THAT(HnswIndex::Load(path_, 64).status().message(),
              HasSubstr("head file's checksum"));
  Flip(path_ + ".head", 100);
  std::filesystem::resize_file(path_ + ".head",
                               std::filesystem::file_size(path_ + ".head") - 4);
  EXPECT_EQ(HnswIndex::Load(path_, 64).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SavedIndexTest, TruncatedGraphIsDataLoss) {
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 7);
  EXPECT_EQ(HnswIndex::Load(path_, 64).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SavedIndexTest, DamagedGraphSizesAreRefusedBeforeUse) {
  // The element count, third field of hnswlib's own header (its high byte:
  // an absurd count), refused before anything is allocated for it.
  Flip(path_, 23);
  const absl::Status status = HnswIndex::Load(path_, 64).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("checksum"));
}

TEST_F(SavedIndexTest, GraphWithTrailingBytesIsDataLoss) {
  {
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    out << 'x';
  }
  const absl::Status status = HnswIndex::Load(path_, 64).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("goes on after the graph"));
}

TEST_F(SavedIndexTest, CorruptHeaderIsDataLoss) {
  Flip(path_ + ".header", 13);
  EXPECT_EQ(HnswIndex::Load(path_, 64).status().code(),
            absl::StatusCode::kDataLoss);
  Flip(path_ + ".header", 13);
  Flip(path_ + ".header", 0);
  EXPECT_THAT(HnswIndex::Load(path_, 64).status().message(),
              HasSubstr("bad magic"));
}

}  // namespace
}  // namespace recsys::core
