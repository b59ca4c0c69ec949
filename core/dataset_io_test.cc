#include "core/dataset_io.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/demo_world.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::recsys::testing::WriteFile;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::string_view kTracksHeader =
    "track_id,title,artist_id,artist_name,genre\n";
constexpr absl::string_view kInteractionsHeader = "user_id\ttrack_id\tplays\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

DatasetFiles FilesIn(const std::string& dir) {
  DatasetFiles files;
  files.tracks_csv = dir + "/tracks.csv";
  files.interactions_tsv = dir + "/interactions.tsv";
  files.users_tsv = dir + "/users.tsv";
  return files;
}

// Writes the three files (users only when `users` is not empty) and reads
// them back.
absl::StatusOr<Dataset> ReadTexts(absl::string_view tracks,
                                  absl::string_view interactions,
                                  absl::string_view users = "",
                                  ImportReport* report = nullptr) {
  DatasetFiles files = FilesIn(testing::TestTempDir());
  WriteFile(files.tracks_csv, tracks);
  WriteFile(files.interactions_tsv, interactions);
  if (users.empty()) {
    files.users_tsv.clear();
  } else {
    WriteFile(files.users_tsv, users);
  }
  return ReadDataset(files, report);
}

void ExpectInvalid(const absl::StatusOr<Dataset>& dataset,
                   absl::string_view message) {
  EXPECT_EQ(dataset.status().code(), absl::StatusCode::kInvalidArgument)
      << dataset.status();
  EXPECT_THAT(dataset.status().message(), HasSubstr(std::string(message)));
}

