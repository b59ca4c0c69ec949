#include "core/content.h"

#include "gtest/gtest.h"

namespace recsys::core {
namespace {

Catalog ThreeTracks() {
  Catalog c;
  c.genres = {"classical", "edm"};
  c.subgenres = {"baroque", "house"};
  c.artists = {{"a0", "Bach", 0}, {"a1", "DJ", 1}};
  Track quiet{"t0",
              "Quiet",
              0,
              0,
              0,
              1720,
              ContentKind::kMusic,
              false,
              50,
              {0.95f, 0.2f, 0.1f, 0.9f, 0.1f, -22.0f, 0.04f, 90.0f, 0.3f},
              0,
              {}};
  Track quiet2 = quiet;
  quiet2.id = "t1";
  quiet2.audio[7] = 95.0f;
  Track loud{"t2",
             "Loud",
             1,
             1,
             1,
             2019,
             ContentKind::kMusic,
             false,
             80,
             {0.02f, 0.85f, 0.95f, 0.6f, 0.2f, -4.0f, 0.06f, 128.0f, 0.5f},
             0,
             {}};
  c.tracks = {quiet, quiet2, loud};
  return c;
}

TEST(ContentTest, UnitRowsWithDocumentedLayout) {
  const Catalog c = ThreeTracks();
  const FactorMatrix v = ContentVectors(c);
  ASSERT_EQ(v.rows(), 3);
  ASSERT_EQ(v.cols(), ContentDimensions(c));
  EXPECT_EQ(v.cols(), 9 + 1 + 2 + 2);
  for (int t = 0; t < 3; ++t) EXPECT_NEAR(v.row(t).norm(), 1.0f, 1e-5f);
  // Genre and sub-genre columns are set for the track's own genre only.
  EXPECT_GT(v(0, 10), 0);
  EXPECT_EQ(v(0, 11), 0);
  EXPECT_GT(v(2, 11), 0);
  EXPECT_GT(v(2, 13), 0);
}

TEST(ContentTest, SimilarTracksAreCloser) {
  const FactorMatrix v = ContentVectors(ThreeTracks());
  const float same = v.row(0).dot(v.row(1));
  const float different = v.row(0).dot(v.row(2));
  EXPECT_GT(same, 0.9f);
  EXPECT_LT(different, 0.2f);
}

TEST(ContentTest, SharedTagsBringTracksCloser) {
  Catalog c = ThreeTracks();
  c.tags = {"grunge", "seattle", "lullaby"};
  // Tracks 0 and 2 differ in sound and genre but share their tags.
  c.tracks[0].tags = {{0, 5}, {1, 2}};
  c.tracks[2].tags = {{0, 4}, {1, 1}};
  c.tracks[1].tags = {{2, 3}};
  const FactorMatrix without = ContentVectors(ThreeTracks());
  const FactorMatrix with = ContentVectors(c);
  EXPECT_EQ(with.cols(), without.cols() + kTagDimensions);
  EXPECT_GT(with.row(0).dot(with.row(2)),
            without.row(0).dot(without.row(2)) + 0.2f);
  EXPECT_LT(with.row(0).dot(with.row(1)), without.row(0).dot(without.row(1)));
  for (int t = 0; t < 3; ++t) EXPECT_NEAR(with.row(t).norm(), 1.0f, 1e-5f);
}

TEST(ContentTest, EmptyCatalog) {
  Catalog c;
  c.genres = {"pop"};
  EXPECT_EQ(ContentVectors(c).rows(), 0);
}

}  // namespace
}  // namespace recsys::core
