#include "server/page_token.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::server {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1764547200);

RadioPageToken Sample() {
  RadioPageToken t;
  t.seed_kind = RadioPageToken::SeedKind::kArtist;
  t.seed = "ar000042";
  t.issued_at_seconds = absl::ToUnixSeconds(kNow) - 60;
  t.session.played = {1, 2, 3, 0xffffffffu};
  t.session.skipped = {7};
  t.session.liked = {9, 10};
  return t;
}

absl::StatusCode CodeOf(const absl::StatusOr<RadioPageToken>& r) {
  return r.status().code();
}

TEST(PageTokenTest, RoundTrips) {
  const PageTokenCodec codec("0123456789abcdef-secret", absl::Hours(24));
  const std::string token = codec.Encode(Sample());
  absl::StatusOr<RadioPageToken> back = codec.Decode(token, kNow);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->seed_kind, RadioPageToken::SeedKind::kArtist);
  EXPECT_EQ(back->seed, "ar000042");
  EXPECT_EQ(back->issued_at_seconds, Sample().issued_at_seconds);
  EXPECT_EQ(back->session.played, Sample().session.played);
  EXPECT_EQ(back->session.skipped, Sample().session.skipped);
  EXPECT_EQ(back->session.liked, Sample().session.liked);
}

TEST(PageTokenTest, FullSessionFitsTheSizeLimit) {
  const PageTokenCodec codec("0123456789abcdef-secret", absl::Hours(24));
  RadioPageToken t = Sample();
  t.seed = std::string(256, 's');
  t.session.played.assign(core::kMaxSessionPlayed, 0xdeadbeef);
  t.session.skipped.assign(core::kMaxSessionFeedback, 1);
  t.session.liked.assign(core::kMaxSessionFeedback, 2);
  const std::string token = codec.Encode(t);
  EXPECT_LE(token.size(), kMaxPageTokenChars);
  EXPECT_TRUE(codec.Decode(token, kNow).ok());
}

TEST(PageTokenTest, EveryTamperedCharacterIsRefused) {
  const PageTokenCodec codec("0123456789abcdef-secret", absl::Hours(24));
  const std::string token = codec.Encode(Sample());
  for (size_t i = 0; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    absl::StatusOr<RadioPageToken> r = codec.Decode(bad, kNow);
    EXPECT_EQ(CodeOf(r), absl::StatusCode::kInvalidArgument)
        << "position " << i;
  }
}

TEST(PageTokenTest, AnotherKeysTokenIsRefused) {
  const PageTokenCodec mine("0123456789abcdef-secret", absl::Hours(24));
  const PageTokenCodec theirs("another-secret-of-16+", absl::Hours(24));
  absl::StatusOr<RadioPageToken> r = mine.Decode(theirs.Encode(Sample()), kNow);
  EXPECT_EQ(CodeOf(r), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("modified"));
}

TEST(PageTokenTest, StaleAndFutureTokensAreRefused) {
  const PageTokenCodec codec("0123456789abcdef-secret", absl::Hours(1));
  RadioPageToken old = Sample();
  old.issued_at_seconds = absl::ToUnixSeconds(kNow - absl::Hours(2));
  absl::StatusOr<RadioPageToken> r = codec.Decode(codec.Encode(old), kNow);
  EXPECT_EQ(CodeOf(r), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("stale"));
  RadioPageToken future = Sample();
  future.issued_at_seconds = absl::ToUnixSeconds(kNow + absl::Hours(1));
  EXPECT_EQ(CodeOf(codec.Decode(codec.Encode(future), kNow)),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, GarbageIsRefusedNotCrashed) {
  const PageTokenCodec codec("0123456789abcdef-secret", absl::Hours(24));
  for (const std::string& bad :
       {std::string(""), std::string("!!!"), std::string("AAAA"),
        std::string(kMaxPageTokenChars + 1, 'A'),
        codec.Encode(Sample()).substr(0, 20)}) {
    EXPECT_EQ(CodeOf(codec.Decode(bad, kNow)),
              absl::StatusCode::kInvalidArgument)
        << bad.substr(0, 30);
  }
}

}  // namespace
}  // namespace recsys::server
