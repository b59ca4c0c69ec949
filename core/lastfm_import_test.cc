#include "core/lastfm_import.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/shared_data.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::recsys::testing::WriteFile;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using TagCounts = std::vector<std::pair<uint32_t, int32_t>>;

// Artist ids are sparse and users out of order, as in the real files; user
// ids sort differently as text ("100" < "20" < "3") and as numbers.
constexpr absl::string_view kArtists =
    "id\tname\turl\tpictureURL\n"
    "1\tAlpha\thttp://a\thttp://a.jpg\n"
    "2\tBeta Band\thttp://b\t\n"
    "5\tGamma\thttp://g\thttp://g.jpg\n"
    "7\tDelta\thttp://d\thttp://d.jpg\n";
// Tag 13 is Latin-1 "café", which is not valid UTF-8.
constexpr absl::string_view kTags =
    "tagID\ttagValue\n"
    "10\trock\n"
    "11\tpop\n"
    "12\tjazz\n"
    "13\tcaf\xE9\n";
constexpr absl::string_view kUserArtists =
    "userID\tartistID\tweight\n"
    "20\t1\t100\n"
    "3\t2\t50\n"
    "3\t1\t7\n"
    "20\t5\t0\n"
    "100\t7\t9\n";
// rock: artists 1, 2, 5; pop: 1, 2; jazz and café: 7 only. With two genre
// tags (rock, pop): artist 1 -> pop (3 users vs 2), artist 2 -> rock (1 vs
// 1, rock ranks higher), 5 -> rock, 7 -> other.
constexpr absl::string_view kTaggedArtists =
    "userID\tartistID\ttagID\tday\tmonth\tyear\n"
    "3\t1\t10\t1\t4\t2009\n"
    "20\t1\t10\t1\t4\t2009\n"
    "3\t1\t11\t1\t4\t2009\n"
    "20\t1\t11\t1\t4\t2009\n"
    "100\t1\t11\t1\t4\t2009\n"
    "3\t2\t10\t1\t4\t2009\n"
    "20\t2\t11\t1\t4\t2009\n"
    "20\t5\t10\t1\t4\t2009\n"
    "20\t5\t10\t2\t5\t2010\n"  // the same user again: counts once
    "100\t7\t12\t1\t4\t2009\n"
    "3\t7\t13\t1\t4\t2009\n"
    "100\t7\t13\t1\t4\t2009\n"
    "3\t99\t10\t1\t4\t2009\n";  // artist 99 is not in artists.dat
constexpr absl::string_view kFriends =
    "userID\tfriendID\n"
    "3\t20\n"
    "20\t3\n"
    "3\t555\n";  // user 555 has no plays

void WriteFixture(const std::string& dir) {
  WriteFile(dir + "/artists.dat", kArtists);
  WriteFile(dir + "/tags.dat", kTags);
  WriteFile(dir + "/user_artists.dat", kUserArtists);
  WriteFile(dir + "/user_taggedartists.dat", kTaggedArtists);
  WriteFile(dir + "/user_friends.dat", kFriends);
}

LastfmOptions FixtureOptions(const std::string& dir) {
  LastfmOptions options;
  options.dir = dir;
  options.num_genre_tags = 2;
  return options;
}

std::vector<std::string> UserIds(const Dataset& dataset) {
  std::vector<std::string> ids;
  for (const User& user : dataset.users) ids.push_back(user.id);
  return ids;
}

// (user id, artist id, plays) per interaction.
std::vector<std::tuple<std::string, std::string, uint32_t>> Plays(
    const Dataset& dataset) {
  std::vector<std::tuple<std::string, std::string, uint32_t>> plays;
  for (const Interaction& x : dataset.interactions) {
    plays.emplace_back(dataset.users[x.user].id,
                       dataset.catalog.tracks[x.track].id, x.plays);
  }
  return plays;
}

