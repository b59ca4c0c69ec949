// The whole path: a model trained on a small demo world is published to a
// RocksDB store, a real server loads it on a free loopback port, every RPC is
// called through a real channel, a newly published version is swapped in,
// and the Prometheus endpoint is scraped over HTTP.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/event_log.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "recsys/v1/recommender.grpc.pb.h"
#include "server/server.h"
#include "storage/rocksdb_model_store.h"
#include "tests/metrics_scrape.h"
#include "tests/test_server.h"
#include "tests/test_world.h"

namespace recsys {
namespace {

namespace fs = std::filesystem;
namespace pb = ::recsys::v1;
using ::testing::HasSubstr;

using testing::HttpGet;
using testing::Sample;

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = testing::SmallModelStore("e2e");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    dir_ = store_->root();

    server::ServerOptions options = testing::LoopbackOptions(dir_);
    options.reload_interval = absl::Milliseconds(100);
    options.event_log_dir = dir_ + "/events";
    options.variants = "control:50;discovery:50:popularity=0";
    auto server = server::RecsysServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = testing::ChannelTo(*server_);
    stub_ = pb::Recommender::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    return (stub_.get()->*method)(&context, request, response);
  }

  const core::TrainedModel& trained() const {
    return testing::SmallTrainedModel();
  }
  const core::Catalog& catalog() const { return trained().tracks.catalog; }

  std::string dir_;
  std::unique_ptr<storage::RocksDbModelStore> store_;
  std::unique_ptr<server::RecsysServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Recommender::Stub> stub_;
};

TEST_F(EndToEndTest, EveryRpcAnswersAndMetricsCountThem) {
  // Health: SERVING once the model is loaded, for the server and the service.
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string service : {"", "recsys.v1.Recommender"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok());
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING);
  }

  // Recommend never returns a track the user already played.
  int recommend_calls = 0;
  for (int u = 0; u < 20; ++u) {
    pb::RecommendRequest request;
    request.set_user_id(trained().users[u].id);
    request.set_count(25);
    pb::RecommendResponse response;
    ASSERT_TRUE(
        Call(&pb::Recommender::Stub::Recommend, request, &response).ok());
    ++recommend_calls;
    EXPECT_EQ(response.items_size(), 25);
    EXPECT_EQ(response.model_version(), "v000001");
    std::set<std::string> heard;
    for (uint32_t t : trained().history.RowIndices(u))
      heard.insert(catalog().tracks[t].id);
    for (const pb::ScoredTrack& item : response.items()) {
      EXPECT_FALSE(heard.count(item.track().track_id()))
          << item.track().track_id();
      EXPECT_FALSE(item.reason().text().empty());
      EXPECT_FALSE(item.track().artist_name().empty());
    }
  }

  // A radio seeded with a track of genre G returns mostly genre G.
  int in_genre = 0, radio_items = 0;
  for (uint32_t seed = 0; seed < 100; seed += 10) {
    pb::RadioRequest request;
    request.set_seed_track_id(catalog().tracks[seed].id);
    pb::RadioResponse response;
    ASSERT_TRUE(Call(&pb::Recommender::Stub::Radio, request, &response).ok());
    const std::string& genre = catalog().genres[catalog().tracks[seed].genre];
    for (const pb::ScoredTrack& item : response.items()) {
      EXPECT_NE(item.track().track_id(), request.seed_track_id());
      in_genre += item.track().genre() == genre;
      ++radio_items;
    }
  }
  ASSERT_GT(radio_items, 0);
  EXPECT_GT(static_cast<double>(in_genre) / radio_items, 0.7);

  // Related artists share the seed artist's genre more often than chance.
  int same_genre = 0, related = 0;
  for (uint32_t a = 0; a < 30; a += 3) {
    pb::RelatedArtistsRequest request;
    request.set_artist_id(catalog().artists[a].id);
    pb::RelatedArtistsResponse response;
    ASSERT_TRUE(
        Call(&pb::Recommender::Stub::RelatedArtists, request, &response).ok());
    EXPECT_EQ(response.artists_size(), 10);
    const std::string& genre = catalog().genres[catalog().artists[a].genre];
    for (const pb::ScoredArtist& item : response.artists()) {
      EXPECT_NE(item.artist().artist_id(), request.artist_id());
      same_genre += item.artist().genre() == genre;
      ++related;
    }
  }
  EXPECT_GT(static_cast<double>(same_genre) / related,
            3.0 / catalog().genres.size());

  // NowPlaying never returns the current track.
  for (uint32_t t = 1; t < 200; t += 33) {
    pb::NowPlayingRequest request;
    request.set_current_track_id(catalog().tracks[t].id);
    request.set_user_id(trained().users[t].id);
    pb::NowPlayingResponse response;
    ASSERT_TRUE(
        Call(&pb::Recommender::Stub::NowPlaying, request, &response).ok());
    EXPECT_EQ(response.up_next_size(), 10);
    EXPECT_GT(response.related_artists_size(), 0);
    for (const auto& item : response.up_next()) {
      EXPECT_NE(item.track().track_id(), request.current_track_id());
    }
    for (const auto& item : response.more_by_artist()) {
      EXPECT_NE(item.track().track_id(), request.current_track_id());
    }
  }

  pb::ModelInfo info;
  ASSERT_TRUE(Call(&pb::Recommender::Stub::GetModelInfo,
                   pb::GetModelInfoRequest(), &info)
                  .ok());
  EXPECT_EQ(info.model_version(), "v000001");
  EXPECT_EQ(info.num_tracks(), static_cast<int64_t>(catalog().tracks.size()));
  EXPECT_GT(info.metrics().at("ndcg@10"), 0);
  EXPECT_EQ(info.genres_size(), static_cast<int>(catalog().genres.size()));

  // The latency histogram counted those calls, by method and code.
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_EQ(Sample(metrics,
                   "recsys_rpc_duration_seconds_count{code=\"OK\",method="
                   "\"Recommend\"}"),
            recommend_calls);
  EXPECT_EQ(
      Sample(metrics,
             "recsys_rpc_duration_seconds_count{code=\"OK\",method=\"Radio\"}"),
      10);
  EXPECT_EQ(
      Sample(metrics,
             "recsys_rpc_requests_total{code=\"OK\",method=\"NowPlaying\"}"),
      7);
  EXPECT_EQ(Sample(metrics, "recsys_model_info{version=\"v000001\"}"), 1);
  EXPECT_THAT(metrics,
              HasSubstr("recsys_rpc_duration_seconds_bucket{code=\"OK\","
                        "method=\"GetModelInfo\",le=\"0.0001\"}"));
}