TEST(SplitCsvLineTest, SplitsPlainAndQuotedFields) {
  EXPECT_THAT(*SplitCsvLine("a,b,c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*SplitCsvLine(""), ElementsAre(""));
  EXPECT_THAT(*SplitCsvLine(",x,"), ElementsAre("", "x", ""));
  EXPECT_THAT(*SplitCsvLine(R"("Hello, ""World""",2)"),
              ElementsAre(R"(Hello, "World")", "2"));
  EXPECT_THAT(*SplitCsvLine(R"("","""")"), ElementsAre("", "\""));
  // Lenient where RFC 4180 is silent in practice: a quote mid-field is text.
  EXPECT_THAT(*SplitCsvLine(R"(12" vinyl,b)"), ElementsAre("12\" vinyl", "b"));
}

TEST(SplitCsvLineTest, RejectsBrokenQuoting) {
  const absl::StatusOr<std::vector<std::string>> unterminated =
      SplitCsvLine(R"(a,"never closed)");
  EXPECT_EQ(unterminated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unterminated.status().message(), HasSubstr("unterminated"));
  const absl::StatusOr<std::vector<std::string>> trailing =
      SplitCsvLine(R"("closed"early,b)");
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DatasetIoTest, RoundTripsTheDemoWorld) {
  DemoWorldOptions options;
  options.num_users = 300;
  options.num_tracks = 800;
  options.mean_events_per_user = 20;
  const absl::StatusOr<Dataset> world = GenerateDemoWorld(options);
  ASSERT_TRUE(world.ok()) << world.status();
  const DatasetFiles files = FilesIn(testing::TestTempDir());
  ASSERT_TRUE(WriteDataset(*world, files).ok());

  ImportReport report;
  const absl::StatusOr<Dataset> read = ReadDataset(files, &report);
  ASSERT_TRUE(read.ok()) << read.status();
  const Catalog& a = world->catalog;
  const Catalog& b = read->catalog;
  ASSERT_EQ(b.tracks.size(), a.tracks.size());
  ASSERT_EQ(b.artists.size(), a.artists.size());
  ASSERT_EQ(read->users.size(), world->users.size());
  for (size_t t = 0; t < a.tracks.size(); ++t) {
    const Track& x = a.tracks[t];
    const Track& y = b.tracks[t];
    ASSERT_EQ(y.id, x.id);
    EXPECT_EQ(y.title, x.title) << x.id;
    // Artist and genre order follow first sight in the file: compare names.
    EXPECT_EQ(b.artists[y.artist].id, a.artists[x.artist].id) << x.id;
    EXPECT_EQ(b.artists[y.artist].name, a.artists[x.artist].name) << x.id;
    EXPECT_EQ(b.genres[b.artists[y.artist].genre],
              a.genres[a.artists[x.artist].genre])
        << x.id;
    EXPECT_EQ(b.genres[y.genre], a.genres[x.genre]) << x.id;
    EXPECT_EQ(b.subgenres[y.subgenre], a.subgenres[x.subgenre]) << x.id;
    EXPECT_EQ(y.release_year, x.release_year) << x.id;
    EXPECT_EQ(y.kind, x.kind) << x.id;
    EXPECT_EQ(y.explicit_content, x.explicit_content) << x.id;
    EXPECT_EQ(y.popularity, x.popularity) << x.id;
    // Shortest round-trip formatting: exact, not merely close.
    EXPECT_EQ(y.audio, x.audio) << x.id;
  }
  for (size_t u = 0; u < world->users.size(); ++u) {
    EXPECT_EQ(read->users[u].id, world->users[u].id);
    EXPECT_EQ(read->users[u].country, world->users[u].country);
  }
  ASSERT_EQ(read->interactions.size(), world->interactions.size());
  for (size_t i = 0; i < world->interactions.size(); ++i) {
    const Interaction& x = world->interactions[i];
    const Interaction& y = read->interactions[i];
    ASSERT_EQ(y.user, x.user) << i;
    ASSERT_EQ(y.track, x.track) << i;
    ASSERT_EQ(y.plays, x.plays) << i;
    ASSERT_EQ(y.skips, x.skips) << i;
    ASSERT_EQ(y.liked, x.liked) << i;
  }
  EXPECT_EQ(report.tracks, 800);
  EXPECT_EQ(report.artists, 100);
  EXPECT_EQ(report.users, 300);
  EXPECT_EQ(report.interaction_rows,
            static_cast<int64_t>(world->interactions.size()));
  EXPECT_EQ(report.interactions, report.interaction_rows);
  EXPECT_EQ(report.duplicate_rows_merged, 0);
  EXPECT_EQ(report.rows_with_unknown_track, 0);
}

TEST(DatasetIoTest, QuotesCsvFieldsThatNeedIt) {
  Dataset dataset;
  dataset.catalog.genres = {"rock"};
  dataset.catalog.subgenres = {""};
  dataset.catalog.artists.push_back({"ar1", "Crosby, Stills & Nash", 0});
  Track track;
  track.id = "tr1";
  track.title = R"(Say "Hi", Then Leave)";
  dataset.catalog.tracks.push_back(track);
  dataset.users.push_back({"u1", "SE"});
  dataset.interactions.push_back({0, 0, 3, 1, true});
  const DatasetFiles files = FilesIn(testing::TestTempDir());
  ASSERT_TRUE(WriteDataset(dataset, files).ok());

  const std::string csv = ReadFile(files.tracks_csv);
  EXPECT_THAT(csv, HasSubstr(R"(tr1,"Say ""Hi"", Then Leave",ar1,)"
                             R"("Crosby, Stills & Nash",rock,,0,music,0,0,)"));
  const absl::StatusOr<Dataset> read = ReadDataset(files, nullptr);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->catalog.tracks.size(), 1);
  EXPECT_EQ(read->catalog.tracks[0].title, track.title);
  EXPECT_EQ(read->catalog.artists[0].name, "Crosby, Stills & Nash");
  EXPECT_EQ(read->users[0].country, "SE");
  EXPECT_TRUE(read->interactions[0].liked);
}

