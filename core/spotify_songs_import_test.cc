#include "core/spotify_songs_import.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/shared_data.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string WriteCsv(absl::string_view content) {
  const std::string path = testing::TestTempDir() + "/spotify_songs.csv";
  std::ofstream out(path, std::ios::binary);
  out << content;
  EXPECT_TRUE(out.good()) << path;
  return path;
}

constexpr absl::string_view kHeader =
    "track_id,track_name,track_artist,track_popularity,track_album_id,"
    "track_album_name,track_album_release_date,playlist_name,playlist_id,"
    "playlist_genre,playlist_subgenre,danceability,energy,key,loudness,mode,"
    "speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
    "duration_ms\n";

// The columns after playlist_subgenre: danceability 0.7, energy 0.8, key,
// loudness -5.5, mode, speechiness 0.05, acousticness 0.1, instrumentalness
// 0, liveness 0.2, valence 0.5, tempo 120.5, duration_ms.
constexpr absl::string_view kFeatures =
    "0.7,0.8,6,-5.5,1,0.05,0.1,0,0.2,0.5,120.5,200000";

// One row: the fields up to playlist_subgenre, then kFeatures.
std::string Row(absl::string_view head) {
  return absl::StrCat(head, ",", kFeatures, "\n");
}

std::string Fixture() {
  return absl::StrCat(
      kHeader,
      Row("t1,\"Hello, World\",The  Weeknd,66,a1,Album,2019-06-14,"
          "Mix A,p1,pop,dance pop"),
      // Artist spelled differently: the same artist id.
      Row("t2,\"Say \"\"Hi\"\"\",the weeknd,50,a2,Album 2,1998-03,"
          "Mix A,p1,pop,dance pop"),
      // CRLF line end; R's "NA" names.
      "t3,NA,NA,0,a3,NA,1975,Mix B,p2,rock,hard rock,",
      "0.1,0.2,1,-20,0,0.3,0.9,0.5,0.1,0.05,0,1000\r\n",
      // t1 again, in another playlist under another genre: first row wins.
      Row("t1,Other Title,Someone Else,10,a1,Album,2000,"
          "Mix B,p2,rock,hard rock"),
      "\n",  // blank lines are skipped
      // p1 lists t2 again, collected under another genre: merged.
      Row("t2,\"Say \"\"Hi\"\"\",the weeknd,50,a2,Album 2,1998-03,"
          "Mix A,p1,r&b,hip pop"));
}