TEST_F(EndToEndTest, BadInputGetsClearErrorsThatAreCounted) {
  pb::RecommendRequest bad_count;
  bad_count.set_user_id(trained().users[0].id);
  bad_count.set_count(-1);
  pb::RecommendResponse recommend;
  grpc::Status s =
      Call(&pb::Recommender::Stub::Recommend, bad_count, &recommend);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("count"));

  pb::RecommendRequest no_user;
  s = Call(&pb::Recommender::Stub::Recommend, no_user, &recommend);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("user_id"));

  pb::RecommendRequest bad_country;
  bad_country.set_user_id("u1");
  bad_country.mutable_context()->set_country("sweden");
  s = Call(&pb::Recommender::Stub::Recommend, bad_country, &recommend);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  pb::RadioRequest no_seed;
  pb::RadioResponse radio;
  s = Call(&pb::Recommender::Stub::Radio, no_seed, &radio);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  pb::RadioRequest unknown_seed;
  unknown_seed.set_seed_track_id("no-such-track");
  s = Call(&pb::Recommender::Stub::Radio, unknown_seed, &radio);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("no-such-track"));

  pb::RelatedArtistsRequest too_many;
  too_many.set_artist_id(catalog().artists[0].id);
  too_many.set_count(1000);
  pb::RelatedArtistsResponse artists;
  s = Call(&pb::Recommender::Stub::RelatedArtists, too_many, &artists);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  pb::NowPlayingRequest no_track;
  pb::NowPlayingResponse now;
  s = Call(&pb::Recommender::Stub::NowPlaying, no_track, &now);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // An unknown user is a cold start, not an error.
  pb::RecommendRequest stranger;
  stranger.set_user_id("stranger");
  stranger.mutable_context()->set_country("SE");
  s = Call(&pb::Recommender::Stub::Recommend, stranger, &recommend);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(recommend.cold_start());
  EXPECT_EQ(recommend.items_size(), 20);

  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_EQ(Sample(metrics,
                   "recsys_rpc_requests_total{code=\"INVALID_ARGUMENT\","
                   "method=\"Recommend\"}"),
            3);
  EXPECT_EQ(
      Sample(metrics,
             "recsys_rpc_requests_total{code=\"NOT_FOUND\",method=\"Radio\"}"),
      1);
  EXPECT_EQ(Sample(metrics, "recsys_cold_start_requests_total"), 1);
}

