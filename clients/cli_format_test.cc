#include "clients/cli_format.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::clients {
namespace {

using ::testing::HasSubstr;

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
