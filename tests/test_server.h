// Shared set-up of the tests that run a real server in-process: a model
// store holding the small test model, options for free loopback ports, and
// a channel to the running server.
#ifndef RECSYS_TESTS_TEST_SERVER_H_
#define RECSYS_TESTS_TEST_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "server/server.h"
#include "storage/rocksdb_model_store.h"

namespace recsys::testing {

// A fresh store in FreshTempDir(name) with SmallTrainedModel() published
// as v000001.
absl::StatusOr<std::unique_ptr<storage::RocksDbModelStore>> SmallModelStore(
    const std::string& name);

// Serves `model_dir` on free loopback ports (gRPC and metrics), without
// background reloads, with a fixed page-token key.
server::ServerOptions LoopbackOptions(const std::string& model_dir);

// A plaintext channel to `server`'s gRPC port.
std::shared_ptr<grpc::Channel> ChannelTo(const server::RecsysServer& server);

}  // namespace recsys::testing

#endif  // RECSYS_TESTS_TEST_SERVER_H_