TEST_F(EndToEndTest, NewVersionIsSwappedInWhileServing) {
  ASSERT_TRUE(store_->Publish(testing::SmallTrainedModel()).ok());
  // The reloader polls every 100 ms; wait for the swap through the API.
  std::string version;
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (version != "v000002" && std::chrono::steady_clock::now() < give_up) {
    pb::ModelInfo info;
    ASSERT_TRUE(Call(&pb::Recommender::Stub::GetModelInfo,
                     pb::GetModelInfoRequest(), &info)
                    .ok());
    version = info.model_version();
    if (version != "v000002")
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(version, "v000002");
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_EQ(Sample(metrics, "recsys_model_info{version=\"v000002\"}"), 1);
  EXPECT_EQ(Sample(metrics, "recsys_model_info{version=\"v000001\"}"), -1);
  EXPECT_EQ(Sample(metrics, "recsys_model_reloads_total{result=\"success\"}"),
            2);
}

TEST_F(EndToEndTest, BrokenNewVersionIsRefusedAndOldOneServes) {
  // CURRENT points at a version whose files are garbage.
  const fs::path bad = fs::path(dir_) / "versions" / "v000002";
  fs::create_directories(bad);
  std::ofstream(bad / "CURRENT") << "MANIFEST-000001\n";
  ASSERT_TRUE(store_->SetCurrent("v000002").ok());
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  double failures = 0;
  while (failures < 1 && std::chrono::steady_clock::now() < give_up) {
    failures = Sample(HttpGet(server_->metrics_port(), "/metrics"),
                      "recsys_model_reloads_total{result=\"failure\"}");
    if (failures < 1)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(failures, 1);
  pb::ModelInfo info;
  ASSERT_TRUE(Call(&pb::Recommender::Stub::GetModelInfo,
                   pb::GetModelInfoRequest(), &info)
                  .ok());
  EXPECT_EQ(info.model_version(), "v000001");
}

TEST_F(EndToEndTest, RadioContinuesThroughPageTokens) {
  pb::RadioRequest request;
  request.set_seed_track_id(catalog().tracks[5].id);
  request.set_count(10);
  std::set<std::string> played;
  std::string token;
  for (int page = 0; page < 4; ++page) {
    pb::RadioResponse response;
    if (page > 0) {
      request.clear_seed_track_id();
      request.set_page_token(token);
    }
    ASSERT_TRUE(Call(&pb::Recommender::Stub::Radio, request, &response).ok());
    ASSERT_EQ(response.items_size(), 10);
    for (const pb::ScoredTrack& item : response.items()) {
      EXPECT_TRUE(played.insert(item.track().track_id()).second)
          << "repeated " << item.track().track_id() << " on page " << page;
    }
    EXPECT_FALSE(response.next_page_token().empty());
    EXPECT_LE(response.next_page_token().size(), 8192u);
    token = response.next_page_token();
  }

  // A tampered token is refused, not silently restarted.
  std::string tampered = token;
  tampered[tampered.size() / 2] =
      tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  pb::RadioRequest bad;
  bad.set_page_token(tampered);
  pb::RadioResponse response;
  grpc::Status s = Call(&pb::Recommender::Stub::Radio, bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
  // A token with another station's seed is refused too.
  bad.set_page_token(token);
  bad.set_seed_track_id(catalog().tracks[6].id);
  s = Call(&pb::Recommender::Stub::Radio, bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EndToEndTest, FeedbackIsCountedAndLoggedForTheTrainer) {
  pb::RecommendRequest recommend;
  recommend.set_user_id(trained().users[2].id);
  recommend.set_surface(pb::DISCOVER_WEEKLY);
  pb::RecommendResponse answer;
  ASSERT_TRUE(Call(&pb::Recommender::Stub::Recommend, recommend, &answer).ok());
  ASSERT_THAT(answer.variant(), ::testing::AnyOf("control", "discovery"));

  pb::FeedbackRequest feedback;
  for (const pb::ScoredTrack& item : answer.items()) {
    for (auto type : {pb::FeedbackEvent::IMPRESSION, pb::FeedbackEvent::PLAY}) {
      pb::FeedbackEvent* e = feedback.add_events();
      e->set_user_id(recommend.user_id());
      e->set_track_id(item.track().track_id());
      e->set_type(type);
      e->set_surface("discover_weekly");
      e->set_variant(answer.variant());
    }
  }
  pb::FeedbackResponse accepted;
  ASSERT_TRUE(Call(&pb::Recommender::Stub::Feedback, feedback, &accepted).ok());
  EXPECT_EQ(accepted.accepted(), 2 * answer.items_size());

  // A bad event rejects the whole request and logs nothing.
  pb::FeedbackRequest bad = feedback;
  bad.mutable_events(3)->set_type(pb::FeedbackEvent::TYPE_UNSPECIFIED);
  grpc::Status s = Call(&pb::Recommender::Stub::Feedback, bad, &accepted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("events[3].type"));

  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_EQ(Sample(metrics,
                   absl::StrCat("recsys_feedback_events_total{surface="
                                "\"discover_weekly\",type=\"play\",variant=\"",
                                answer.variant(), "\"}")),
            answer.items_size());
  EXPECT_EQ(Sample(metrics, absl::StrCat("recsys_variant_answers_total{surface="
                                         "\"discover_weekly\",variant=\"",
                                         answer.variant(), "\"}")),
            1);

  // The trainer reads the same events back as interactions.
  server_->Shutdown(absl::Seconds(1));
  core::EventLogReadReport report;
  absl::StatusOr<std::vector<core::FeedbackEvent>> events =
      core::ReadEventLog(dir_ + "/events", &report);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), static_cast<size_t>(2 * answer.items_size()));
  EXPECT_EQ(report.corrupt_lines, 0);
  core::Catalog catalog_copy = catalog();
  std::vector<core::User> users = trained().users;
  int64_t unknown = 0;
  const std::vector<core::Interaction> plays =
      core::EventsToInteractions(*events, catalog_copy, users, &unknown);
  EXPECT_EQ(plays.size(), static_cast<size_t>(answer.items_size()));
  EXPECT_EQ(unknown, 0);
  for (const core::Interaction& i : plays) {
    EXPECT_EQ(users[i.user].id, recommend.user_id());
    EXPECT_EQ(i.plays, 1u);
  }
}

}  // namespace
}  // namespace recsys