TEST(LastfmImportTest, ReadsArtistsUsersAndPlays) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  const absl::StatusOr<LastfmData> data = ReadLastfm(FixtureOptions(dir));
  ASSERT_TRUE(data.ok()) << data.status();
  const Catalog& catalog = data->dataset.catalog;

  ASSERT_EQ(catalog.artists.size(), 4u);
  ASSERT_EQ(catalog.tracks.size(), 4u);
  EXPECT_EQ(catalog.artists[1].id, "2");
  EXPECT_EQ(catalog.artists[1].name, "Beta Band");
  for (uint32_t i = 0; i < catalog.tracks.size(); ++i) {
    const Track& track = catalog.tracks[i];
    EXPECT_EQ(track.id, catalog.artists[i].id);
    EXPECT_EQ(track.title, catalog.artists[i].name);
    EXPECT_EQ(track.artist, i);
    EXPECT_EQ(track.genre, catalog.artists[i].genre);
    EXPECT_EQ(track.subgenre, 0);
    EXPECT_EQ(track.kind, ContentKind::kMusic);
    EXPECT_EQ(track.release_year, 0);
    EXPECT_EQ(track.popularity, 0);
    EXPECT_EQ(track.audio, AudioFeatures{});
  }
  EXPECT_THAT(catalog.subgenres, ElementsAre(""));

  EXPECT_THAT(UserIds(data->dataset), ElementsAre("3", "20", "100"));
  for (const User& user : data->dataset.users) EXPECT_EQ(user.country, "");
  using Row = std::tuple<std::string, std::string, uint32_t>;
  EXPECT_THAT(
      Plays(data->dataset),
      ElementsAre(Row("3", "1", 7), Row("3", "2", 50), Row("20", "1", 100),
                  Row("20", "5", 0), Row("100", "7", 9)));
  for (const Interaction& x : data->dataset.interactions) {
    EXPECT_EQ(x.skips, 0u);
    EXPECT_FALSE(x.liked);
  }

  // User 555 has no plays, so that friendship is dropped.
  EXPECT_THAT(data->friendships, ElementsAre(Pair(0, 1), Pair(1, 0)));

  const LastfmData::Report& report = data->report;
  EXPECT_EQ(report.artists, 4);
  EXPECT_EQ(report.users, 3);
  EXPECT_EQ(report.interactions, 5);
  EXPECT_EQ(report.tag_assignments, 11);
  EXPECT_EQ(report.excluded_interactions, 0);
  EXPECT_EQ(report.excluded_tag_rows, 0);
  EXPECT_EQ(report.tag_rows_unknown_artist, 1);
  EXPECT_EQ(report.friendships, 2);
  EXPECT_EQ(report.ToString(),
            "artists=4 users=3 interactions=5 tag_assignments=11 "
            "excluded_interactions=0 excluded_tag_rows=0 "
            "tag_rows_unknown_artist=1 friendships=2");
}

TEST(LastfmImportTest, CountsDistinctUsersPerArtistTag) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  const absl::StatusOr<LastfmData> data = ReadLastfm(FixtureOptions(dir));
  ASSERT_TRUE(data.ok()) << data.status();

  // Latin-1 bytes are kept as they are.
  EXPECT_THAT(data->tag_names, ElementsAre("rock", "pop", "jazz", "caf\xE9"));
  ASSERT_EQ(data->artist_tags.size(), 4u);
  EXPECT_THAT(data->artist_tags[0], ElementsAre(Pair(1, 3), Pair(0, 2)));
  // Equal counts: by tag index.
  EXPECT_THAT(data->artist_tags[1], ElementsAre(Pair(0, 1), Pair(1, 1)));
  EXPECT_THAT(data->artist_tags[2], ElementsAre(Pair(0, 1)));
  EXPECT_THAT(data->artist_tags[3], ElementsAre(Pair(3, 2), Pair(2, 1)));
}

TEST(LastfmImportTest, AssignsGenresFromTheMostWidelyUsedTags) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  const absl::StatusOr<LastfmData> data = ReadLastfm(FixtureOptions(dir));
  ASSERT_TRUE(data.ok()) << data.status();
  const Catalog& catalog = data->dataset.catalog;

  EXPECT_THAT(catalog.genres, ElementsAre("rock", "pop", "other"));
  std::vector<std::string> artist_genres;
  for (const Artist& artist : catalog.artists) {
    artist_genres.push_back(catalog.genres[artist.genre]);
  }
  EXPECT_THAT(artist_genres, ElementsAre("pop", "rock", "rock", "other"));
}