TEST(DatasetIoTest, ReadsColumnsByNameWithDefaults) {
  // BOM, CRLF, reordered and unknown columns, a blank line, and optional
  // columns left empty or absent.
  const std::string tracks =
      "\xEF\xBB\xBFgenre,artist_name,track_id,extra,title,artist_id,subgenre,"
      "energy,explicit,kind\r\n"
      "jazz,Ann,t1,zzz,Blue,a1,bebop,0.25,TRUE,\r\n"
      "\r\n"
      "rock,Bob,t2,,Loud,a2,,,,podcast\r\n"
      "pop,Ann again,t3,,Hit,a1,,1,0,music\r\n";
  const absl::StatusOr<Dataset> dataset = ReadTexts(
      tracks, "track_id\tuser_id\tplays\tnote\nt2\tbob\t2\tx\nt1\tann\t1\t\n");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  const Catalog& catalog = dataset->catalog;
  EXPECT_THAT(catalog.genres, ElementsAre("jazz", "rock", "pop"));
  EXPECT_THAT(catalog.subgenres, ElementsAre("bebop", ""));
  ASSERT_EQ(catalog.artists.size(), 2);
  EXPECT_EQ(catalog.artists[0].id, "a1");
  EXPECT_EQ(catalog.artists[0].name, "Ann");  // first sight wins
  EXPECT_EQ(catalog.genres[catalog.artists[0].genre], "jazz");
  ASSERT_EQ(catalog.tracks.size(), 3);
  const Track& t1 = catalog.tracks[0];
  EXPECT_EQ(t1.id, "t1");
  EXPECT_EQ(t1.title, "Blue");
  EXPECT_EQ(t1.audio[2], 0.25f);  // energy
  EXPECT_EQ(t1.audio[0], 0.0f);   // absent column
  EXPECT_TRUE(t1.explicit_content);
  EXPECT_EQ(t1.kind, ContentKind::kMusic);
  EXPECT_EQ(t1.release_year, 0);
  EXPECT_EQ(t1.popularity, 0);
  const Track& t2 = catalog.tracks[1];
  EXPECT_EQ(t2.kind, ContentKind::kPodcast);
  EXPECT_FALSE(t2.explicit_content);
  EXPECT_EQ(catalog.subgenres[t2.subgenre], "");
  EXPECT_EQ(catalog.tracks[2].artist, 0);
  // Users appear in first-seen order; interactions come sorted.
  ASSERT_EQ(dataset->users.size(), 2);
  EXPECT_EQ(dataset->users[0].id, "bob");
  EXPECT_EQ(dataset->users[0].country, "");
  ASSERT_EQ(dataset->interactions.size(), 2);
  EXPECT_EQ(dataset->interactions[0].user, 0);
  EXPECT_EQ(dataset->interactions[0].track, 1);
  EXPECT_EQ(dataset->interactions[0].plays, 2);
  EXPECT_EQ(dataset->interactions[0].skips, 0);
}

TEST(DatasetIoTest, UsersFileComesFirstAndCountriesAreUpperCased) {
  const absl::StatusOr<Dataset> dataset =
      ReadTexts(absl::StrCat(kTracksHeader, "t1,T,a1,A,pop\n"),
                "user_id\ttrack_id\tplays\nnew\tt1\t1\nknown\tt1\t2\n",
                "country\tuser_id\nse\tknown\n\tquiet\n");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->users.size(), 3);
  EXPECT_EQ(dataset->users[0].id, "known");
  EXPECT_EQ(dataset->users[0].country, "SE");
  EXPECT_EQ(dataset->users[1].id, "quiet");
  EXPECT_EQ(dataset->users[2].id, "new");
  ASSERT_EQ(dataset->interactions.size(), 2);
  EXPECT_EQ(dataset->interactions[0].user, 0);
  EXPECT_EQ(dataset->interactions[0].plays, 2);
}

TEST(DatasetIoTest, MergesDuplicateRowsAndCountsThem) {
  ImportReport report;
  const absl::StatusOr<Dataset> dataset =
      ReadTexts(absl::StrCat(kTracksHeader, "t1,T1,a1,A,pop\nt2,T2,a1,A,pop\n"),
                "user_id\ttrack_id\tplays\tskips\tliked\n"
                "u1\tt2\t1\t0\t0\n"
                "u1\tt1\t2\t1\tfalse\n"
                "u1\tt2\t3\t2\ttrue\n"
                "u1\tt2\t0\t1\t0\n"
                "u2\tt1\t4294967295\t0\t0\n"
                "u2\tt1\t5\t0\t0\n",
                "", &report);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->interactions.size(), 3);
  const Interaction& u1t1 = dataset->interactions[0];
  EXPECT_EQ(u1t1.track, 0);
  EXPECT_EQ(u1t1.plays, 2);
  const Interaction& u1t2 = dataset->interactions[1];
  EXPECT_EQ(u1t2.track, 1);
  EXPECT_EQ(u1t2.plays, 4);
  EXPECT_EQ(u1t2.skips, 3);
  EXPECT_TRUE(u1t2.liked);
  EXPECT_EQ(dataset->interactions[2].plays, 4294967295u);  // saturated
  EXPECT_EQ(report.interaction_rows, 6);
  EXPECT_EQ(report.interactions, 3);
  EXPECT_EQ(report.duplicate_rows_merged, 3);
  EXPECT_EQ(report.ToString(),
            "tracks=2 artists=1 users=2 interaction_rows=6 interactions=3 "
            "duplicate_rows_merged=3 rows_with_unknown_track=0");
}

