#include "server/server.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/transport_security.h"

namespace recsys::server {
namespace {

constexpr char kServiceName[] = "recsys.v1.Recommender";
// Nice value of the background reloader (19 = the lowest priority), for
// when the idle scheduling class is refused.
constexpr int kReloadNice = 19;

// Moves the calling thread, and the threads it starts from now on (they
// inherit it), out of the requests' way: into the SCHED_IDLE class, which
// runs only on CPU time no other thread wants and is preempted at once by
// any request thread that wakes up. A nice value is not enough: busy loops
// at nice 19 raised the Recommend p99 of a steady load on 2 cores from
// 5-12 ms to 12-26 ms, in the idle class to 8-10 ms (docs/BENCHMARKS.md).
// Linux keeps both per thread.
void LowerReloaderPriority() {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, tid, kReloadNice) != 0) {
    core::Log(core::LogLevel::kWarning, "reload_priority",
              {{"error", std::strerror(errno)}});
  }
  const sched_param param{};
  if (::sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
    core::Log(core::LogLevel::kWarning, "reload_priority",
              {{"policy", "SCHED_IDLE"}, {"error", std::strerror(errno)}});
  }
}

// Used when no key is configured: tokens are then integrity-checked, not
// secret-signed (see docs/OPERATIONS.md).
constexpr char kBuiltInPageTokenKey[] = "recsys built-in page token key v1";

}  // namespace

absl::StatusOr<std::unique_ptr<RecsysServer>> RecsysServer::Start(
    const ServerOptions& options) {
  if (options.model_dir.empty()) {
    return absl::InvalidArgumentError("a model directory is required");
  }
  // Before anything else: a server that would listen unprotected must not
  // start at all, not even its metrics port.
  ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::ServerCredentials> credentials,
      ListenCredentials(options.listen_address,
                        TlsFiles{.cert_file = options.tls_cert_file,
                                 .key_file = options.tls_key_file,
                                 .client_ca_file = options.tls_client_ca_file},
                        options.allow_insecure ? InsecureListening::kAllow
                                               : InsecureListening::kRefuse));
  std::unique_ptr<RecsysServer> s(new RecsysServer());
  storage::RocksDbStoreOptions store_options;
  store_options.block_cache_bytes = options.user_cache_bytes;
  store_options.loader_thread_init = options.loader_thread_init;
  ASSIGN_OR_RETURN(s->store_, storage::RocksDbModelStore::Open(
                                  options.model_dir, store_options));
  ASSIGN_OR_RETURN(s->metrics_, ServerMetrics::Start(options.metrics_address));
  s->models_ = std::make_unique<ModelHolder>(s->store_.get(), s->metrics_.get(),
                                             options.serving);
  s->metrics_->AddScrapeCallback([store = s->store_.get(),
                                  models = s->models_.get()] {
    const storage::BlockCacheStats cache = store->CacheStats();
    const std::shared_ptr<const core::ServingModel> model = models->Get();
    return std::vector<prometheus::MetricFamily>{
        CounterFamily("recsys_user_cache_hits_total",
                      "Block cache hits of the model store (user vectors "
                      "and histories; --user_cache_mb).",
                      static_cast<double>(cache.hits)),
        CounterFamily("recsys_user_cache_misses_total",
                      "Block cache misses of the model store (reads from "
                      "disk).",
                      static_cast<double>(cache.misses)),
        GaugeFamily("recsys_user_cache_bytes",
                    "Bytes held by the model store's block cache.",
                    static_cast<double>(cache.usage_bytes)),
        GaugeFamily("recsys_user_cache_capacity_bytes",
                    "Capacity of the model store's block cache.",
                    static_cast<double>(cache.capacity_bytes)),
        GaugeFamily("recsys_serving_two_stage",
                    "1 when the served model answers through its track "
                    "indexes, 0 when it scores every track.",
                    model != nullptr && model->two_stage() ? 1.0 : 0.0),
        CounterFamily("recsys_exhaustive_fallbacks_total",
                      "Two-stage requests whose filters left too few "
                      "candidates, so every track was scored (resets when "
                      "a new model is loaded).",
                      model != nullptr
                          ? static_cast<double>(model->exhaustive_fallbacks())
                          : 0.0),
        CounterFamily("recsys_widened_first_stages_total",
                      absl::StrCat("Two-stage requests whose filters left "
                                   "too few candidates, so the index was "
                                   "searched again for ",
                                   core::kWidenFactor,
                                   " times as many (resets when a new model "
                                   "is loaded)."),
                      model != nullptr
                          ? static_cast<double>(model->widened_first_stages())
                          : 0.0),
        CounterFamily("recsys_precomputed_first_stages_total",
                      "Two-stage requests that took the user's candidate "
                      "list computed at publication instead of searching "
                      "the index (resets when a new model is loaded).",
                      model != nullptr ? static_cast<double>(
                                             model->precomputed_first_stages())
                                       : 0.0),
    };
  });
  if (absl::Status loaded = s->models_->Refresh(); !loaded.ok()) {
    if (!(options.allow_empty_store && absl::IsNotFound(loaded))) return loaded;
    core::Log(core::LogLevel::kWarning, "no_model",
              {{"model_dir", options.model_dir}, {"detail", loaded.message()}});
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ASSIGN_OR_RETURN(
      VariantAssigner variants,
      VariantAssigner::Parse(options.experiment, options.variants));
  s->variants_ = std::make_unique<VariantAssigner>(std::move(variants));
  std::string key = options.page_token_key;
  if (key.empty()) {
    key = kBuiltInPageTokenKey;
    core::Log(core::LogLevel::kWarning, "page_token_key_missing",
              {{"detail", "radio page tokens use the built-in key"}});
  } else if (key.size() < 16) {
    return absl::InvalidArgumentError(
        "the page token key must be at least 16 bytes");
  }
  s->page_tokens_ = std::make_unique<PageTokenCodec>(
      std::move(key), options.page_token_max_age);
  if (!options.event_log_dir.empty()) {
    core::EventLogOptions log_options;
    log_options.dir = options.event_log_dir;
    log_options.max_file_bytes = options.event_log_max_file_bytes;
    log_options.fsync_each_append = options.event_log_fsync;
    ASSIGN_OR_RETURN(s->event_log_, core::EventLogWriter::Open(log_options));
  }
  ServiceDeps deps;
  deps.models = s->models_.get();
  deps.metrics = s->metrics_.get();
  deps.variants = s->variants_.get();
  deps.page_tokens = s->page_tokens_.get();
  deps.event_log = s->event_log_.get();
  deps.max_concurrent_rpcs = options.max_concurrent_rpcs;
  deps.rpc_gate_for_testing = options.rpc_gate_for_testing;
  s->service_ = std::make_unique<RecommenderService>(deps);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, credentials, &s->grpc_port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  s->UpdateHealth();
  if (options.reload_interval > absl::ZeroDuration()) {
    s->reloader_ =
        std::thread([srv = s.get(), interval = options.reload_interval,
                     init = options.loader_thread_init,
                     reserve = options.reserve_swap_memory] {
          if (init) init();
          srv->ReloadLoop(interval, reserve);
        });
  }
  core::Log(core::LogLevel::kInfo, "server_started",
            {{"grpc_port", s->grpc_port_},
             {"metrics_port", s->metrics_->port()},
             {"transport", options.tls_cert_file.empty()        ? "plaintext"
                           : options.tls_client_ca_file.empty() ? "tls"
                                                                : "mtls"},
             {"model_dir", options.model_dir}});
  return s;
}

