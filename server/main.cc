// recsys-server: serves the model store's current version over gRPC.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/mutexes.h"
#include "server/allocator.h"
#include "server/server.h"

ABSL_FLAG(std::string, model_dir, "",
          "Model store directory written by recsys-train (required).");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC listen address host:port; port 0 picks a free port.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus /metrics listen address host:port.");
ABSL_FLAG(int, reload_interval_seconds, 10,
          "How often to check for a newly published model; 0 disables.");
ABSL_FLAG(int64_t, user_cache_mb, 256,
          "RocksDB block cache for user vectors and histories, in MiB.");
ABSL_FLAG(int64_t, exhaustive_max_tracks, 20000,
          "Catalogs of up to this many tracks are scored exhaustively; larger "
          "ones through the model's nearest-neighbour indexes (two-stage).");
ABSL_FLAG(int, ef_search, 128,
          "Candidate list of an index search (recall against speed; the "
          "candidates asked per request, 192 or more, raise it further).");
ABSL_FLAG(bool, allow_empty_store, false,
          "Start without a published model (NOT_SERVING until one appears).");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM/SIGINT, how long in-flight RPCs may take to finish.");
ABSL_FLAG(int, max_concurrent_rpcs, 64,
          "Recommender RPCs in flight at once; more get RESOURCE_EXHAUSTED "
          "at once (clients retry with backoff). 0: no limit.");
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "Largest request message accepted, in bytes; larger ones get "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(bool, retain_freed_memory, true,
          "Keep the memory a replaced model version frees for the next load "
          "instead of returning it to the system, and reserve it from the "
          "start (the served version is loaded once more in the background "
          "and freed): a swap then maps almost no new pages, and the RSS is "
          "about two versions. false: freed pages go back after about 30 s, "
          "nothing is reserved (jemalloc only).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");
ABSL_FLAG(std::string, experiment, "default",
          "A/B experiment name; users are assigned to variants by a hash of "
          "it and the user id.");
ABSL_FLAG(std::string, variants, "",
          "A/B variants: name:share[:cf=W,content=W,popularity=W];... e.g. "
          "'control:90;discovery:10:popularity=0.05'. Empty: one variant, "
          "'default'.");
ABSL_FLAG(std::string, page_token_key_file, "",
          "File holding the secret (>= 16 bytes) that signs radio page "
          "tokens; the same on every replica. Empty: a built-in key "
          "(tokens checked, not secret).");
ABSL_FLAG(int, page_token_max_age_hours, 24,
          "Radio page tokens older than this are refused as stale.");
ABSL_FLAG(std::string, event_log_dir, "",
          "Directory of the feedback event log (recsys-train --events reads "
          "it). Empty: Feedback events are counted, not logged.");
ABSL_FLAG(int64_t, event_log_max_mb, 64,
          "Rotate event log files at this size.");
ABSL_FLAG(bool, event_log_fsync, false,
          "fdatasync the event log after every Feedback call (survives power "
          "loss; slower). A process crash loses nothing either way.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the gRPC port; with --tls_key, serve TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require client certificates signed by it (mutual "
          "TLS). Needs --tls_cert and --tls_key.");
ABSL_FLAG(bool, allow_insecure, false,
          "Allow plaintext gRPC on a non-loopback --listen address (without "
          "TLS only 127.0.0.0/8, [::1] and localhost are allowed).");

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  absl::FlagsUsageConfig usage_config;
  // --help lists this binary's own flags, not those of linked libraries.
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "Serves music recommendations over gRPC (recsys.v1.Recommender, "
      "grpc.health.v1, reflection) from a model store.\n"
      "Usage: recsys-server --model_dir=DIR [--listen=127.0.0.1:50051] "
      "[--metrics_listen=127.0.0.1:9464]");
  absl::ParseCommandLine(argc, argv);
  using recsys::core::LogLevel;
  std::optional<LogLevel> level =
      recsys::core::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level) {
    std::fprintf(stderr, "--log_level must be debug, info, warning or error\n");
    return 2;
  }
  recsys::core::SetMinLogLevel(*level);
  const absl::StatusOr<bool> retained = recsys::server::RetainFreedMemory(
      absl::GetFlag(FLAGS_retain_freed_memory));
  if (!retained.ok()) {
    recsys::core::Log(LogLevel::kWarning, "allocator",
                      {{"error", retained.status().message()}});
  }
  // Model versions, the first one included, are loaded on threads bound to
  // one arena (this one's too), so that any load reuses what an earlier
  // version freed.
  if (const absl::Status arena = recsys::server::UseModelArena(); !arena.ok()) {
    recsys::core::Log(LogLevel::kWarning, "allocator",
                      {{"error", arena.message()}});
  }
  recsys::core::Log(LogLevel::kInfo, "allocator",
                    {{"allocator", recsys::server::AllocatorDescription()}});
  if (absl::GetFlag(FLAGS_model_dir).empty()) {
    std::fprintf(stderr, "--model_dir is required (see --help)\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_ef_search) < 1 ||
      absl::GetFlag(FLAGS_ef_search) > 100000 ||
      absl::GetFlag(FLAGS_exhaustive_max_tracks) < 0) {
    std::fprintf(stderr,
                 "--ef_search must be in 1..100000 and "
                 "--exhaustive_max_tracks >= 0\n");
    return 2;
  }

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  recsys::server::ServerOptions options;
  options.model_dir = absl::GetFlag(FLAGS_model_dir);
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_listen);
  options.reload_interval =
      absl::Seconds(absl::GetFlag(FLAGS_reload_interval_seconds));
  options.user_cache_bytes = absl::GetFlag(FLAGS_user_cache_mb) << 20;
  options.loader_thread_init = [] {
    // Logged once by the main thread above when it fails.
    (void)recsys::server::UseModelArena();
  };
  options.reserve_swap_memory = retained.value_or(false);
  options.serving.exhaustive_max_tracks =
      absl::GetFlag(FLAGS_exhaustive_max_tracks);
  options.serving.ef_search = absl::GetFlag(FLAGS_ef_search);
  options.allow_empty_store = absl::GetFlag(FLAGS_allow_empty_store);
  options.experiment = absl::GetFlag(FLAGS_experiment);
  options.variants = absl::GetFlag(FLAGS_variants);
  options.page_token_max_age =
      absl::Hours(absl::GetFlag(FLAGS_page_token_max_age_hours));
  options.event_log_dir = absl::GetFlag(FLAGS_event_log_dir);
  options.event_log_max_file_bytes = absl::GetFlag(FLAGS_event_log_max_mb)
                                     << 20;
  options.event_log_fsync = absl::GetFlag(FLAGS_event_log_fsync);
  options.max_concurrent_rpcs = absl::GetFlag(FLAGS_max_concurrent_rpcs);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  if (const std::string path = absl::GetFlag(FLAGS_page_token_key_file);
      !path.empty()) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream key;
    key << in.rdbuf();
    if (!in) {
      std::fprintf(stderr, "cannot read --page_token_key_file %s\n",
                   path.c_str());
      return 2;
    }
    options.page_token_key = key.str();
  }
  absl::StatusOr<std::unique_ptr<recsys::server::RecsysServer>> server =
      recsys::server::RecsysServer::Start(options);
  if (!server.ok()) {
    recsys::core::Log(
        LogLevel::kError, "start_failed",
        {{"code", absl::StatusCodeToString(server.status().code())},
         {"error", server.status().message()}});
    return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  recsys::core::Log(LogLevel::kInfo, "shutdown_requested",
                    {{"signal", signal}});
  (*server)->Shutdown(
      absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  return 0;
}
