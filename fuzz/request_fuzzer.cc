// Fuzzes the request handlers with raw protobuf bytes: a real in-process
// server (small demo model) receives each input through a generic channel as
// the body of the RPC its first byte selects, so parsing, validation, the
// page-token decoder and the core surfaces all see arbitrary input. Every
// answer must be a status, never a crash.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/in_memory_store.h"
#include "fuzz/fuzz_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "server/server.h"
#include "storage/rocksdb_model_store.h"
#include "tests/test_world.h"

namespace {

struct Harness {
  std::unique_ptr<recsys::server::RecsysServer> server;
  std::unique_ptr<grpc::GenericStub> stub;
};

// A deliberately small world: the harness starts once per fuzzing run, and
// every second spent training is a second not spent fuzzing.
recsys::core::TrainedModel TinyModel() {
  recsys::core::DemoWorldOptions world = recsys::testing::SmallWorldOptions();
  world.num_users = 200;
  world.num_tracks = 400;
  recsys::core::TrainingOptions training =
      recsys::testing::SmallTrainingOptions();
  training.als.factors = 8;
  training.als.iterations = 3;
  training.holdout_fraction = 0;
  auto dataset = recsys::core::GenerateDemoWorld(world);
  if (!dataset.ok()) std::abort();
  auto model = recsys::core::TrainModel(*dataset, training);
  if (!model.ok()) std::abort();
  return *std::move(model);
}

Harness& GetHarness() {
  static Harness* const harness = [] {
    auto* h = new Harness();
    const std::string dir = recsys::fuzz::ScratchDir() + "/models";
    auto store = recsys::storage::RocksDbModelStore::Open(dir);
    if (!store.ok() || !(*store)->Publish(TinyModel()).ok()) {
      std::abort();
    }
    recsys::server::ServerOptions options;
    options.model_dir = dir;
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "127.0.0.1:0";
    options.reload_interval = absl::ZeroDuration();
    auto server = recsys::server::RecsysServer::Start(options);
    if (!server.ok()) std::abort();
    h->server = *std::move(server);
    h->stub = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", h->server->grpc_port()),
                            grpc::InsecureChannelCredentials()));
    return h;
  }();
  return *harness;
}

constexpr const char* kMethods[] = {
    "/recsys.v1.Recommender/Recommend",
    "/recsys.v1.Recommender/Radio",
    "/recsys.v1.Recommender/RelatedArtists",
    "/recsys.v1.Recommender/NowPlaying",
    "/recsys.v1.Recommender/GetModelInfo",
    "/recsys.v1.Recommender/Feedback",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Harness& h = GetHarness();
  const char* method =
      kMethods[data[0] % (sizeof kMethods / sizeof kMethods[0])];
  grpc::Slice slice(data + 1, size - 1);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  h.stub->UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&](grpc::Status) {
                      std::lock_guard<std::mutex> lock(mu);
                      done = true;
                      done_cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  done_cv.wait(lock, [&] { return done; });
  return 0;
}
