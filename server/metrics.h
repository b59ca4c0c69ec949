// The server's Prometheus metrics, exported by prometheus-cpp on their own
// HTTP port (path /metrics). Names follow Prometheus conventions; see
// docs/OPERATIONS.md for what to alert on.
//
// Thread-safe: every method may be called from any RPC thread.
#ifndef RECSYS_SERVER_METRICS_H_
#define RECSYS_SERVER_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace recsys::server {

class ServerMetrics {
 public:
  // Starts the HTTP exposer on `listen_address` ("127.0.0.1:9464"; port 0
  // picks a free one). INVALID_ARGUMENT / UNAVAILABLE when it cannot bind.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServerMetrics>> Start(
      const std::string& listen_address);

  // The port the exposer listens on.
  int port() const { return port_; }

  // One finished RPC: `code` is the gRPC status code name ("OK").
  void ObserveRpc(absl::string_view method, absl::string_view code,
                  double seconds);
  // An RPC refused with RESOURCE_EXHAUSTED because the server was at its
  // concurrency limit (also counted by ObserveRpc).
  void CountRejected(absl::string_view method);
  // Items returned by one RPC.
  void ObserveItems(absl::string_view method, int64_t items);
  // A user answered without a stored vector.
  void CountColdStart();
  // A personalised answer on `surface` by A/B variant `variant`.
  void CountVariant(absl::string_view surface, absl::string_view variant);
  // One app event reported through Feedback.
  void CountFeedback(absl::string_view surface, absl::string_view variant,
                     absl::string_view type);

  // The version now served, its creation time (Unix seconds) and sizes.
  void SetModel(const std::string& version, int64_t created_at_seconds);
  // A reload attempt: "success" or "failure".
  void CountReload(bool success);

  // Metrics computed when Prometheus scrapes: `collect` returns their
  // families (see CounterFamily() / GaugeFamily()). Call
  // StopScrapeCallbacks() before anything `collect` reads is destroyed; a
  // scrape from then on leaves them out.
  void AddScrapeCallback(
      std::function<std::vector<prometheus::MetricFamily>()> collect);
  void StopScrapeCallbacks();

  prometheus::Registry& registry() { return *registry_; }

 private:
  class ScrapeCallback;
  ServerMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  prometheus::Family<prometheus::Histogram>* rpc_duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* rpc_total_ = nullptr;
  prometheus::Family<prometheus::Counter>* rpc_rejected_ = nullptr;
  prometheus::Family<prometheus::Histogram>* rpc_items_ = nullptr;
  prometheus::Counter* cold_start_ = nullptr;
  prometheus::Family<prometheus::Counter>* variant_answers_ = nullptr;
  prometheus::Family<prometheus::Counter>* feedback_ = nullptr;
  prometheus::Family<prometheus::Gauge>* model_info_ = nullptr;
  prometheus::Gauge* model_created_ = nullptr;
  prometheus::Gauge* model_loaded_ = nullptr;
  prometheus::Counter* reload_success_ = nullptr;
  prometheus::Counter* reload_failure_ = nullptr;

  absl::Mutex mu_;
  prometheus::Gauge* current_info_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::shared_ptr<ScrapeCallback>> scrape_callbacks_
      ABSL_GUARDED_BY(mu_);
};

// One unlabelled sample as a metric family, for scrape callbacks.
prometheus::MetricFamily CounterFamily(std::string name, std::string help,
                                       double value);
prometheus::MetricFamily GaugeFamily(std::string name, std::string help,
                                     double value);

}  // namespace recsys::server

#endif  // RECSYS_SERVER_METRICS_H_