void RecsysServer::UpdateHealth() {
  const bool serving = models_->Get() != nullptr;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

void RecsysServer::ReloadLoop(absl::Duration interval, bool reserve) {
  // Loading a new version in the background must not take CPU from the
  // requests being served. On a server with no idle CPU at all, new
  // versions therefore wait until some is left.
  LowerReloaderPriority();
  if (reserve && models_->Get() != nullptr) {
    if (absl::Status reserved = models_->ReserveSwapMemory(); !reserved.ok()) {
      core::Log(core::LogLevel::kWarning, "swap_memory_reserved",
                {{"error", reserved.message()}});
    }
  }
  absl::MutexLock lock(&mu_);
  for (;;) {
    const auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_;
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval)) return;
    mu_.Unlock();
    // Refresh logs and counts its own failures; an unchanged or refused
    // version is not news.
    (void)models_->Refresh();
    UpdateHealth();
    mu_.Lock();
  }
}

void RecsysServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  // Load balancers see NOT_SERVING first and stop sending new calls. This
  // comes before joining the reloader, which may be in the middle of a
  // model load; its later UpdateHealth() is ignored after Shutdown().
  server_->GetHealthCheckService()->Shutdown();
  if (reloader_.joinable()) reloader_.join();
  // Stops accepting calls at once; in-flight ones get `grace` to finish and
  // are cancelled after it.
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  core::Log(core::LogLevel::kInfo, "server_stopped");
}

void RecsysServer::Wait() { server_->Wait(); }

RecsysServer::~RecsysServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
  // The scrape callback reads the store and the model holder.
  if (metrics_ != nullptr) metrics_->StopScrapeCallbacks();
}

}  // namespace recsys::server
