// recsys-server: serves the model store's current version over gRPC.
#include <csignal>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
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
ABSL_FLAG(bool, allow_empty_store, false,
          "Start without a published model (NOT_SERVING until one appears).");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM/SIGINT, how long in-flight RPCs may take to finish.");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

int main(int argc, char** argv) {
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
  if (absl::GetFlag(FLAGS_model_dir).empty()) {
    std::fprintf(stderr, "--model_dir is required (see --help)\n");
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
  options.allow_empty_store = absl::GetFlag(FLAGS_allow_empty_store);
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
