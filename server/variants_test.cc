#include "server/variants.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::server {
namespace {

TEST(VariantsTest, EmptySpecIsOneDefaultVariant) {
  absl::StatusOr<VariantAssigner> a = VariantAssigner::Parse("exp", "");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->variants().size(), 1u);
  EXPECT_EQ(a->Assign("u1").name, "default");
  const core::BlendWeights model{1.0f, 0.3f, 0.1f};
  EXPECT_EQ(a->Assign("u1").weights.Apply(model).content, 0.3f);
}

TEST(VariantsTest, ParsesSharesAndOverrides) {
  absl::StatusOr<VariantAssigner> a = VariantAssigner::Parse(
      "exp", "control:3; discovery:1:popularity=0.05,content=0.5");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->variants().size(), 2u);
  EXPECT_DOUBLE_EQ(a->variants()[0].share, 0.75);
  const core::BlendWeights w =
      a->variants()[1].weights.Apply(core::BlendWeights{1.0f, 0.3f, 0.1f});
  EXPECT_FLOAT_EQ(w.cf, 1.0f);
  EXPECT_FLOAT_EQ(w.content, 0.5f);
  EXPECT_FLOAT_EQ(w.popularity, 0.05f);
}

TEST(VariantsTest, AssignmentIsStableAndFollowsShares) {
  absl::StatusOr<VariantAssigner> a =
      VariantAssigner::Parse("exp", "a:70;b:20;c:10");
  ASSERT_TRUE(a.ok());
  std::map<std::string, int> counts;
  for (int u = 0; u < 20000; ++u) {
    const std::string user = absl::StrCat("user-", u);
    const std::string& name = a->Assign(user).name;
    EXPECT_EQ(a->Assign(user).name, name);
    ++counts[name];
  }
  EXPECT_NEAR(counts["a"] / 20000.0, 0.7, 0.02);
  EXPECT_NEAR(counts["b"] / 20000.0, 0.2, 0.02);
  EXPECT_NEAR(counts["c"] / 20000.0, 0.1, 0.02);
  // Another experiment name reshuffles users.
  absl::StatusOr<VariantAssigner> other =
      VariantAssigner::Parse("exp2", "a:70;b:20;c:10");
  int moved = 0;
  for (int u = 0; u < 1000; ++u) {
    const std::string user = absl::StrCat("user-", u);
    moved += other->Assign(user).name != a->Assign(user).name;
  }
  EXPECT_GT(moved, 300);
}

TEST(VariantsTest, MalformedSpecsNameTheProblem) {
  for (const char* spec : {"a", "a:0", "a:-1", "a:x", "a:1;a:1", "bad name:1",
                           "a:1:foo=1", "a:1:cf=-1", "a:1:cf=x"}) {
    absl::StatusOr<VariantAssigner> a = VariantAssigner::Parse("exp", spec);
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << spec;
  }
}

}  // namespace
}  // namespace recsys::server