TEST(DatasetIoTest, SkipsAndCountsRowsWithUnknownTracks) {
  ImportReport report;
  const absl::StatusOr<Dataset> dataset =
      ReadTexts(absl::StrCat(kTracksHeader, "t1,T1,a1,A,pop\n"),
                absl::StrCat(kInteractionsHeader,
                             "u1\tgone\t3\nu1\tt1\t1\nonly_gone\tgone\t1\n"),
                "", &report);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(report.rows_with_unknown_track, 2);
  EXPECT_EQ(report.interactions, 1);
  // A user seen only with unknown tracks is not created.
  ASSERT_EQ(dataset->users.size(), 1);
  EXPECT_EQ(dataset->users[0].id, "u1");
}

TEST(DatasetIoTest, ReportsMissingFilesByPath) {
  DatasetFiles files = FilesIn(testing::TestTempDir());
  const absl::StatusOr<Dataset> no_tracks = ReadDataset(files, nullptr);
  EXPECT_EQ(no_tracks.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_tracks.status().message(), HasSubstr(files.tracks_csv));

  WriteFile(files.tracks_csv, kTracksHeader);
  WriteFile(files.interactions_tsv, kInteractionsHeader);
  const absl::StatusOr<Dataset> no_users = ReadDataset(files, nullptr);
  EXPECT_EQ(no_users.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_users.status().message(), HasSubstr(files.users_tsv));
}

TEST(DatasetIoTest, ReportsMalformedTracksWithLineNumbers) {
  const std::string t1 = "t1,T,a1,A,pop\n";
  ExpectInvalid(ReadTexts("", kInteractionsHeader),
                "tracks.csv:1: missing header line");
  ExpectInvalid(
      ReadTexts("track_id,title,artist_id,artist_name\n", kInteractionsHeader),
      "tracks.csv:1: missing required column 'genre'");
  ExpectInvalid(ReadTexts("track_id,title,artist_id,artist_name,genre,title\n",
                          kInteractionsHeader),
                "tracks.csv:1: repeated column 'title'");
  ExpectInvalid(ReadTexts(absl::StrCat(kTracksHeader, t1, "t2,T,a1,A\n"),
                          kInteractionsHeader),
                "tracks.csv:3: expected 5 fields as in the header, found 4");
  ExpectInvalid(ReadTexts(absl::StrCat(kTracksHeader,
                                       "t2,\"Multi\nline\","
                                       "a1,A,pop\n"),
                          kInteractionsHeader),
                "tracks.csv:2: unterminated quoted field");
  ExpectInvalid(
      ReadTexts(absl::StrCat(kTracksHeader, t1, t1), kInteractionsHeader),
      "tracks.csv:3: repeated track_id 't1'");
  ExpectInvalid(ReadTexts(absl::StrCat(kTracksHeader, ",T,a1,A,pop\n"),
                          kInteractionsHeader),
                "tracks.csv:2: column 'track_id' is empty");
  const std::string header =
      "track_id,title,artist_id,artist_name,genre,energy,loudness,explicit,"
      "kind,release_year,popularity\n";
  const auto row = [&](absl::string_view tail) {
    return absl::StrCat(header, "t1,T,a1,A,pop,", tail, "\n");
  };
  ExpectInvalid(ReadTexts(row("nan,-5,0,music,2000,50"), kInteractionsHeader),
                "tracks.csv:2: column 'energy' is not a number in [0, 1]: "
                "'nan'");
  ExpectInvalid(ReadTexts(row("1.5,-5,0,music,2000,50"), kInteractionsHeader),
                "column 'energy' is not a number in [0, 1]: '1.5'");
  ExpectInvalid(ReadTexts(row("0.5,-inf,0,music,2000,50"), kInteractionsHeader),
                "column 'loudness' is not a number in [-100, 10]: '-inf'");
  ExpectInvalid(ReadTexts(row("0.5,-5,yes,music,2000,50"), kInteractionsHeader),
                "tracks.csv:2: column 'explicit' is not a boolean");
  ExpectInvalid(ReadTexts(row("0.5,-5,0,video,2000,50"), kInteractionsHeader),
                "column 'kind' is not music, podcast or audiobook: 'video'");
  ExpectInvalid(ReadTexts(row("0.5,-5,0,music,MMXX,50"), kInteractionsHeader),
                "column 'release_year' is not a year in [0, 9999]: 'MMXX'");
  ExpectInvalid(ReadTexts(row("0.5,-5,0,music,2000,101"), kInteractionsHeader),
                "column 'popularity' is not a number in [0, 100]: '101'");
}