TEST(LastfmImportTest, ZeroGenreTagsMakesEveryArtistOther) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  LastfmOptions options = FixtureOptions(dir);
  options.num_genre_tags = 0;
  const absl::StatusOr<LastfmData> data = ReadLastfm(options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->dataset.catalog.genres, ElementsAre("other"));
  for (const Artist& artist : data->dataset.catalog.artists) {
    EXPECT_EQ(artist.genre, 0);
  }
}

TEST(LastfmImportTest, RejectsGenreTagCountOutOfRange) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  LastfmOptions options = FixtureOptions(dir);
  options.num_genre_tags = -1;
  EXPECT_EQ(ReadLastfm(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LastfmImportTest, DropsExcludedPairsFromPlaysAndTags) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  LastfmOptions options = FixtureOptions(dir);
  options.excluded_pairs = {{"20", "1"}, {"100", "7"}};
  const absl::StatusOr<LastfmData> data = ReadLastfm(options);
  ASSERT_TRUE(data.ok()) << data.status();

  // User 100's only play is excluded; the user stays.
  EXPECT_THAT(UserIds(data->dataset), ElementsAre("3", "20", "100"));
  using Row = std::tuple<std::string, std::string, uint32_t>;
  EXPECT_THAT(
      Plays(data->dataset),
      ElementsAre(Row("3", "1", 7), Row("3", "2", 50), Row("20", "5", 0)));
  // User 20's rock and pop on artist 1 and user 100's jazz and café on
  // artist 7 are gone; user 100's pop on artist 1 is another pair and stays.
  EXPECT_THAT(data->artist_tags[0], ElementsAre(Pair(1, 2), Pair(0, 1)));
  EXPECT_THAT(data->artist_tags[3], ElementsAre(Pair(3, 1)));
  EXPECT_EQ(data->report.excluded_interactions, 2);
  EXPECT_EQ(data->report.excluded_tag_rows, 4);
  EXPECT_EQ(data->report.tag_assignments, 7);
  EXPECT_EQ(data->report.interactions, 3);
}

TEST(LastfmImportTest, RejectsExcludedPairWithNonNumericIds) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  LastfmOptions options = FixtureOptions(dir);
  options.excluded_pairs = {{"20", "one"}};
  const absl::Status status = ReadLastfm(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("'one'"));
}

TEST(LastfmImportTest, MissingFileIsNotFoundNamingThePath) {
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  std::filesystem::remove(dir + "/user_friends.dat");
  const absl::Status status = ReadLastfm(FixtureOptions(dir)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(dir + "/user_friends.dat"));
}

struct MalformedCase {
  std::string name;
  std::string file;     // replaced in the fixture
  std::string content;  // its new content
  int line;             // the line the error must name
  std::string reason;   // a substring of the error
};

class LastfmMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(LastfmMalformedTest, FailsWithPathLineAndReason) {
  const MalformedCase& c = GetParam();
  const std::string dir = testing::TestTempDir();
  WriteFixture(dir);
  WriteFile(dir + "/" + c.file, c.content);
  const absl::Status status = ReadLastfm(FixtureOptions(dir)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat(dir, "/", c.file, ":", c.line, ": ")));
  EXPECT_THAT(status.message(), HasSubstr(c.reason));
}