namespace recsys {
namespace {

namespace fs = std::filesystem;
namespace pb = ::recsys::v1;

// A version published with its track indexes, served two-stage (the server
// is told to use them even on this small catalog): the store writes and
// checks the index files, the metrics say which path serves, and a version
// whose index is corrupt is refused while the old one keeps serving.
class IndexedServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::RocksDbModelStore::Open(
        testing::FreshTempDir("indexed-serving"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->Publish(testing::IndexedSmallTrainedModel()).ok());
    server::ServerOptions options = testing::LoopbackOptions(store_->root());
    options.reload_interval = absl::Milliseconds(100);
    options.serving.exhaustive_max_tracks = 0;
    auto server = server::RecsysServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = pb::Recommender::NewStub(testing::ChannelTo(*server_));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  grpc::Status Recommend(const std::string& user, pb::RecommendResponse* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    pb::RecommendRequest request;
    request.set_user_id(user);
    request.set_count(10);
    return stub_->Recommend(&context, request, out);
  }
  double Metric(const std::string& name) {
    return testing::Sample(
        testing::HttpGet(server_->metrics_port(), "/metrics"), name);
  }

  std::unique_ptr<storage::RocksDbModelStore> store_;
  std::unique_ptr<server::RecsysServer> server_;
  std::unique_ptr<pb::Recommender::Stub> stub_;
};

TEST_F(IndexedServingTest, ServesThroughTheIndexesAndCountsTheUserCache) {
  const fs::path index_dir =
      fs::path(store_->root()) / "versions" / "v000001" / "index";
  EXPECT_TRUE(fs::exists(index_dir / "personal.hnsw"));
  EXPECT_TRUE(fs::exists(index_dir / "station.hnsw.header"));
  const core::TrainedModel& trained = testing::IndexedSmallTrainedModel();
  for (int u = 0; u < 20; ++u) {
    pb::RecommendResponse response;
    ASSERT_TRUE(Recommend(trained.users[u].id, &response).ok());
    EXPECT_EQ(response.items_size(), 10);
  }
  EXPECT_EQ(Metric("recsys_serving_two_stage"), 1);
  EXPECT_GE(Metric("recsys_exhaustive_fallbacks_total"), 0);
  EXPECT_GT(Metric("recsys_user_cache_hits_total") +
                Metric("recsys_user_cache_misses_total"),
            0);
  EXPECT_EQ(Metric("recsys_user_cache_capacity_bytes"), 256 << 20);
}

// With reserve_swap_memory the reloader loads the served version once more
// after start (so that an allocator keeping freed memory has a second
// version's worth ready for the first swap), on threads that pass through
// loader_thread_init like every load's, and the served model stays as it
// was. Without it, no load happens until a version is published.
TEST(SwapMemoryTest, TheReloaderLoadsTheServedVersionOnceMore) {
  auto store =
      storage::RocksDbModelStore::Open(testing::FreshTempDir("swap-memory"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Publish(testing::IndexedSmallTrainedModel()).ok());
  server::ModelHolder empty(store->get(), nullptr);
  EXPECT_EQ(empty.ReserveSwapMemory().code(),
            absl::StatusCode::kFailedPrecondition);

  // Threads through loader_thread_init: the first load's index loaders,
  // the reloader, and with the reserve the index loaders once more.
  const auto loader_threads = [&](bool reserve) {
    std::atomic<int> threads{0};
    server::ServerOptions options = testing::LoopbackOptions((*store)->root());
    options.reload_interval = absl::Milliseconds(50);
    options.serving.exhaustive_max_tracks = 0;
    options.loader_thread_init = [&threads] { ++threads; };
    options.reserve_swap_memory = reserve;
    auto server = server::RecsysServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return -1;
    // Ten polls of an unchanged store, at least: nothing more is loaded.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // Joins the reloader, so its reserve (if any) has finished.
    (*server)->Shutdown(absl::Seconds(1));
    const std::shared_ptr<const core::ServingModel> served =
        (*server)->models().Get();
    EXPECT_NE(served, nullptr);
    if (served != nullptr) {
      EXPECT_EQ(served->metadata().version, "v000001");
    }
    return threads.load();
  };
  const int without = loader_threads(false);
  const int with = loader_threads(true);
  ASSERT_GE(without, 2) << "no index loader or no reloader went through it";
  EXPECT_EQ(with, 2 * without - 1);
}

TEST_F(IndexedServingTest, VersionWithACorruptIndexIsRefused) {
  // A version whose index file was damaged after publication (a bad disk, a
  // partial copy) is made current: the checksum catches it before hnswlib
  // parses the graph, the version is refused, the old one keeps serving.
  auto other = storage::RocksDbModelStore::Open(
      testing::FreshTempDir("indexed-serving-other"));
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*other)->Publish(testing::IndexedSmallTrainedModel()).ok());
  const fs::path source = fs::path((*other)->root()) / "versions" / "v000001";
  {
    std::fstream f(source / "index" / "station.hnsw",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-64, std::ios::end);
    f.write("garbage!", 8);
  }
  fs::copy(source, fs::path(store_->root()) / "versions" / "v000002",
           fs::copy_options::recursive);
  ASSERT_TRUE(store_->SetCurrent("v000002").ok());
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Metric("recsys_model_reloads_total{result=\"failure\"}") < 1 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Metric("recsys_model_reloads_total{result=\"failure\"}"), 1);
  EXPECT_EQ(Metric("recsys_model_info{version=\"v000001\"}"), 1);
  pb::RecommendResponse response;
  EXPECT_TRUE(
      Recommend(testing::IndexedSmallTrainedModel().users[0].id, &response)
          .ok());
  EXPECT_EQ(response.items_size(), 10);
}

}  // namespace
}  // namespace recsys