TEST(DatasetIoTest, ReportsMalformedInteractionsAndUsersWithLineNumbers) {
  const std::string tracks = absl::StrCat(kTracksHeader, "t1,T,a1,A,pop\n");
  const std::string header = "user_id\ttrack_id\tplays\tskips\tliked\n";
  const std::string good = "u1\tt1\t1\t0\t0\n";
  ExpectInvalid(ReadTexts(tracks, "user_id\ttrack_id\n"),
                "interactions.tsv:1: missing required column 'plays'");
  ExpectInvalid(
      ReadTexts(tracks, absl::StrCat(header, good, good, "u1\tt1\tx\t0\t0\n")),
      "interactions.tsv:4: column 'plays' is not a non-negative integer: 'x'");
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, "u1\tt1\t-1\t0\t0\n")),
                "interactions.tsv:2: column 'plays' is not a non-negative "
                "integer: '-1'");
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, "u1\tt1\t\t0\t0\n")),
                "interactions.tsv:2: column 'plays' is not a non-negative "
                "integer: ''");
  ExpectInvalid(
      ReadTexts(tracks, absl::StrCat(header, "u1\tt1\t1\t4294967296\t0\n")),
      "interactions.tsv:2: column 'skips' is not a non-negative integer");
  ExpectInvalid(
      ReadTexts(tracks, absl::StrCat(header, "u1\tt1\t1\t0\tmaybe\n")),
      "interactions.tsv:2: column 'liked' is not a boolean");
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, "u1\tt1\t1\t0\n")),
                "interactions.tsv:2: expected 5 fields as in the header, "
                "found 4");
  // Malformed rows are errors even when their track is unknown.
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, "u1\tgone\tx\t0\t0\n")),
                "interactions.tsv:2: column 'plays'");
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, good),
                          "user_id\tcountry\nu1\tSE\nu2\tDE\nu1\tFR\n"),
                "users.tsv:4: repeated user_id 'u1'");
  ExpectInvalid(ReadTexts(tracks, absl::StrCat(header, good), "country\nSE\n"),
                "users.tsv:1: missing required column 'user_id'");
}

TEST(DatasetIoTest, WriteRejectsDatasetsTheFormatCannotHold) {
  Dataset dataset;
  dataset.catalog.genres = {"pop"};
  dataset.catalog.subgenres = {""};
  dataset.catalog.artists.push_back({"a1", "A", 0});
  Track track;
  track.id = "t1";
  dataset.catalog.tracks.push_back(track);
  dataset.users.push_back({"u1", ""});
  dataset.interactions.push_back({0, 0, 1, 0, false});
  const DatasetFiles files = FilesIn(testing::TestTempDir());
  ASSERT_TRUE(WriteDataset(dataset, files).ok());

  Dataset bad = dataset;
  bad.catalog.tracks[0].genre = 1;
  EXPECT_EQ(WriteDataset(bad, files).code(),
            absl::StatusCode::kInvalidArgument);
  bad = dataset;
  bad.interactions[0].user = 1;
  EXPECT_EQ(WriteDataset(bad, files).code(),
            absl::StatusCode::kInvalidArgument);
  bad = dataset;
  bad.users[0].id = "u\t1";
  EXPECT_EQ(WriteDataset(bad, files).code(),
            absl::StatusCode::kInvalidArgument);
  bad = dataset;
  bad.catalog.tracks[0].title = "two\nlines";
  EXPECT_EQ(WriteDataset(bad, files).code(),
            absl::StatusCode::kInvalidArgument);
  bad = dataset;
  bad.catalog.tracks.push_back(track);  // repeated id
  EXPECT_EQ(WriteDataset(bad, files).code(),
            absl::StatusCode::kInvalidArgument);

  DatasetFiles nowhere = files;
  nowhere.tracks_csv = files.tracks_csv + ".d/missing/tracks.csv";
  const absl::Status unwritable = WriteDataset(dataset, nowhere);
  EXPECT_EQ(unwritable.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unwritable.message(), HasSubstr(nowhere.tracks_csv));
}

