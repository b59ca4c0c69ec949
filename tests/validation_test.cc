// Every bad-input case of docs/ERRORS.md, sent to a real server on a free
// loopback port: each must fail with the documented gRPC code and a message
// containing the documented excerpt. The table in the doc and the table
// below must list the same cases, so neither can drift from the other.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recsys/v1/recommender.grpc.pb.h"
#include "server/page_token.h"
#include "server/server.h"
#include "storage/rocksdb_model_store.h"
#include "tests/test_server.h"
#include "tests/test_world.h"

namespace recsys {
namespace {

namespace pb = ::recsys::v1;
using ::testing::HasSubstr;

constexpr char kPageTokenKey[] = "validation-test-key-0123456789";

using AnyRequest = std::variant<pb::RecommendRequest, pb::RadioRequest,
                                pb::RelatedArtistsRequest,
                                pb::NowPlayingRequest, pb::FeedbackRequest>;

const char* RpcName(const AnyRequest& request) {
  constexpr const char* kNames[] = {"Recommend", "Radio", "RelatedArtists",
                                    "NowPlaying", "Feedback"};
  return kNames[request.index()];
}

// One row of docs/ERRORS.md.
struct Row {
  std::string rpc;
  std::string field;
  std::string bad_value;
  std::string code;
  std::string message;  // an excerpt of the error message
  bool operator<(const Row& o) const {
    return std::tie(rpc, field, bad_value, code, message) <
           std::tie(o.rpc, o.field, o.bad_value, o.code, o.message);
  }
};

// As the row would read in docs/ERRORS.md, under "## <rpc>".
std::string RowText(const Row& r) {
  return absl::StrCat(r.rpc, ": | `", r.field, "` | ", r.bad_value, " | `",
                      r.code, "` | `", r.message, "` |");
}

struct Case {
  std::string field;
  std::string bad_value;
  grpc::StatusCode code;
  std::string message;
  AnyRequest request;

  Row AsRow() const {
    return {RpcName(request), field, bad_value,
            absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
            message};
  }
};

// `base` with `edit` applied.
template <typename Request, typename Edit>
Request With(Request base, const Edit& edit) {
  edit(base);
  return base;
}

void Fill(google::protobuf::RepeatedPtrField<std::string>* list, int n,
          const std::string& id = "x") {
  for (int i = 0; i < n; ++i) *list->Add() = id;
}

const std::string kLongId(257, 'x');

// A token signed with `key` over an arbitrary payload, for the formats
// that PageTokenCodec would never write.
std::string SignedToken(const std::string& payload, const std::string& key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
       mac, &mac_len);
  return absl::WebSafeBase64Escape(
      payload + std::string(reinterpret_cast<const char*>(mac), mac_len));
}

// The table rows of docs/ERRORS.md under a "## <RPC>" heading:
// | field | bad value | CODE | message excerpt |, backquotes removed.
std::vector<Row> DocumentedRows() {
  std::ifstream in(std::string(RECSYS_SOURCE_DIR) + "/docs/ERRORS.md");
  std::vector<Row> rows;
  const std::set<std::string> rpcs = {"Recommend", "Radio", "RelatedArtists",
                                      "NowPlaying", "Feedback"};
  std::string rpc;
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "## ")) {
      rpc = line.substr(3);
      if (rpcs.count(rpc) == 0) rpc.clear();
      continue;
    }
    if (rpc.empty() || !absl::StartsWith(line, "|")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, '|')) {
      std::string text(absl::StripAsciiWhitespace(cell));
      if (text.size() >= 2 && text.front() == '`' && text.back() == '`') {
        text = text.substr(1, text.size() - 2);
      }
      cells.push_back(std::move(text));
    }
    // "| a | b | c | d |" splits into "", a, b, c, d, "". The header and
    // the separator row have no upper-case code in the third column.
    if (cells.size() != 6 || cells[3].empty() ||
        cells[3].find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") !=
            std::string::npos) {
      continue;
    }
    rows.push_back({rpc, cells[1], cells[2], cells[3], cells[4]});
  }
  return rows;
}

class ValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = testing::SmallModelStore("validation");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    dir_ = store_->root();

    server::ServerOptions options = testing::LoopbackOptions(dir_);
    options.page_token_key = kPageTokenKey;
    auto server = server::RecsysServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = pb::Recommender::NewStub(testing::ChannelTo(*server_));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  grpc::Status Send(const AnyRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return std::visit(
        [&](const auto& r) {
          using R = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<R, pb::RecommendRequest>) {
            pb::RecommendResponse response;
            return stub_->Recommend(&context, r, &response);
          } else if constexpr (std::is_same_v<R, pb::RadioRequest>) {
            pb::RadioResponse response;
            return stub_->Radio(&context, r, &response);
          } else if constexpr (std::is_same_v<R, pb::RelatedArtistsRequest>) {
            pb::RelatedArtistsResponse response;
            return stub_->RelatedArtists(&context, r, &response);
          } else if constexpr (std::is_same_v<R, pb::NowPlayingRequest>) {
            pb::NowPlayingResponse response;
            return stub_->NowPlaying(&context, r, &response);
          } else {
            pb::FeedbackResponse response;
            return stub_->Feedback(&context, r, &response);
          }
        },
        request);
  }

  // A valid page token of a station seeded by `track`, issued at `issued`.
  static std::string Token(const std::string& track, absl::Time issued,
                           const std::string& key = kPageTokenKey) {
    server::RadioPageToken token;
    token.seed_kind = server::RadioPageToken::SeedKind::kTrack;
    token.seed = track;
    token.issued_at_seconds = absl::ToUnixSeconds(issued);
    token.session.played = {1, 2, 3};
    return server::PageTokenCodec(key, absl::Hours(24)).Encode(token);
  }

  // Valid requests, one per RPC; every case breaks one field of one.
  struct Bases {
    pb::RecommendRequest rec;
    pb::RadioRequest radio;
    pb::RelatedArtistsRequest related;
    pb::NowPlayingRequest now_playing;
    pb::FeedbackRequest feedback;
  };
  static Bases ValidRequests() {
    const core::TrainedModel& model = testing::SmallTrainedModel();
    Bases b;
    b.rec.set_user_id(model.users[0].id);
    b.radio.set_seed_track_id(model.tracks.catalog.tracks[0].id);
    b.related.set_artist_id(model.tracks.catalog.artists[0].id);
    b.now_playing.set_current_track_id(model.tracks.catalog.tracks[0].id);
    pb::FeedbackEvent* event = b.feedback.add_events();
    event->set_user_id(model.users[0].id);
    event->set_track_id(model.tracks.catalog.tracks[0].id);
    event->set_type(pb::FeedbackEvent::PLAY);
    event->set_surface("home");
    event->set_variant("control");
    return b;
  }

  static std::vector<Case> Cases() {
    const core::TrainedModel& model = testing::SmallTrainedModel();
    const std::string track = model.tracks.catalog.tracks[0].id;
    const std::string other_track = model.tracks.catalog.tracks[1].id;
    const absl::Time now = absl::Now();
    constexpr auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
    constexpr auto kNotFound = grpc::StatusCode::NOT_FOUND;
    const Bases b = ValidRequests();
    const pb::RecommendRequest& rec = b.rec;
    const pb::RadioRequest& radio = b.radio;
    const pb::RelatedArtistsRequest& related = b.related;
    const pb::NowPlayingRequest& now_playing = b.now_playing;
    const pb::FeedbackRequest& feedback = b.feedback;
    using Rec = pb::RecommendRequest;
    using Rad = pb::RadioRequest;
    using Rel = pb::RelatedArtistsRequest;
    using Now = pb::NowPlayingRequest;
    using Fb = pb::FeedbackRequest;

    std::string tampered = Token(track, now);
    tampered[tampered.size() / 2] =
        tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    const std::string header_v1 = std::string("\x01\x01", 2);

    return {
        // Recommend.
        {"user_id", "empty, with no recent or liked ids", kInvalid,
         "user_id is required unless recent_track_ids, liked_track_ids or "
         "liked_artist_ids are given",
         With(rec, [](Rec& r) { r.clear_user_id(); })},
        {"user_id", "257 bytes", kInvalid, "user_id is longer than 256 bytes",
         With(rec, [](Rec& r) { r.set_user_id(kLongId); })},
        {"recent_track_ids", "501 entries", kInvalid,
         "recent_track_ids has 501 entries, at most 500 allowed",
         With(rec, [](Rec& r) { Fill(r.mutable_recent_track_ids(), 501); })},
        {"recent_track_ids", "an empty entry", kInvalid,
         "recent_track_ids[0] must be a non-empty id of at most 256 bytes",
         With(rec, [](Rec& r) { Fill(r.mutable_recent_track_ids(), 1, ""); })},
        {"recent_track_ids", "an entry of 257 bytes", kInvalid,
         "recent_track_ids[1] must be a non-empty id of at most 256 bytes",
         With(rec,
              [](Rec& r) {
                Fill(r.mutable_recent_track_ids(), 1);
                Fill(r.mutable_recent_track_ids(), 1, kLongId);
              })},
        {"liked_track_ids", "501 entries", kInvalid,
         "liked_track_ids has 501 entries, at most 500 allowed",
         With(rec, [](Rec& r) { Fill(r.mutable_liked_track_ids(), 501); })},
        {"liked_artist_ids", "501 entries", kInvalid,
         "liked_artist_ids has 501 entries, at most 500 allowed",
         With(rec, [](Rec& r) { Fill(r.mutable_liked_artist_ids(), 501); })},
        {"liked_artist_ids", "an entry of 257 bytes", kInvalid,
         "liked_artist_ids[0] must be a non-empty id",
         With(rec,
              [](Rec& r) { Fill(r.mutable_liked_artist_ids(), 1, kLongId); })},
        {"exclude_track_ids", "10,001 entries", kInvalid,
         "exclude_track_ids has 10001 entries, at most 10000 allowed",
         With(rec, [](Rec& r) { Fill(r.mutable_exclude_track_ids(), 10001); })},
        {"exclude_artist_ids", "10,001 entries", kInvalid,
         "exclude_artist_ids has 10001 entries, at most 10000 allowed",
         With(rec,
              [](Rec& r) { Fill(r.mutable_exclude_artist_ids(), 10001); })},
        {"exclude_artist_ids", "an empty entry", kInvalid,
         "exclude_artist_ids[0] must be a non-empty id",
         With(rec,
              [](Rec& r) { Fill(r.mutable_exclude_artist_ids(), 1, ""); })},
        {"surface", "99 (not in the enum)", kInvalid, "surface 99 is not known",
         With(rec,
              [](Rec& r) { r.set_surface(static_cast<pb::Surface>(99)); })},
        {"count", "-1", kInvalid, "count must be between 1 and 500",
         With(rec, [](Rec& r) { r.set_count(-1); })},
        {"count", "501", kInvalid, "count must be between 1 and 500",
         With(rec, [](Rec& r) { r.set_count(501); })},
        {"max_per_artist", "-1", kInvalid,
         "max_per_artist must be between 1 and 500",
         With(rec, [](Rec& r) { r.set_max_per_artist(-1); })},
        {"max_per_artist", "501", kInvalid,
         "max_per_artist must be between 1 and 500",
         With(rec, [](Rec& r) { r.set_max_per_artist(501); })},
        {"num_mixes", "7", kInvalid, "num_mixes must be between 1 and 6",
         With(rec,
              [](Rec& r) {
                r.set_surface(pb::DAILY_MIX);
                r.set_num_mixes(7);
              })},
        {"num_mixes", "-1", kInvalid, "num_mixes must be between 1 and 6",
         With(rec, [](Rec& r) { r.set_num_mixes(-1); })},
        {"new_artist_share", "1.5", kInvalid,
         "new_artist_share must be in [0, 1]",
         With(rec, [](Rec& r) { r.set_new_artist_share(1.5); })},
        {"new_artist_share", "-0.1", kInvalid,
         "new_artist_share must be in [0, 1]",
         With(rec, [](Rec& r) { r.set_new_artist_share(-0.1); })},
        {"new_artist_share", "NaN", kInvalid,
         "new_artist_share must be in [0, 1]",
         With(rec,
              [](Rec& r) {
                r.set_new_artist_share(
                    std::numeric_limits<double>::quiet_NaN());
              })},
        {"context.country", "sweden", kInvalid,
         "context.country must be an ISO 3166-1 alpha-2 code",
         With(rec, [](Rec& r) { r.mutable_context()->set_country("sweden"); })},
        {"context.country", "se (lower case)", kInvalid,
         "context.country must be an ISO 3166-1 alpha-2 code",
         With(rec, [](Rec& r) { r.mutable_context()->set_country("se"); })},
        {"context.timestamp_seconds", "-1", kInvalid,
         "context.timestamp_seconds must be >= 0",
         With(rec,
              [](Rec& r) { r.mutable_context()->set_timestamp_seconds(-1); })},
        {"filter.kind", "9 (not in the enum)", kInvalid,
         "filter.kind 9 is not a known kind",
         With(rec,
              [](Rec& r) {
                r.mutable_filter()->set_kind(static_cast<pb::ContentKind>(9));
              })},
        {"filter.released_after_year", "-1", kInvalid,
         "filter.released_after_year must be a year in [1, 9999] or 0",
         With(rec,
              [](Rec& r) { r.mutable_filter()->set_released_after_year(-1); })},
        {"filter.released_before_year", "10000", kInvalid,
         "filter.released_before_year must be a year in [1, 9999] or 0",
         With(rec,
              [](Rec& r) {
                r.mutable_filter()->set_released_before_year(10000);
              })},
        {"filter.released_after_year", "2001 with released_before_year 2000",
         kInvalid,
         "filter.released_after_year is after filter.released_before_year",
         With(rec,
              [](Rec& r) {
                r.mutable_filter()->set_released_after_year(2001);
                r.mutable_filter()->set_released_before_year(2000);
              })},
        {"(whole message)", "5 MiB of exclude_track_ids",
         grpc::StatusCode::RESOURCE_EXHAUSTED, "larger than max",
         With(rec,
              [](Rec& r) {
                // 20,480 ids of 256 bytes: over the 4 MiB receive limit.
                Fill(r.mutable_exclude_track_ids(), 20480,
                     std::string(256, 'e'));
              })},

        // Radio.
        {"seed_*", "none, and no page_token", kInvalid,
         "a seed is required: seed_track_id, seed_artist_id or seed_genre",
         With(radio, [](Rad& r) { r.clear_seed(); })},
        {"seed_track_id", "empty (set)", kInvalid, "seed_track_id is required",
         With(radio, [](Rad& r) { r.set_seed_track_id(""); })},
        {"seed_artist_id", "257 bytes", kInvalid,
         "seed_artist_id is longer than 256 bytes",
         With(radio, [](Rad& r) { r.set_seed_artist_id(kLongId); })},
        {"seed_genre", "257 bytes", kInvalid,
         "seed_genre is longer than 256 bytes",
         With(radio, [](Rad& r) { r.set_seed_genre(kLongId); })},
        {"seed_track_id", "unknown id", kNotFound,
         "unknown seed_track_id 'no-such-track'",
         With(radio, [](Rad& r) { r.set_seed_track_id("no-such-track"); })},
        {"seed_artist_id", "unknown id", kNotFound,
         "unknown seed_artist_id 'no-such-artist'",
         With(radio, [](Rad& r) { r.set_seed_artist_id("no-such-artist"); })},
        {"seed_genre", "unknown genre", kNotFound,
         "unknown seed_genre 'no-such-genre'",
         With(radio, [](Rad& r) { r.set_seed_genre("no-such-genre"); })},
        {"page_token", "8,193 characters", kInvalid,
         "page_token is longer than 8192 characters",
         With(radio, [](Rad& r) { r.set_page_token(std::string(8193, 'A')); })},
        {"page_token", "not base64", kInvalid,
         "page_token is not web-safe base64",
         With(radio, [](Rad& r) { r.set_page_token("not*base64!"); })},
        {"page_token", "truncated (3 bytes)", kInvalid,
         "page_token is truncated",
         With(radio, [](Rad& r) { r.set_page_token("AAAA"); })},
        {"page_token", "one character changed", kInvalid,
         "page_token was not issued by this service or was modified",
         With(radio,
              [&](Rad& r) {
                r.clear_seed();
                r.set_page_token(tampered);
              })},
        {"page_token", "signed with another key", kInvalid,
         "page_token was not issued by this service or was modified",
         With(radio,
              [&](Rad& r) {
                r.set_page_token(
                    Token(track, now, "another-key-0123456789abcdef"));
              })},
        {"page_token", "signed, format version 2", kInvalid,
         "page_token has an unknown format version",
         With(radio,
              [&](Rad& r) {
                r.set_page_token(SignedToken(std::string("\x02\x01\x00\x00", 4),
                                             kPageTokenKey));
              })},
        {"page_token", "signed, cut short after the header", kInvalid,
         "page_token is malformed",
         With(radio,
              [&](Rad& r) {
                r.set_page_token(SignedToken(header_v1, kPageTokenKey));
              })},
        {"page_token", "issued 25 hours ago", kInvalid,
         "page_token is stale: start a new station",
         With(radio,
              [&](Rad& r) {
                r.set_page_token(Token(track, now - absl::Hours(25)));
              })},
        {"page_token", "issued 1 hour in the future", kInvalid,
         "page_token was issued in the future",
         With(radio,
              [&](Rad& r) {
                r.set_page_token(Token(track, now + absl::Hours(1)));
              })},
        {"page_token", "of a station with another seed", kInvalid,
         "page_token belongs to a station with another seed",
         With(radio,
              [&](Rad& r) {
                r.set_seed_track_id(other_track);
                r.set_page_token(Token(track, now));
              })},
        {"user_id", "257 bytes", kInvalid, "user_id is longer than 256 bytes",
         With(radio, [](Rad& r) { r.set_user_id(kLongId); })},
        {"exclude_track_ids", "10,001 entries", kInvalid,
         "exclude_track_ids has 10001 entries, at most 10000 allowed",
         With(radio,
              [](Rad& r) { Fill(r.mutable_exclude_track_ids(), 10001); })},
        {"skipped_track_ids", "501 entries", kInvalid,
         "skipped_track_ids has 501 entries, at most 500 allowed",
         With(radio, [](Rad& r) { Fill(r.mutable_skipped_track_ids(), 501); })},
        {"liked_track_ids", "501 entries", kInvalid,
         "liked_track_ids has 501 entries, at most 500 allowed",
         With(radio, [](Rad& r) { Fill(r.mutable_liked_track_ids(), 501); })},
        {"liked_track_ids", "an entry of 257 bytes", kInvalid,
         "liked_track_ids[0] must be a non-empty id",
         With(radio,
              [](Rad& r) { Fill(r.mutable_liked_track_ids(), 1, kLongId); })},
        {"count", "-1", kInvalid, "count must be between 1 and 500",
         With(radio, [](Rad& r) { r.set_count(-1); })},
        {"count", "501", kInvalid, "count must be between 1 and 500",
         With(radio, [](Rad& r) { r.set_count(501); })},
        {"artist_spacing", "51", kInvalid,
         "artist_spacing must be between 1 and 50",
         With(radio, [](Rad& r) { r.set_artist_spacing(51); })},
        {"artist_spacing", "-1", kInvalid,
         "artist_spacing must be between 1 and 50",
         With(radio, [](Rad& r) { r.set_artist_spacing(-1); })},
        {"context.country", "SWE", kInvalid,
         "context.country must be an ISO 3166-1 alpha-2 code",
         With(radio, [](Rad& r) { r.mutable_context()->set_country("SWE"); })},
        {"context.timestamp_seconds", "-1", kInvalid,
         "context.timestamp_seconds must be >= 0",
         With(radio,
              [](Rad& r) { r.mutable_context()->set_timestamp_seconds(-1); })},
        {"filter.kind", "9 (not in the enum)", kInvalid,
         "filter.kind 9 is not a known kind",
         With(radio,
              [](Rad& r) {
                r.mutable_filter()->set_kind(static_cast<pb::ContentKind>(9));
              })},

        // RelatedArtists.
        {"artist_id", "empty", kInvalid, "artist_id is required",
         With(related, [](Rel& r) { r.clear_artist_id(); })},
        {"artist_id", "257 bytes", kInvalid,
         "artist_id is longer than 256 bytes",
         With(related, [](Rel& r) { r.set_artist_id(kLongId); })},
        {"artist_id", "unknown id", kNotFound,
         "unknown artist_id 'no-such-artist'",
         With(related, [](Rel& r) { r.set_artist_id("no-such-artist"); })},
        {"count", "-1", kInvalid, "count must be between 1 and 100",
         With(related, [](Rel& r) { r.set_count(-1); })},
        {"count", "101", kInvalid, "count must be between 1 and 100",
         With(related, [](Rel& r) { r.set_count(101); })},

        // NowPlaying.
        {"current_track_id", "empty", kInvalid, "current_track_id is required",
         With(now_playing, [](Now& r) { r.clear_current_track_id(); })},
        {"current_track_id", "257 bytes", kInvalid,
         "current_track_id is longer than 256 bytes",
         With(now_playing, [](Now& r) { r.set_current_track_id(kLongId); })},
        {"current_track_id", "unknown id", kNotFound,
         "unknown current_track_id 'no-such-track'",
         With(now_playing,
              [](Now& r) { r.set_current_track_id("no-such-track"); })},
        {"user_id", "257 bytes", kInvalid, "user_id is longer than 256 bytes",
         With(now_playing, [](Now& r) { r.set_user_id(kLongId); })},
        {"recent_track_ids", "501 entries", kInvalid,
         "recent_track_ids has 501 entries, at most 500 allowed",
         With(now_playing,
              [](Now& r) { Fill(r.mutable_recent_track_ids(), 501); })},
        {"recent_track_ids", "an empty entry", kInvalid,
         "recent_track_ids[0] must be a non-empty id",
         With(now_playing,
              [](Now& r) { Fill(r.mutable_recent_track_ids(), 1, ""); })},
        {"count", "-1", kInvalid, "count must be between 1 and 100",
         With(now_playing, [](Now& r) { r.set_count(-1); })},
        {"count", "101", kInvalid, "count must be between 1 and 100",
         With(now_playing, [](Now& r) { r.set_count(101); })},
        {"context.country", "S1", kInvalid,
         "context.country must be an ISO 3166-1 alpha-2 code",
         With(now_playing,
              [](Now& r) { r.mutable_context()->set_country("S1"); })},
        {"context.timestamp_seconds", "-1", kInvalid,
         "context.timestamp_seconds must be >= 0",
         With(now_playing,
              [](Now& r) { r.mutable_context()->set_timestamp_seconds(-1); })},
        {"filter.released_before_year", "10000", kInvalid,
         "filter.released_before_year must be a year in [1, 9999] or 0",
         With(now_playing,
              [](Now& r) {
                r.mutable_filter()->set_released_before_year(10000);
              })},

        // Feedback.
        {"events", "none", kInvalid, "events must hold 1 to 1000 events, got 0",
         Fb()},
        {"events", "1,001 events", kInvalid,
         "events must hold 1 to 1000 events, got 1001",
         With(feedback,
              [](Fb& r) {
                for (int i = 0; i < 1000; ++i) *r.add_events() = r.events(0);
              })},
        {"events[i].user_id", "empty", kInvalid,
         "events[0].user_id is required",
         With(feedback, [](Fb& r) { r.mutable_events(0)->clear_user_id(); })},
        {"events[i].user_id", "257 bytes", kInvalid,
         "events[0].user_id is longer than 256 bytes",
         With(feedback,
              [](Fb& r) { r.mutable_events(0)->set_user_id(kLongId); })},
        {"events[i].track_id", "empty", kInvalid,
         "events[0].track_id is required",
         With(feedback, [](Fb& r) { r.mutable_events(0)->clear_track_id(); })},
        {"events[i].track_id", "257 bytes", kInvalid,
         "events[0].track_id is longer than 256 bytes",
         With(feedback,
              [](Fb& r) { r.mutable_events(0)->set_track_id(kLongId); })},
        {"events[i].surface", "Home (upper case)", kInvalid,
         "events[0].surface may hold only [a-z0-9_-]",
         With(feedback,
              [](Fb& r) { r.mutable_events(0)->set_surface("Home"); })},
        {"events[i].surface", "65 bytes", kInvalid,
         "events[0].surface is longer than 64 bytes",
         With(feedback,
              [](Fb& r) {
                r.mutable_events(0)->set_surface(std::string(65, 'a'));
              })},
        {"events[i].variant", "a b (a space)", kInvalid,
         "events[0].variant may hold only [a-z0-9_-]",
         With(feedback,
              [](Fb& r) { r.mutable_events(0)->set_variant("a b"); })},
        {"events[i].timestamp_ms", "-1", kInvalid,
         "events[0].timestamp_ms must be >= 0",
         With(feedback,
              [](Fb& r) { r.mutable_events(0)->set_timestamp_ms(-1); })},
        {"events[i].type", "TYPE_UNSPECIFIED", kInvalid,
         "events[0].type must be IMPRESSION, PLAY, SKIP, LIKE or DISLIKE",
         With(feedback,
              [](Fb& r) {
                r.mutable_events(0)->set_type(
                    pb::FeedbackEvent::TYPE_UNSPECIFIED);
              })},
        {"events[i].type", "a bad second event after a good one", kInvalid,
         "events[1].type must be",
         With(feedback,
              [](Fb& r) {
                *r.add_events() = r.events(0);
                r.mutable_events(1)->set_type(
                    static_cast<pb::FeedbackEvent::Type>(42));
              })},
    };
  }

  std::string dir_;
  std::unique_ptr<storage::RocksDbModelStore> store_;
  std::unique_ptr<server::RecsysServer> server_;
  std::unique_ptr<pb::Recommender::Stub> stub_;
};

