#include "clients/cli_format.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::clients {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n');
}

void AddTrack(
    absl::string_view id, absl::string_view title,
    google::protobuf::RepeatedPtrField<recsys::v1::ScoredTrack>* items) {
  recsys::v1::ScoredTrack* item = items->Add();
  item->mutable_track()->set_track_id(std::string(id));
  item->mutable_track()->set_title(std::string(title));
  item->mutable_track()->set_artist_id("ar000002");
  item->mutable_track()->set_artist_name("Nova Drift");
  item->set_score(0.5f);
}

TEST(CliFormatTest, TruncatesWholeCodePoints) {
  EXPECT_EQ(TruncateToWidth("Sigur Rós", 20), "Sigur Rós");
  EXPECT_EQ(DisplayWidth("Sigur Rós"), 9);
  const std::string cut = TruncateToWidth("Ágætis byrjun", 6);
  EXPECT_EQ(DisplayWidth(cut), 6);
  EXPECT_EQ(cut, "Ágæti…");
  EXPECT_EQ(TruncateToWidth("abc", 0), "");
}

TEST(CliFormatTest, RecommendTableIsAligned) {
  recsys::v1::RecommendRequest request;
  request.set_user_id("u17");
  recsys::v1::RecommendResponse response;
  response.set_model_version("v000003");
  for (const char* title :
       {"Short", "A considerably longer title that must be cut"}) {
    recsys::v1::ScoredTrack* item = response.add_items();
    item->mutable_track()->set_track_id("tr000001");
    item->mutable_track()->set_title(title);
    item->mutable_track()->set_artist_name("Nova Drift");
    item->mutable_track()->set_artist_id("ar000002");
    item->mutable_track()->set_genre("edm");
    item->set_score(0.5f);
    item->mutable_reason()->set_text("Because you listened to Kalani Reyes");
  }
  const std::string text = FormatRecommendResponse(request, response);
  EXPECT_THAT(text, HasSubstr("v000003"));
  EXPECT_THAT(text, HasSubstr("u17"));
  EXPECT_THAT(text, HasSubstr("Because you listened to Kalani Reyes"));
  // The artist column starts at the same display column on both rows.
  std::vector<std::string> rows;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.find("Nova Drift") != absl::string_view::npos)
      rows.emplace_back(line);
  }
  ASSERT_EQ(rows.size(), 2u);
  auto column_of = [](const std::string& row) {
    return DisplayWidth(row.substr(0, row.find("Nova Drift")));
  };
  EXPECT_EQ(column_of(rows[0]), column_of(rows[1]));
}

TEST(CliFormatTest, DailyMixesAreSectionsInOrder) {
  recsys::v1::RecommendRequest request;
  request.set_user_id("u17");
  request.set_surface(recsys::v1::DAILY_MIX);
  recsys::v1::RecommendResponse response;
  response.set_model_version("v000003");
  response.set_variant("control");
  recsys::v1::Mix* rock = response.add_mixes();
  rock->set_title("Daily Mix 1");
  rock->set_description("rock · Nova Drift, Kalani Reyes");
  AddTrack("tr000011", "Rock Song", rock->mutable_items());
  AddTrack("tr000012", "Rock Ballad", rock->mutable_items());
  recsys::v1::Mix* jazz = response.add_mixes();
  jazz->set_title("Daily Mix 2");
  jazz->set_description("jazz · Ada Moor");
  AddTrack("tr000021", "Jazz Tune", jazz->mutable_items());

  const std::string text = FormatRecommendResponse(request, response);
  const std::vector<std::string> lines = Lines(text);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "model v000003 · variant control · 2 daily mixes for user u17 "
            "(cold start: no)");
  // Title and description each on a line of their own, before the mix's
  // table and after the previous mix's rows.
  EXPECT_THAT(lines, Contains("Daily Mix 1"));
  EXPECT_THAT(lines, Contains("rock · Nova Drift, Kalani Reyes"));
  EXPECT_THAT(lines, Contains("Daily Mix 2"));
  EXPECT_THAT(lines, Contains("jazz · Ada Moor"));
  const std::vector<absl::string_view> in_order = {
      "Daily Mix 1", "rock · Nova Drift", "Rock Song", "Rock Ballad",
      "Daily Mix 2", "jazz · Ada Moor",   "Jazz Tune"};
  size_t at = 0;
  for (absl::string_view needle : in_order) {
    const size_t found = text.find(std::string(needle), at);
    ASSERT_NE(found, std::string::npos) << needle << " missing or misplaced";
    at = found;
  }
  // Each mix has its own table header.
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& line) {
                            return absl::StrContains(line, "score") &&
                                   absl::StrContains(line, "track");
                          }),
            2);
}

TEST(CliFormatTest, DailyMixWithoutMixesSaysNone) {
  recsys::v1::RecommendRequest request;
  request.set_surface(recsys::v1::DAILY_MIX);
  request.add_liked_artist_ids("ar000002");
  recsys::v1::RecommendResponse response;
  response.set_model_version("v000003");
  const std::string text = FormatRecommendResponse(request, response);
  EXPECT_THAT(text, StartsWith("model v000003 · 0 daily mixes for an "
                               "anonymous listener"));
  EXPECT_THAT(text, HasSubstr("(none)"));
  EXPECT_THAT(text, Not(HasSubstr("variant")));
}

TEST(CliFormatTest, RadioEndsWithPastableNextPage) {
  recsys::v1::RadioRequest request;
  request.set_seed_genre("rock");
  recsys::v1::RadioResponse response;
  response.set_model_version("v000003");
  response.set_variant("treatment_a");
  AddTrack("tr000011", "Rock Song", response.mutable_items());
  response.set_next_page_token("Q2hhbmdlIG1l-_0");

  const std::string text = FormatRadioResponse(request, response);
  std::vector<std::string> lines = Lines(text);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("variant treatment_a"));
  EXPECT_THAT(lines[0], HasSubstr("seeded by genre rock"));
  // The output ends with a newline, so the last line is empty and the one
  // before it is the next-page line, after the table.
  EXPECT_EQ(lines.back(), "");
  EXPECT_EQ(lines[lines.size() - 2], "next page: --page_token=Q2hhbmdlIG1l-_0");
  EXPECT_LT(text.find("Rock Song"), text.find("next page:"));

  // A continued station names no seed; the last page has no next-page line.
  recsys::v1::RadioRequest next;
  next.set_page_token("Q2hhbmdlIG1l-_0");
  response.clear_next_page_token();
  const std::string last = FormatRadioResponse(next, response);
  EXPECT_THAT(last, HasSubstr("continued from its page token"));
  EXPECT_THAT(last, Not(HasSubstr("next page")));
}

TEST(CliFormatTest, FeedbackCountsAccepted) {
  recsys::v1::FeedbackResponse response;
  response.set_accepted(1);
  EXPECT_EQ(FormatFeedbackResponse({}, response), "accepted 1\n");
}

TEST(CliFormatTest, ModelInfoListsMetricsSorted) {
  recsys::v1::ModelInfo info;
  info.set_model_version("v000001");
  (*info.mutable_metrics())["recall@10"] = 0.25;
  (*info.mutable_metrics())["ndcg@10"] = 0.2;
  const std::string text = FormatModelInfo(info);
  EXPECT_THAT(text, HasSubstr("v000001"));
  EXPECT_LT(text.find("ndcg@10"), text.find("recall@10"));
}

TEST(CliFormatTest, StatusCodeNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DEADLINE_EXCEEDED");
}

}  // namespace
}  // namespace recsys::clients
