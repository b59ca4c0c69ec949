#include "tests/test_server.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/test_world.h"

namespace recsys::testing {

absl::StatusOr<std::unique_ptr<storage::RocksDbModelStore>> SmallModelStore(
    const std::string& name) {
  ASSIGN_OR_RETURN(std::unique_ptr<storage::RocksDbModelStore> store,
                   storage::RocksDbModelStore::Open(FreshTempDir(name)));
  RETURN_IF_ERROR(store->Publish(SmallTrainedModel()).status());
  return store;
}

server::ServerOptions LoopbackOptions(const std::string& model_dir) {
  server::ServerOptions options;
  options.model_dir = model_dir;
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "127.0.0.1:0";
  options.reload_interval = absl::ZeroDuration();
  options.page_token_key = "in-process-test-key-0123456789";
  return options;
}

std::shared_ptr<grpc::Channel> ChannelTo(const server::RecsysServer& server) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.grpc_port()),
                             grpc::InsecureChannelCredentials());
}

}  // namespace recsys::testing
