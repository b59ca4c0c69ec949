#include "core/artist_features_import.h"

#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/lastfm_import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/shared_data.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr absl::string_view kHeader =
    "genres,artists,acousticness,danceability,duration_ms,energy,"
    "instrumentalness,liveness,loudness,speechiness,tempo,valence,popularity,"
    "key,mode,count\n";

// The columns after artists: acousticness 0.1, danceability 0.7,
// duration_ms, energy 0.8, instrumentalness 0, liveness 0.2, loudness -5.5,
// speechiness 0.05, tempo 120.5, valence 0.5, popularity 60, key, mode,
// count 12.
constexpr absl::string_view kNumbers =
    "0.1,0.7,200000,0.8,0,0.2,-5.5,0.05,120.5,0.5,60,5,1,12";

// One row: genres and artists, then kNumbers.
std::string Row(absl::string_view genres_and_artist) {
  return absl::StrCat(genres_and_artist, ",", kNumbers, "\n");
}

std::string WriteCsv(absl::string_view content) {
  const std::string path = testing::TestTempDir() + "/data_w_genres.csv";
  testing::WriteFile(path, content);
  return path;
}

int FeatureIndex(absl::string_view name) {
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    if (kAudioFeatureNames[f] == name) return f;
  }
  ADD_FAILURE() << "no feature " << name;
  return 0;
}

TEST(ArtistFeaturesImportTest, ReadsRowsGenresAndQuotedNames) {
  const absl::StatusOr<ArtistFeaturesData> data = ReadArtistFeatures(WriteCsv(
      absl::StrCat(kHeader, Row("\"broadway, show tunes\",The Beatles"),
                   Row("[],\"\"\"Cats\"\" 1981 Original London Cast\""),
                   // CRLF line end; a genre list with stray spaces.
                   "\" rock ,, pop \",\"Simon & Garfunkel\",0.9,0.3,1000,0.2,"
                   "1,0.9,-20,0.3,0,0.1,0,0,0,1\r\n",
                   "\n",  // blank lines are skipped
                   // Same normalised name as row 1: dropped and counted.
                   Row("jazz,beatles"))));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->artists.size(), 3u);

  const ArtistFeatures& beatles = data->artists[0];
  EXPECT_EQ(beatles.name, "The Beatles");
  EXPECT_THAT(beatles.genres, ElementsAre("broadway", "show tunes"));
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("acousticness")], 0.1f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("danceability")], 0.7f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("energy")], 0.8f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("instrumentalness")], 0.0f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("liveness")], 0.2f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("loudness")], -5.5f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("speechiness")], 0.05f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("tempo")], 120.5f);
  EXPECT_FLOAT_EQ(beatles.audio[FeatureIndex("valence")], 0.5f);
  EXPECT_FLOAT_EQ(beatles.popularity, 60);
  EXPECT_EQ(beatles.count, 12);

  EXPECT_EQ(data->artists[1].name, "\"Cats\" 1981 Original London Cast");
  EXPECT_THAT(data->artists[1].genres, IsEmpty());

  const ArtistFeatures& simon = data->artists[2];
  EXPECT_EQ(simon.name, "Simon & Garfunkel");
  EXPECT_THAT(simon.genres, ElementsAre("rock", "pop"));
  EXPECT_FLOAT_EQ(simon.audio[FeatureIndex("tempo")], 0.0f);
  EXPECT_FLOAT_EQ(simon.popularity, 0);
  EXPECT_EQ(simon.count, 1);

  EXPECT_EQ(data->report.ToString(),
            "rows=4 artists_with_genres=2 duplicate_names=1");
}

TEST(ArtistFeaturesImportTest, NamesWithoutKeyAreAllKept) {
  const absl::StatusOr<ArtistFeaturesData> data = ReadArtistFeatures(
      WriteCsv(absl::StrCat(kHeader, Row("[],\\"), Row("[],!!!"))));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->artists.size(), 2u);
  EXPECT_EQ(data->artists[0].name, "\\");
  EXPECT_EQ(data->artists[1].name, "!!!");
  EXPECT_EQ(data->report.duplicate_names, 0);
}

TEST(ArtistFeaturesImportTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = testing::TestTempDir() + "/absent.csv";
  const absl::StatusOr<ArtistFeaturesData> data = ReadArtistFeatures(path);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(data.status().message(), HasSubstr(path));
}

struct BadInput {
  std::string content;
  std::string expected;  // "<line>: <reason fragment>"
};