TEST_F(ValidationTest, EveryBadInputGetsTheDocumentedCodeAndMessage) {
  const std::vector<Case> cases = Cases();
  for (const Case& c : cases) {
    SCOPED_TRACE(RowText(c.AsRow()));
    const grpc::Status status = Send(c.request);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.message));
  }
}

TEST_F(ValidationTest, TheBaseRequestsAreValid) {
  // Each case breaks one field of a valid request; were the base request
  // itself invalid, a case could pass for the wrong reason. A radio page
  // token of the seed's own station is valid too.
  Bases b = ValidRequests();
  pb::RadioRequest next_page = b.radio;
  next_page.set_page_token(Token(b.radio.seed_track_id(), absl::Now()));
  for (const AnyRequest& request : std::vector<AnyRequest>{
           b.rec, b.radio, next_page, b.related, b.now_playing, b.feedback}) {
    const grpc::Status status = Send(request);
    EXPECT_TRUE(status.ok())
        << RpcName(request) << ": " << status.error_message();
  }
}

TEST_F(ValidationTest, DocsListExactlyTheTestedCases) {
  std::set<Row> tested;
  for (const Case& c : Cases()) tested.insert(c.AsRow());
  const std::vector<Row> rows = DocumentedRows();
  ASSERT_FALSE(rows.empty()) << "no table rows found in docs/ERRORS.md";
  std::set<Row> documented(rows.begin(), rows.end());
  EXPECT_EQ(documented.size(), rows.size()) << "a row is listed twice";
  for (const Row& row : tested) {
    EXPECT_TRUE(documented.count(row)) << "not in docs/ERRORS.md:\n"
                                       << RowText(row);
  }
  for (const Row& row : documented) {
    EXPECT_TRUE(tested.count(row)) << "in docs/ERRORS.md but not tested:\n"
                                   << RowText(row);
  }
}

}  // namespace
}  // namespace recsys
