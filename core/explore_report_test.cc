#include "core/explore_report.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
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

using ::testing::HasSubstr;
using ::testing::Not;

size_t CountOf(absl::string_view text, absl::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

size_t ChartCount(absl::string_view page) {
  return CountOf(page, "<svg class=\"chart\"");
}

// Ten tracks in two genres, five users (one without a country), no audio
// features. Per track: listeners (plays)
//   t0 4 (40), t1 3 (13), t2 1 (1), t3 1 (2), t5 1 (2), t6 1 (0 plays, a
//   skip), t4 t7 t8 t9 none;
// 58 plays in all. Per user: u0 US 3 tracks (16 plays), u1 US 2 (25),
// u2 DE 2 (6), u3 no country 3 (8), u4 DE 1 (3).
Dataset HandBuiltDataset() {
  Dataset dataset;
  dataset.catalog.genres = {"pop", "r&b <live>"};
  dataset.catalog.artists = {{.id = "ar0", .name = "Artist", .genre = 0}};
  for (int t = 0; t < 10; ++t) {
    dataset.catalog.tracks.push_back(
        {.id = absl::StrCat("t", t),
         .title = absl::StrCat("Track ", t),
         .genre = static_cast<uint16_t>(t < 5 ? 0 : 1)});
  }
  dataset.users = {
      {"u0", "US"}, {"u1", "US"}, {"u2", "DE"}, {"u3", ""}, {"u4", "DE"}};
  dataset.interactions = {{.user = 0, .track = 0, .plays = 10},
                          {.user = 0, .track = 1, .plays = 5},
                          {.user = 0, .track = 2, .plays = 1},
                          {.user = 1, .track = 0, .plays = 20},
                          {.user = 1, .track = 1, .plays = 5},
                          {.user = 2, .track = 0, .plays = 4},
                          {.user = 2, .track = 3, .plays = 2},
                          {.user = 3, .track = 0, .plays = 6, .skips = 2},
                          {.user = 3, .track = 5, .plays = 2, .liked = true},
                          {.user = 3, .track = 6, .plays = 0, .skips = 1},
                          {.user = 4, .track = 1, .plays = 3}};
  return dataset;
}

std::vector<ModelEvaluationSummary> TwoModels() {
  return {{.name = "model-a",
           .metrics = {{"ndcg@10", 0.25}, {"recall@20", 0.3}},
           .recall_curve = {0.05, 0.1, 0.12, 0.15, 0.16, 0.17, 0.18, 0.19,
                            0.195, 0.2, 0.21, 0.22}},
          {.name = "model-b",
           .metrics = {{"recall@20", 0.31}, {"auc", 0.7}},
           .recall_curve = {0.04, 0.08, 0.11}}};
}

std::string Render(const Dataset& dataset,
                   const std::vector<ModelEvaluationSummary>& models = {}) {
  return RenderExploreReport(dataset, models, ExploreReportOptions());
}

TEST(ExploreReportTest, HasEveryChartTheDataSupports) {
  const std::string page = Render(HandBuiltDataset(), TwoModels());
  for (const absl::string_view id :
       {"long-tail", "user-activity", "plays-by-country", "plays-by-genre",
        "recall-at-k"}) {
    EXPECT_THAT(
        page, HasSubstr(absl::StrCat("<svg class=\"chart\" id=\"", id, "\"")));
  }
  EXPECT_EQ(ChartCount(page), 5);
  // Every chart has data marks for the page's render check to find.
  EXPECT_GE(CountOf(page, "class=\"mark\""), 5);
  EXPECT_THAT(page, HasSubstr("<div id=\"render-check\">"));
  EXPECT_THAT(page, HasSubstr("'charts-ok ' + charts.length"));
}

TEST(ExploreReportTest, IsSelfContained) {
  const std::string page = Render(HandBuiltDataset(), TwoModels());
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  for (const absl::string_view external :
       {"http:", "https:", "src=", "<link", "@import", "url("}) {
    EXPECT_THAT(page, Not(HasSubstr(external))) << external;
  }
}

TEST(ExploreReportTest, SummaryTableCounts) {
  const std::string page = Render(HandBuiltDataset());
  EXPECT_THAT(page, HasSubstr("<th>Users</th><td>5</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Tracks</th><td>10</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Interactions (user-track pairs)</th>"
                              "<td>11</td>"));
  // 11 / (5 x 10).
  EXPECT_THAT(page, HasSubstr("<td>22.0%</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Plays</th><td>58</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Skips</th><td>3</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Likes</th><td>1</td>"));
  // Tracks per user 1, 2, 2, 3, 3.
  EXPECT_THAT(page,
              HasSubstr("<th>Median distinct tracks per user</th><td>2</td>"));
  EXPECT_THAT(page, HasSubstr("<th>Tracks nobody listened to</th><td>4</td>"));
}

TEST(ExploreReportTest, LongTailCaptionGivesSharesComputedByHand) {
  const std::string page = Render(HandBuiltDataset());
  // Top 1% and 10% of 10 tracks round up to t0 alone: 40 of 58 plays. Top
  // 20% is t0 and t1: 53 of 58.
  EXPECT_THAT(page, HasSubstr("Of all plays: top 1% (1 track) get 69.0%; "
                              "top 10% (1 track) get 69.0%; "
                              "top 20% (2 tracks) get 91.4%."));
  // Listeners sorted: 4 3 1 1 1 1 0 0 0 0.
  EXPECT_THAT(page, HasSubstr("The most listened track has 4 listeners; the "
                              "median track 1."));
  EXPECT_THAT(page, HasSubstr("4 of 10 tracks (40.0%) have no listeners."));
}

TEST(ExploreReportTest, ActivityCaption) {
  const std::string page = Render(HandBuiltDataset());
  EXPECT_THAT(page, HasSubstr("Median 2 distinct tracks per user, mean 2.2, "
                              "most active user 3. Users with a single "
                              "track: 1 (20.0%)."));
  // Bins 1, 2-3: u4 alone, then the other four.
  EXPECT_THAT(page, HasSubstr("<title>tracks per user 1: 1 user</title>"));
  EXPECT_THAT(page,
              HasSubstr("<title>tracks per user 2\u20133: 4 users</title>"));
}

TEST(ExploreReportTest, PlaysByCountryAndGenre) {
  const std::string page = Render(HandBuiltDataset());
  // US: 16 + 25 = 41 of 58 plays; DE: 9; the user without a country 8.
  EXPECT_THAT(page, HasSubstr("2 countries with plays; US leads with 70.7% "
                              "of all plays, and the 2 shown have 86.2%."));
  EXPECT_THAT(page, HasSubstr("<title>DE: 9 plays</title>"));
  EXPECT_THAT(page, HasSubstr("Users without a country (not charted): 1, "
                              "with 13.8% of plays."));
  // pop (t0-t4): 56 plays; the other genre 2.
  EXPECT_THAT(page, HasSubstr("2 genres with plays; pop leads with 96.6% of "
                              "all plays"));
  EXPECT_THAT(page, HasSubstr("<title>pop: 56 plays</title>"));
}

TEST(ExploreReportTest, EscapesTextFromTheData) {
  Dataset dataset = HandBuiltDataset();
  dataset.users[0].country = "<b>";
  std::vector<ModelEvaluationSummary> models = TwoModels();
  models[0].name = "<script>alert(1)</script>";
  models[0].metrics.emplace_back("x\"y", 1);
  const std::string page = RenderExploreReport(
      dataset, models,
      {.title = "Tom & Jerry's", .dataset_description = "a < b"});
  EXPECT_THAT(page, Not(HasSubstr("r&b <live>")));
  EXPECT_THAT(page, HasSubstr("r&amp;b &lt;live&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  EXPECT_THAT(page, HasSubstr("&lt;b&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(page, HasSubstr("<th>x&quot;y</th>"));
  EXPECT_THAT(page, HasSubstr("<title>Tom &amp; Jerry&#39;s</title>"));
  EXPECT_THAT(page, HasSubstr("a &lt; b"));
  // The page's own script is the only one.
  EXPECT_EQ(CountOf(page, "<script>"), 1);
}

TEST(ExploreReportTest, LongNamesAreCutOnCharacterBoundaries) {
  Dataset dataset = HandBuiltDataset();
  std::string name;
  for (int i = 0; i < 40; ++i) name += "\u00e9";  // two bytes each
  dataset.catalog.genres[0] = name;
  const std::string page = Render(dataset);
  std::string cut;
  for (int i = 0; i < 27; ++i) cut += "\u00e9";
  EXPECT_THAT(page, HasSubstr(absl::StrCat(">", cut, "\u2026</text>")));
  // The tooltip keeps the whole name.
  EXPECT_THAT(page, HasSubstr(absl::StrCat("<title>", name, ": 56 plays")));
}

TEST(ExploreReportTest, NotesWhenCountriesAudioAndModelsAreAbsent) {
  Dataset dataset = HandBuiltDataset();
  for (User& user : dataset.users) user.country.clear();
  const std::string page = Render(dataset);
  EXPECT_THAT(page, HasSubstr("The data has no user countries."));
  EXPECT_THAT(page, HasSubstr("No track has audio features (all are zero)."));
  EXPECT_THAT(page, HasSubstr("No models were evaluated for this report."));
  EXPECT_THAT(page, Not(HasSubstr("id=\"plays-by-country\"")));
  EXPECT_THAT(page, Not(HasSubstr("id=\"audio-")));
  EXPECT_THAT(page, Not(HasSubstr("id=\"recall-at-k\"")));
  EXPECT_EQ(ChartCount(page), 3);
}

TEST(ExploreReportTest, NoteForASingleGenre) {
  Dataset dataset = HandBuiltDataset();
  dataset.catalog.genres.pop_back();
  for (Track& track : dataset.catalog.tracks) track.genre = 0;
  const std::string page = Render(dataset);
  EXPECT_THAT(page, HasSubstr("The catalog has a single genre"));
  EXPECT_THAT(page, Not(HasSubstr("id=\"plays-by-genre\"")));
}

TEST(ExploreReportTest, AudioHistogramPerFeature) {
  Dataset dataset = HandBuiltDataset();
  const float energy[] = {0.1f, 0.2f, 0.3f, 0.4f};
  for (int t = 0; t < 4; ++t) {
    AudioFeatures& audio = dataset.catalog.tracks[t].audio;
    audio.fill(0.5f);
    audio[2] = energy[t];  // kAudioFeatureNames[2] is "energy"
  }
  const std::string page = Render(dataset);
  for (const absl::string_view feature : kAudioFeatureNames) {
    EXPECT_THAT(page, HasSubstr(absl::StrCat("id=\"audio-", feature, "\"")));
  }
  EXPECT_EQ(ChartCount(page), 4 + kNumAudioFeatures);
  // Tracks with all-zero features (t4-t9) are left out.
  EXPECT_THAT(page, HasSubstr("4 of 10 tracks (40.0%) have audio features"));
  // Quartiles of 0.1 0.2 0.3 0.4, interpolated.
  EXPECT_THAT(page, HasSubstr("median 0.25; middle half 0.175 to 0.325"));
  // A constant feature still charts.
  EXPECT_THAT(page, HasSubstr("median 0.5; middle half 0.5 to 0.5"));
}

TEST(ExploreReportTest, ModelTableAndRecallLegend) {
  std::vector<ModelEvaluationSummary> models = TwoModels();
  models.push_back(
      {.name = "model-c",
       .metrics = {{"auc", std::numeric_limits<double>::quiet_NaN()}}});
  const std::string page = Render(HandBuiltDataset(), models);
  // Columns: every metric name in first-seen order.
  EXPECT_THAT(page, HasSubstr("<tr><th>model</th><th>ndcg@10</th>"
                              "<th>recall@20</th><th>auc</th></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>model-a</td><td>0.2500</td>"
                              "<td>0.3000</td><td>\u2013</td></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>model-b</td><td>\u2013</td>"
                              "<td>0.3100</td><td>0.7000</td></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>model-c</td><td>\u2013</td>"
                              "<td>\u2013</td><td>n/a</td></tr>"));
  EXPECT_THAT(page, HasSubstr("class=\"legend\">model-a</text>"));
  EXPECT_THAT(page, HasSubstr("class=\"legend\">model-b</text>"));
  EXPECT_THAT(page, HasSubstr("class=\"legend\">model-c (no curve)</text>"));
  EXPECT_THAT(page, HasSubstr("model-a: Recall@10 0.2000, Recall@12 0.2200; "
                              "model-b: Recall@3 0.1100."));
}

TEST(ExploreReportTest, NoteWhenNoModelHasACurve) {
  const std::vector<ModelEvaluationSummary> models = {
      {.name = "m", .metrics = {{"ndcg@10", 0.2}}}};
  const std::string page = Render(HandBuiltDataset(), models);
  EXPECT_THAT(page, HasSubstr("<td>m</td>"));
  EXPECT_THAT(page, HasSubstr("No model has a Recall@K curve."));
  EXPECT_THAT(page, Not(HasSubstr("id=\"recall-at-k\"")));
}

TEST(ExploreReportTest, EmptyDatasetGivesNotesInsteadOfCharts) {
  const std::string page = Render(Dataset());
  EXPECT_EQ(ChartCount(page), 0);
  EXPECT_THAT(page, HasSubstr("No tracks."));
  EXPECT_THAT(page, HasSubstr("No users."));
  EXPECT_THAT(page, HasSubstr("The data has no user countries."));
  EXPECT_THAT(page, HasSubstr("The catalog has no genres"));
  EXPECT_THAT(page, HasSubstr("No track has audio features"));
  EXPECT_THAT(page, HasSubstr("<td>n/a</td>"));  // density
  EXPECT_THAT(page, HasSubstr("<div id=\"render-check\">"));
}

TEST(ExploreReportTest, CatalogWithoutInteractions) {
  Dataset dataset = HandBuiltDataset();
  dataset.interactions.clear();
  const std::string page = Render(dataset);
  EXPECT_THAT(page, HasSubstr("No interactions, so no popularity to chart."));
  EXPECT_THAT(page, HasSubstr("No plays recorded by country."));
  EXPECT_THAT(page, HasSubstr("No plays recorded by genre."));
  // Every user in the zero bin is still a drawable histogram.
  EXPECT_THAT(page, HasSubstr("Users with none: 5 (100.0%)."));
  EXPECT_EQ(ChartCount(page), 1);
}

TEST(ExploreReportTest, PageSizeDoesNotGrowWithTheData) {
  // Demo world sizes differ 10x; the page (aggregated charts) must not.
  DemoWorldOptions small = ::recsys::testing::SmallWorldOptions();
  small.num_users = 200;
  small.num_tracks = 500;
  DemoWorldOptions large = small;
  large.num_users = 2000;
  large.num_tracks = 50000;
  const absl::StatusOr<Dataset> small_world = GenerateDemoWorld(small);
  const absl::StatusOr<Dataset> large_world = GenerateDemoWorld(large);
  ASSERT_TRUE(small_world.ok() && large_world.ok());
  const std::string small_page = Render(*small_world, TwoModels());
  const std::string large_page = Render(*large_world, TwoModels());
  EXPECT_EQ(ChartCount(large_page), ChartCount(small_page));
  EXPECT_LT(large_page.size(), small_page.size() * 3 / 2);
  EXPECT_LT(large_page.size(), 150000);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ExploreReportTest, WriteReplacesTheFileAndLeavesNoTemporary) {
  const std::string dir = ::recsys::testing::TestTempDir();
  const std::string path = dir + "/report.html";
  ::recsys::testing::WriteFile(path, "old");
  const Dataset dataset = HandBuiltDataset();
  const std::vector<ModelEvaluationSummary> models = TwoModels();
  ASSERT_TRUE(
      WriteExploreReport(path, dataset, models, ExploreReportOptions()).ok());
  EXPECT_EQ(ReadAll(path),
            RenderExploreReport(dataset, models, ExploreReportOptions()));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename(), "report.html");
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(ExploreReportTest, WriteErrorNamesThePath) {
  const std::string path =
      ::recsys::testing::TestTempDir() + "/no-such-dir/report.html";
  const absl::Status status =
      WriteExploreReport(path, HandBuiltDataset(), {}, ExploreReportOptions());
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
}

}  // namespace
}  // namespace recsys::core