TEST(ArtistFeaturesImportTest, RejectsMalformedInputAtItsLine) {
  const std::vector<BadInput> cases = {
      {"genres,artists,acousticness,danceability,energy,instrumentalness,"
       "liveness,loudness,speechiness,tempo,valence,popularity\n",
       ":1: missing required column 'count'"},
      {absl::StrCat(kHeader, Row("rock,A"), "rock,B,0.1\n"),
       ":3: expected 16 fields as in the header, found 3"},
      {absl::StrCat(kHeader, Row("rock,\"A")),
       ":2: unterminated quoted field starting at character 6"},
      {absl::StrCat(kHeader, Row("rock,A"), Row("rock,  ")),
       ":3: column 'artists' is empty"},
      {absl::StrCat(kHeader,
                    "rock,A,1.5,0.7,1,0.8,0,0.2,-5,0.05,120,0.5,60,"
                    "5,1,12\n"),
       ":2: column 'acousticness' is not a number in [0, 1]: '1.5'"},
      {absl::StrCat(kHeader,
                    "rock,A,0.1,0.7,1,0.8,0,0.2,-5,0.05,400,0.5,60,"
                    "5,1,12\n"),
       ":2: column 'tempo' is not a number in [0, 300]: '400'"},
      {absl::StrCat(kHeader, Row("rock,A"),
                    "rock,B,0.1,0.7,1,0.8,0,0.2,-5,0.05,120,0.5,101,5,1,12\n"),
       ":3: column 'popularity' is not a number in [0, 100]: '101'"},
      {absl::StrCat(kHeader,
                    "rock,A,0.1,0.7,1,0.8,0,0.2,-5,0.05,120,0.5,60,"
                    "5,1,-1\n"),
       ":2: column 'count' is not a non-negative integer: '-1'"},
      // A duplicate name is still checked.
      {absl::StrCat(kHeader, Row("rock,A"),
                    "rock,a,0.1,0.7,1,0.8,0,0.2,-5,0.05,120,0.5,60,5,1,x\n"),
       ":3: column 'count' is not a non-negative integer: 'x'"},
  };
  for (const BadInput& bad : cases) {
    SCOPED_TRACE(bad.content);
    const std::string path = WriteCsv(bad.content);
    const absl::StatusOr<ArtistFeaturesData> data = ReadArtistFeatures(path);
    ASSERT_FALSE(data.ok());
    EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(data.status().message(),
                HasSubstr(absl::StrCat(path, bad.expected)));
  }
}

TEST(ArtistFeaturesImportTest, NormalizeArtistName) {
  EXPECT_EQ(NormalizeArtistName("The Beatles"), "beatles");
  EXPECT_EQ(NormalizeArtistName("beatles"), "beatles");
  EXPECT_EQ(NormalizeArtistName("  THE  Beatles "), "beatles");
  EXPECT_EQ(NormalizeArtistName("Simon & Garfunkel"), "simonandgarfunkel");
  EXPECT_EQ(NormalizeArtistName("simon and garfunkel"), "simonandgarfunkel");
  EXPECT_EQ(NormalizeArtistName("AC/DC"), "acdc");
  EXPECT_EQ(NormalizeArtistName("Guns N' Roses"), "gunsnroses");
  EXPECT_EQ(NormalizeArtistName("blink-182"), "blink182");
  // Only a leading "the " goes, and only as a whole word.
  EXPECT_EQ(NormalizeArtistName("Theatre of Tragedy"), "theatreoftragedy");
  EXPECT_EQ(NormalizeArtistName("The"), "the");
  EXPECT_EQ(NormalizeArtistName("Rage Against the Machine"),
            "rageagainstthemachine");
  // UTF-8 bytes are kept as they are, not case-folded.
  EXPECT_EQ(NormalizeArtistName("Sigur R\xC3\xB3s"), "sigurr\xC3\xB3s");
  EXPECT_EQ(NormalizeArtistName("\xC3\x89"
                                "dith Piaf"),
            "\xC3\x89"
            "dithpiaf");
  EXPECT_EQ(NormalizeArtistName("!!!"), "");
  EXPECT_EQ(NormalizeArtistName(""), "");
}

// Two artists with one track each and one with two; existing tags.
Catalog JoinCatalog() {
  Catalog catalog;
  catalog.genres = {"other"};
  catalog.subgenres = {""};
  catalog.tags = {"rock", "60s"};
  for (const char* name :
       {"the beatles", "Unknown Band", "Simon and Garfunkel", "!!!"}) {
    Artist& artist = catalog.artists.emplace_back();
    artist.id = name;
    artist.name = name;
  }
  auto add_track = [&catalog](uint32_t artist, float popularity,
                              std::vector<std::pair<uint32_t, float>> tags) {
    Track& track = catalog.tracks.emplace_back();
    track.id = absl::StrCat("t", catalog.tracks.size());
    track.artist = artist;
    track.popularity = popularity;
    track.audio.fill(0.25f);
    track.tags = std::move(tags);
  };
  add_track(0, 0, {{1, 3}, {0, 2}});
  add_track(1, 0, {});
  add_track(2, 0, {});
  add_track(2, 40, {});
  add_track(3, 0, {});
  return catalog;
}