int FeatureIndex(absl::string_view name) {
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    if (kAudioFeatureNames[f] == name) return f;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

TEST(SpotifySongsImportTest, ReadsTracksArtistsAndPlaylists) {
  const absl::StatusOr<SpotifySongsData> data =
      ReadSpotifySongs(WriteCsv(Fixture()));
  ASSERT_TRUE(data.ok()) << data.status();
  const Catalog& catalog = data->dataset.catalog;

  EXPECT_THAT(catalog.genres, ElementsAre("pop", "rock", "r&b"));
  EXPECT_THAT(catalog.subgenres,
              ElementsAre("dance pop", "hard rock", "hip pop"));
  ASSERT_EQ(catalog.artists.size(), 2u);
  EXPECT_EQ(catalog.artists[0].id, "the weeknd");
  EXPECT_EQ(catalog.artists[0].name, "The  Weeknd");
  EXPECT_EQ(catalog.artists[0].genre, 0);
  EXPECT_EQ(catalog.artists[1].id, "na");
  EXPECT_EQ(catalog.artists[1].name, "NA");
  EXPECT_EQ(catalog.artists[1].genre, 1);

  ASSERT_EQ(catalog.tracks.size(), 3u);
  const Track& t1 = catalog.tracks[0];
  EXPECT_EQ(t1.id, "t1");
  EXPECT_EQ(t1.title, "Hello, World");
  EXPECT_EQ(t1.artist, 0u);
  EXPECT_EQ(t1.genre, 0);
  EXPECT_EQ(t1.subgenre, 0);
  EXPECT_EQ(t1.release_year, 2019);
  EXPECT_EQ(t1.popularity, 66);
  EXPECT_EQ(t1.kind, ContentKind::kMusic);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("danceability")], 0.7f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("energy")], 0.8f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("loudness")], -5.5f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("speechiness")], 0.05f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("acousticness")], 0.1f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("instrumentalness")], 0.0f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("liveness")], 0.2f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("valence")], 0.5f);
  EXPECT_FLOAT_EQ(t1.audio[FeatureIndex("tempo")], 120.5f);
  EXPECT_EQ(catalog.tracks[1].title, "Say \"Hi\"");
  EXPECT_EQ(catalog.tracks[1].artist, 0u);
  EXPECT_EQ(catalog.tracks[1].release_year, 1998);
  EXPECT_EQ(catalog.tracks[2].title, "NA");
  EXPECT_EQ(catalog.tracks[2].release_year, 1975);
  EXPECT_EQ(catalog.tracks[2].genre, 1);
  EXPECT_FLOAT_EQ(catalog.tracks[2].audio[FeatureIndex("tempo")], 0.0f);

  ASSERT_EQ(data->dataset.users.size(), 2u);
  EXPECT_EQ(data->dataset.users[0].id, "p1");
  EXPECT_EQ(data->dataset.users[1].id, "p2");
  EXPECT_EQ(data->dataset.users[1].country, "");
  EXPECT_THAT(data->playlist_names, ElementsAre("Mix A", "Mix B"));
  EXPECT_THAT(data->playlist_genres, ElementsAre(0, 1));

  std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> interactions;
  for (const Interaction& x : data->dataset.interactions) {
    interactions.emplace_back(x.user, x.track, x.plays);
    EXPECT_EQ(x.skips, 0u);
    EXPECT_FALSE(x.liked);
  }
  using I = std::tuple<uint32_t, uint32_t, uint32_t>;
  EXPECT_THAT(interactions,
              ElementsAre(I(0, 0, 1), I(0, 1, 1), I(1, 0, 1), I(1, 2, 1)));

  const SpotifySongsData::Report& report = data->report;
  EXPECT_EQ(report.ToString(),
            "rows=5 tracks=3 artists=2 playlists=2 interactions=4 "
            "duplicate_rows=1 rows_with_na_names=1");
}

TEST(SpotifySongsImportTest, EmptyReleaseDateIsUnknown) {
  const absl::StatusOr<SpotifySongsData> data = ReadSpotifySongs(WriteCsv(
      absl::StrCat(kHeader, Row("t1,T,A,1,a1,Al,,Mix,p1,pop,dance pop"))));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->dataset.catalog.tracks[0].release_year, 0);
}

TEST(SpotifySongsImportTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = testing::TestTempDir() + "/absent.csv";
  const absl::Status status = ReadSpotifySongs(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
}

TEST(SpotifySongsImportTest, NamesAMissingRequiredColumn) {
  const std::string header =
      absl::StrReplaceAll(kHeader, {{",tempo,", ",tempo_bpm,"}});
  const std::string path = WriteCsv(
      absl::StrCat(header, Row("t1,T,A,1,a1,Al,2019,Mix,p1,pop,dance pop")));
  const absl::Status status = ReadSpotifySongs(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat(path,
                                     ":1: missing required column "
                                     "'tempo'")));
}

struct MalformedCase {
  std::string name;
  std::string row;     // the fixture's third line
  std::string reason;  // a substring of the error
};

class SpotifyMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(SpotifyMalformedTest, FailsWithPathLineAndReason) {
  const MalformedCase& c = GetParam();
  const std::string path = WriteCsv(absl::StrCat(
      kHeader, Row("t1,T,A,1,a1,Al,2019,Mix,p1,pop,dance pop"), c.row, "\n"));
  const absl::Status status = ReadSpotifySongs(path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(path, ":3: ")));
  EXPECT_THAT(status.message(), HasSubstr(c.reason));
}

std::string BadRow(absl::string_view head, absl::string_view features) {
  return absl::StrCat(head, ",", features);
}

constexpr absl::string_view kHead = "t2,T,A,1,a1,Al,2019,Mix,p1,pop,dance pop";

