// A running recsys server: the gRPC service (plus grpc.health.v1 and server
// reflection), the Prometheus exposer, and a background thread that swaps in
// newly published model versions. main() only parses flags into
// ServerOptions; tests start the same server in-process.
#ifndef RECSYS_SERVER_SERVER_H_
#define RECSYS_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/metrics.h"
#include "server/model_holder.h"
#include "server/recommender_service.h"
#include "storage/rocksdb_model_store.h"

namespace recsys::server {

struct ServerOptions {
  std::string model_dir;                           // required: the model store
  std::string listen_address = "127.0.0.1:50051";  // port 0 picks a free one
  std::string metrics_address = "127.0.0.1:9464";  // port 0 picks a free one
  // How often the store's CURRENT pointer is checked; 0 disables reloads.
  absl::Duration reload_interval = absl::Seconds(10);
  // Called first on the reloader thread and on every thread a model load
  // starts; recsys-server binds them to its model arena (server/allocator.h).
  std::function<void()> loader_thread_init;
  // After start, the reloader loads the served version once more in the
  // background and frees it (ModelHolder::ReserveSwapMemory), so that the
  // first swap reuses that memory; for an allocator that keeps freed memory.
  bool reserve_swap_memory = false;
  // Bytes of RocksDB block cache for user vectors and histories.
  int64_t user_cache_bytes = 256 << 20;
  // When to serve two-stage and how wide the index searches are.
  core::ServingOptions serving;
  // Start even when no model is published yet (health stays NOT_SERVING and
  // RPCs return UNAVAILABLE until one appears). Otherwise Start() fails.
  bool allow_empty_store = false;
  // A/B experiment name and variant spec (server/variants.h).
  std::string experiment = "default";
  std::string variants;
  // HMAC key of radio page tokens, shared by all replicas; at least 16
  // bytes. Empty: a built-in key, so tokens are checked but forgeable.
  std::string page_token_key;
  absl::Duration page_token_max_age = absl::Hours(24);
  // Feedback events are appended here (core/event_log.h); empty: not logged.
  std::string event_log_dir;
  int64_t event_log_max_file_bytes = 64 << 20;
  bool event_log_fsync = false;
  // Recommender RPCs allowed in flight at once; beyond it a call gets
  // RESOURCE_EXHAUSTED at once instead of queueing. 0: no limit.
  int max_concurrent_rpcs = 64;
  // Largest request message accepted, in bytes; a larger one gets
  // RESOURCE_EXHAUSTED from gRPC before any handler runs.
  int max_message_bytes = 4 << 20;
  // Test seam, never set in production: see
  // ServiceDeps::rpc_gate_for_testing (server/recommender_service.h).
  std::function<void(const grpc::ServerContextBase& context,
                     std::function<void()> resume)>
      rpc_gate_for_testing;
  // PEM files of the gRPC port's TLS identity (server/transport_security.h).
  // Empty cert and key: plaintext. A client CA requires client certificates
  // signed by it (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Plaintext is served only on a loopback listen_address unless this is
  // set; otherwise Start() fails with INVALID_ARGUMENT.
  bool allow_insecure = false;
};

class RecsysServer {
 public:
  // Opens the store, loads the current model, starts serving. Errors:
  // NOT_FOUND when no model is published (unless allow_empty_store), the
  // load error of a bad model, UNAVAILABLE when a port cannot be bound,
  // INVALID_ARGUMENT for bad TLS files or plaintext on a non-loopback
  // address without allow_insecure.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RecsysServer>> Start(
      const ServerOptions& options);

  // Stops: health NOT_SERVING, no new calls, in-flight calls get `grace`.
  ~RecsysServer();
  void Shutdown(absl::Duration grace = absl::Seconds(5));
  // Blocks until Shutdown() is called from another thread.
  void Wait();

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_->port(); }
  ModelHolder& models() { return *models_; }

 private:
  RecsysServer() = default;
  // `reserve`: ModelHolder::ReserveSwapMemory() first (in the idle class).
  void ReloadLoop(absl::Duration interval, bool reserve);
  void UpdateHealth();

  std::unique_ptr<storage::RocksDbModelStore> store_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<ModelHolder> models_;
  std::unique_ptr<VariantAssigner> variants_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<core::EventLogWriter> event_log_;
  std::unique_ptr<RecommenderService> service_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reloader_;
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_SERVER_H_