TEST(DatasetIoTest, MarketsAndTagsRoundTrip) {
  Dataset d;
  d.catalog.genres = {"rock"};
  d.catalog.subgenres = {""};
  d.catalog.artists = {{"a1", "Band", 0}};
  d.catalog.tags = {"guitar", "hip hop", "90s"};
  MarketSetInterner markets(&d.catalog);
  Track t;
  t.id = "t1";
  t.title = "Song";
  t.markets = markets.Intern({"SE", "NO"});
  t.tags = {{0, 3}, {1, 1.5f}};
  d.catalog.tracks.push_back(t);
  t.id = "t2";
  t.markets = 0;
  t.tags = {{2, 1}};
  d.catalog.tracks.push_back(t);
  d.users = {{"u1", "SE"}};
  d.interactions = {{0, 0, 2, 0, false}};
  const std::string dir = testing::TestTempDir();
  const DatasetFiles files{dir + "/tracks.csv", dir + "/interactions.tsv",
                           dir + "/users.tsv"};
  ASSERT_TRUE(WriteDataset(d, files).ok());
  absl::StatusOr<Dataset> back = ReadDataset(files, nullptr);
  ASSERT_TRUE(back.ok()) << back.status();
  const Catalog& c = back->catalog;
  EXPECT_EQ(c.market_sets[c.tracks[0].markets],
            (std::vector<std::string>{"NO", "SE"}));
  EXPECT_EQ(c.tracks[1].markets, 0u);
  ASSERT_EQ(c.tracks[0].tags.size(), 2u);
  EXPECT_EQ(c.tags[c.tracks[0].tags[1].first], "hip hop");
  EXPECT_FLOAT_EQ(c.tracks[0].tags[1].second, 1.5f);
  EXPECT_EQ(c.tags[c.tracks[1].tags[0].first], "90s");

  d.catalog.tags[0] = "bad;tag";
  EXPECT_EQ(WriteDataset(d, files).code(), absl::StatusCode::kInvalidArgument);
}

TEST(DropLowSupportTest, DropsRareTracksThenSparseUsersAndCounts) {
  Dataset d;
  d.catalog.tracks.resize(3);
  d.users = {{"a", ""}, {"b", ""}, {"c", ""}};
  // Track 0: users a, b, c; track 1: a, b; track 2: c only.
  d.interactions = {{0, 0, 1}, {0, 1, 2}, {1, 0, 1},
                    {1, 1, 1}, {2, 0, 1}, {2, 2, 5}};
  const SupportReport r = DropLowSupport(d, /*min_user_tracks=*/2,
                                         /*min_track_users=*/2);
  EXPECT_EQ(r.tracks_below_minimum, 1);  // track 2
  EXPECT_EQ(r.users_dropped, 1);         // c keeps only track 0
  EXPECT_EQ(r.interactions_dropped, 2);
  ASSERT_EQ(d.users.size(), 2u);
  EXPECT_EQ(d.users[1].id, "b");
  ASSERT_EQ(d.interactions.size(), 4u);
  for (const Interaction& x : d.interactions) {
    EXPECT_LT(x.user, 2u);
    EXPECT_LT(x.track, 2u);
  }
  EXPECT_EQ(d.catalog.tracks.size(), 3u);  // rare tracks stay in the catalog
}

TEST(DropLowSupportTest, MinimumOfOneKeepsEverything) {
  Dataset d;
  d.catalog.tracks.resize(2);
  d.users = {{"a", ""}};
  d.interactions = {{0, 1, 1}};
  const SupportReport r = DropLowSupport(d, 1, 1);
  EXPECT_EQ(r.ToString(),
            "tracks_below_minimum=0 users_dropped=0 interactions_dropped=0");
  EXPECT_EQ(d.interactions.size(), 1u);
}

}  // namespace
}  // namespace recsys::core