INSTANTIATE_TEST_SUITE_P(
    Rows, SpotifyMalformedTest,
    ::testing::Values(
        MalformedCase{"TooFewFields", "t2,T,A,1",
                      "expected 23 fields as in the header, found 4"},
        MalformedCase{
            "UnterminatedQuote",
            BadRow("t2,\"T,A,1,a1,Al,2019,Mix,p1,pop,dance pop", kFeatures),
            "unterminated quoted field"},
        MalformedCase{
            "SlashDate",
            BadRow("t2,T,A,1,a1,Al,2019/06/14,Mix,p1,pop,dance pop", kFeatures),
            "column 'track_album_release_date' is not a date as "
            "YYYY-MM-DD, YYYY-MM or YYYY: '2019/06/14'"},
        MalformedCase{
            "TwoDigitYear",
            BadRow("t2,T,A,1,a1,Al,19-06,Mix,p1,pop,dance pop", kFeatures),
            "'19-06'"},
        MalformedCase{
            "MonthOutOfRange",
            BadRow("t2,T,A,1,a1,Al,2019-13-01,Mix,p1,pop,dance pop", kFeatures),
            "'2019-13-01'"},
        MalformedCase{"TooManyDateParts",
                      BadRow("t2,T,A,1,a1,Al,2019-01-01-01,Mix,p1,pop,dance "
                             "pop",
                             kFeatures),
                      "'2019-01-01-01'"},
        MalformedCase{
            "PopularityNotANumber",
            BadRow("t2,T,A,high,a1,Al,2019,Mix,p1,pop,dance pop", kFeatures),
            "column 'track_popularity' is not a number in [0, 100]: "
            "'high'"},
        MalformedCase{
            "TempoOutOfRange",
            BadRow(kHead, "0.7,0.8,6,-5.5,1,0.05,0.1,0,0.2,0.5,301,200000"),
            "column 'tempo' is not a number in [0, 300]: '301'"},
        MalformedCase{
            "LoudnessOutOfRange",
            BadRow(kHead, "0.7,0.8,6,-101,1,0.05,0.1,0,0.2,0.5,120,200000"),
            "column 'loudness' is not a number in [-100, 10]"},
        MalformedCase{
            "DanceabilityOutOfRange",
            BadRow(kHead, "1.5,0.8,6,-5,1,0.05,0.1,0,0.2,0.5,120,200000"),
            "column 'danceability' is not a number in [0, 1]"},
        MalformedCase{
            "ValenceEmpty",
            BadRow(kHead, "0.7,0.8,6,-5,1,0.05,0.1,0,0.2,,120,200000"),
            "column 'valence' is not a number in [0, 1]: ''"},
        MalformedCase{
            "EmptyTrackId",
            BadRow(",T,A,1,a1,Al,2019,Mix,p1,pop,dance pop", kFeatures),
            "column 'track_id' is empty"},
        MalformedCase{
            "BlankArtist",
            BadRow("t2,T,  ,1,a1,Al,2019,Mix,p1,pop,dance pop", kFeatures),
            "column 'track_artist' is empty"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

// The published table, checked against the counts in its SOURCE.md.
TEST(SpotifySongsImportRealDataTest, MatchesDocumentedCounts) {
  const std::string data_dir = ::recsys::testing::SharedDataDir();
  RECSYS_SKIP_OR_FAIL_WITHOUT_SHARED_DATA(data_dir);
  const absl::StatusOr<SpotifySongsData> data = ReadSpotifySongs(
      data_dir + "/spotify-songs-tidytuesday/spotify_songs.csv");
  ASSERT_TRUE(data.ok()) << data.status();
  const SpotifySongsData::Report& report = data->report;
  SCOPED_TRACE(report.ToString());

  EXPECT_EQ(report.rows, 32833);
  EXPECT_EQ(report.tracks, 28356);
  EXPECT_EQ(report.playlists, 471);
  EXPECT_EQ(report.rows_with_na_names, 5);
  // 582 rows repeat a (playlist, track): some playlists were collected once
  // per genre they were filed under.
  EXPECT_EQ(report.duplicate_rows, 582);
  EXPECT_EQ(report.interactions, 32833 - 582);
  // 10,693 spellings; 7 pairs differ only in case ("Cream", "CREAM").
  EXPECT_EQ(report.artists, 10686);
  EXPECT_THAT(
      data->dataset.catalog.genres,
      UnorderedElementsAre("edm", "rap", "pop", "r&b", "latin", "rock"));
  EXPECT_EQ(data->dataset.catalog.subgenres.size(), 24u);
  EXPECT_EQ(data->playlist_names.size(), 471u);
  EXPECT_EQ(data->playlist_genres.size(), 471u);
}

}  // namespace
}  // namespace recsys::core