TEST(ArtistFeaturesImportTest, JoinCopiesFeaturesPopularityAndGenres) {
  const absl::StatusOr<ArtistFeaturesData> data = ReadArtistFeatures(WriteCsv(
      absl::StrCat(kHeader, Row("\"rock, british invasion\",The Beatles"),
                   Row("[],Simon & Garfunkel"), Row("punk,!!!"))));
  ASSERT_TRUE(data.ok()) << data.status();
  Catalog catalog = JoinCatalog();

  const ArtistJoinReport report = JoinArtistFeatures(*data, catalog);
  EXPECT_EQ(report.ToString(), "catalog_artists=4 matched=2");
  EXPECT_EQ(report.catalog_artists, 4);
  EXPECT_EQ(report.matched, 2);

  // "rock" was a tag already; "british invasion" is new.
  EXPECT_THAT(catalog.tags, ElementsAre("rock", "60s", "british invasion"));

  const Track& beatles = catalog.tracks[0];
  EXPECT_EQ(beatles.audio, data->artists[0].audio);
  EXPECT_FLOAT_EQ(beatles.popularity, 60);
  EXPECT_THAT(beatles.tags,
              ElementsAre(Pair(1u, 3.0f), Pair(0u, 3.0f), Pair(2u, 1.0f)));

  // No match: unchanged.
  const Track& unknown = catalog.tracks[1];
  EXPECT_FLOAT_EQ(unknown.audio[0], 0.25f);
  EXPECT_FLOAT_EQ(unknown.popularity, 0);
  EXPECT_THAT(unknown.tags, IsEmpty());

  // Every track of a matched artist; a known popularity is kept.
  EXPECT_EQ(catalog.tracks[2].audio, data->artists[1].audio);
  EXPECT_FLOAT_EQ(catalog.tracks[2].popularity, 60);
  EXPECT_THAT(catalog.tracks[2].tags, IsEmpty());
  EXPECT_EQ(catalog.tracks[3].audio, data->artists[1].audio);
  EXPECT_FLOAT_EQ(catalog.tracks[3].popularity, 40);

  // A name without a key never matches, even an equal one.
  EXPECT_FLOAT_EQ(catalog.tracks[4].audio[0], 0.25f);
  EXPECT_THAT(catalog.tracks[4].tags, IsEmpty());
}

TEST(ArtistFeaturesImportRealDataTest, ReadsAndJoinsToLastfm) {
  const std::string data_dir = ::recsys::testing::SharedDataDir();
  RECSYS_SKIP_OR_FAIL_WITHOUT_SHARED_DATA(data_dir);
  const absl::StatusOr<ArtistFeaturesData> features = ReadArtistFeatures(
      data_dir + "/spotify-artist-features/data_w_genres.csv");
  ASSERT_TRUE(features.ok()) << features.status();
  std::cout << "artist features: " << features->report.ToString() << "\n";
  // SOURCE.md: 28,680 rows. The normalised names of 93 rows repeat an
  // earlier row's: mostly spellings of one name ("ALI" / "Ali", "Eagles" /
  // "The Eagles"), but some distinct artists collide ("Prodigy" / "The
  // Prodigy", "Robin S" / "The Robins") and lose their later row.
  EXPECT_EQ(features->report.rows, 28680);
  EXPECT_EQ(features->report.duplicate_names, 93);
  EXPECT_EQ(features->artists.size(), 28680u - 93u);
  // 18,823 rows have genres; 62 of them are among the dropped repeats.
  EXPECT_EQ(features->report.artists_with_genres, 18761);

  LastfmOptions options;
  options.dir = data_dir + "/lastfm-hetrec2k";
  absl::StatusOr<LastfmData> lastfm = ReadLastfm(options);
  ASSERT_TRUE(lastfm.ok()) << lastfm.status();
  Catalog& catalog = lastfm->dataset.catalog;
  const size_t tags_before = catalog.tags.size();

  const ArtistJoinReport report = JoinArtistFeatures(*features, catalog);
  std::cout << "join to Last.fm-2k: " << report.ToString() << "\n";
  EXPECT_EQ(report.catalog_artists, 17632);
  // SOURCE.md's NFKC + lower-case join matched 4,874; dropping "the " and
  // punctuation and reading '&' as "and" match 5,037.
  EXPECT_EQ(report.matched, 5037);
  EXPECT_GT(catalog.tags.size(), tags_before);

  // Last.fm-2k's tracks are its artists, one each.
  int64_t tracks_with_audio = 0;
  for (const Track& track : catalog.tracks) {
    for (const float value : track.audio) {
      if (value != 0) {
        ++tracks_with_audio;
        break;
      }
    }
  }
  EXPECT_EQ(tracks_with_audio, report.matched);
}

}  // namespace
}  // namespace recsys::core