INSTANTIATE_TEST_SUITE_P(
    AllFiles, LastfmMalformedTest,
    ::testing::Values(
        MalformedCase{"ArtistIdNotInteger", "artists.dat",
                      "id\tname\turl\tpictureURL\n1\tA\tu\tp\nx2\tB\tu\tp\n", 3,
                      "column 'id' is not a non-negative integer: 'x2'"},
        MalformedCase{"ArtistIdRepeated", "artists.dat",
                      "id\tname\turl\tpictureURL\n1\tA\tu\tp\n1\tB\tu\tp\n", 3,
                      "repeated artist id '1'"},
        MalformedCase{"MissingColumn", "artists.dat",
                      "id\turl\tpictureURL\n1\tu\tp\n", 1,
                      "missing required column 'name'"},
        MalformedCase{"TooFewFields", "user_artists.dat",
                      "userID\tartistID\tweight\n3\t1\t5\n\n3\t2\n", 4,
                      "expected 3 fields as in the header, found 2"},
        MalformedCase{"NegativeWeight", "user_artists.dat",
                      "userID\tartistID\tweight\n3\t1\t-5\n", 2,
                      "column 'weight' is not an integer in [0, 2^32): '-5'"},
        MalformedCase{"NegativeUserId", "user_artists.dat",
                      "userID\tartistID\tweight\n-3\t1\t5\n", 2,
                      "column 'userID' is not a non-negative integer"},
        MalformedCase{"UnknownArtistInPlays", "user_artists.dat",
                      "userID\tartistID\tweight\n3\t1\t5\n3\t42\t5\n", 3,
                      "artistID '42' is not in artists.dat"},
        MalformedCase{"RepeatedPlayPair", "user_artists.dat",
                      "userID\tartistID\tweight\n3\t1\t5\n3\t1\t6\n", 3,
                      "repeated (userID, artistID) pair (3, 1)"},
        MalformedCase{"TagIdNotInteger", "tags.dat",
                      "tagID\ttagValue\n1.5\trock\n", 2,
                      "column 'tagID' is not a non-negative integer"},
        MalformedCase{"UnknownTagInTagRows", "user_taggedartists.dat",
                      "userID\tartistID\ttagID\tday\tmonth\tyear\n"
                      "3\t1\t10\t1\t4\t2009\n3\t1\t77\t1\t4\t2009\n",
                      3, "tagID '77' is not in tags.dat"},
        MalformedCase{"TagRowTooManyFields", "user_taggedartists.dat",
                      "userID\tartistID\ttagID\tday\tmonth\tyear\n"
                      "3\t1\t10\t1\t4\t2009\t7\n",
                      2, "expected 6 fields as in the header, found 7"},
        MalformedCase{"FriendIdNotInteger", "user_friends.dat",
                      "userID\tfriendID\n3\t20\n3\tbob\n", 3,
                      "column 'friendID' is not a non-negative integer"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

// The published data set, checked against the sizes its readme documents.
TEST(LastfmImportRealDataTest, MatchesDocumentedSizes) {
  const std::string data_dir = ::recsys::testing::SharedDataDir();
  RECSYS_SKIP_OR_FAIL_WITHOUT_SHARED_DATA(data_dir);
  LastfmOptions options;
  options.dir = data_dir + "/lastfm-hetrec2k";
  // User 2's second artist (52) has five tag rows by that user.
  options.excluded_pairs = {{"2", "52"}};
  const absl::StatusOr<LastfmData> data = ReadLastfm(options);
  ASSERT_TRUE(data.ok()) << data.status();
  const LastfmData::Report& report = data->report;
  SCOPED_TRACE(report.ToString());

  EXPECT_EQ(report.users, 1892);
  EXPECT_EQ(report.artists, 17632);
  EXPECT_EQ(report.interactions, 92834 - 1);
  EXPECT_EQ(report.excluded_interactions, 1);
  EXPECT_EQ(report.excluded_tag_rows, 5);
  EXPECT_EQ(data->tag_names.size(), 11946u);
  // 186,479 rows, less 1,538 on 390 artist ids missing from artists.dat,
  // less the excluded ones; no row repeats a (user, artist, tag).
  EXPECT_EQ(report.tag_rows_unknown_artist, 1538);
  EXPECT_EQ(report.tag_assignments, 186479 - 1538 - 5);
  EXPECT_EQ(report.friendships, 25434);
  ASSERT_EQ(data->dataset.catalog.genres.size(), 41u);
  EXPECT_EQ(data->dataset.catalog.genres.front(), "rock");
  EXPECT_EQ(data->dataset.catalog.genres.back(), "other");

  // readme.txt's examples.
  const Dataset& dataset = data->dataset;
  EXPECT_EQ(dataset.catalog.artists[0].name, "MALICE MIZER");
  ASSERT_FALSE(dataset.interactions.empty());
  const Interaction& first = dataset.interactions.front();
  EXPECT_EQ(dataset.users[first.user].id, "2");
  EXPECT_EQ(dataset.catalog.tracks[first.track].id, "51");
  EXPECT_EQ(first.plays, 13883u);
}

}  // namespace
}  // namespace recsys::core
