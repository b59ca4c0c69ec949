#include "server/metrics.h"

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace recsys::server {
namespace {

// 100 µs .. 10 s: the serving path is expected around a millisecond, and the
// upper buckets keep slow outliers visible.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{
          0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Start(
    const std::string& listen_address) {
  std::unique_ptr<ServerMetrics> m(new ServerMetrics());
  m->registry_ = std::make_shared<prometheus::Registry>();
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(listen_address, 2);
  } catch (const std::exception& e) {
    // civetweb reports bind failures by throwing.
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                               listen_address, ": ", e.what()));
  }
  const std::vector<int> ports = m->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("metrics exposer is not listening on ", listen_address));
  }
  m->port_ = ports.front();
  m->exposer_->RegisterCollectable(m->registry_);

  m->rpc_duration_ = &prometheus::BuildHistogram()
                          .Name("recsys_rpc_duration_seconds")
                          .Help(
                              "Server-side latency of each RPC, by method and "
                              "gRPC status code.")
                          .Register(*m->registry_);
  m->rpc_total_ = &prometheus::BuildCounter()
                       .Name("recsys_rpc_requests_total")
                       .Help("RPCs finished, by method and gRPC status code.")
                       .Register(*m->registry_);
  m->rpc_rejected_ =
      &prometheus::BuildCounter()
           .Name("recsys_rpc_rejected_total")
           .Help(
               "RPCs refused with RESOURCE_EXHAUSTED at the concurrency limit "
               "(--max_concurrent_rpcs), by method.")
           .Register(*m->registry_);
  m->rpc_items_ = &prometheus::BuildHistogram()
                       .Name("recsys_rpc_items")
                       .Help("Items (tracks or artists) returned per RPC.")
                       .Register(*m->registry_);
  m->cold_start_ =
      &prometheus::BuildCounter()
           .Name("recsys_cold_start_requests_total")
           .Help("Recommend calls for users without a stored vector.")
           .Register(*m->registry_)
           .Add({});
  m->variant_answers_ =
      &prometheus::BuildCounter()
           .Name("recsys_variant_answers_total")
           .Help("Personalised answers by surface and A/B variant.")
           .Register(*m->registry_);
  m->feedback_ = &prometheus::BuildCounter()
                      .Name("recsys_feedback_events_total")
                      .Help(
                          "App events reported through Feedback, by surface, "
                          "variant and type (impression, play, skip, like, "
                          "dislike).")
                      .Register(*m->registry_);
  m->model_info_ = &prometheus::BuildGauge()
                        .Name("recsys_model_info")
                        .Help("1 for the model version being served.")
                        .Register(*m->registry_);
  m->model_created_ =
      &prometheus::BuildGauge()
           .Name("recsys_model_created_timestamp_seconds")
           .Help(
               "Creation time of the served model (Unix seconds); "
               "time() minus this is the model's age.")
           .Register(*m->registry_)
           .Add({});
  m->model_loaded_ = &prometheus::BuildGauge()
                          .Name("recsys_model_loaded")
                          .Help("1 once a model is loaded and RPCs are served.")
                          .Register(*m->registry_)
                          .Add({});
  auto& reloads = prometheus::BuildCounter()
                      .Name("recsys_model_reloads_total")
                      .Help("Model loads, by result (success or failure).")
                      .Register(*m->registry_);
  m->reload_success_ = &reloads.Add({{"result", "success"}});
  m->reload_failure_ = &reloads.Add({{"result", "failure"}});
  return m;
}

void ServerMetrics::ObserveRpc(absl::string_view method, absl::string_view code,
                               double seconds) {
  const std::map<std::string, std::string> labels = {
      {"method", std::string(method)}, {"code", std::string(code)}};
  rpc_duration_->Add(labels, LatencyBuckets()).Observe(seconds);
  rpc_total_->Add(labels).Increment();
}

void ServerMetrics::CountRejected(absl::string_view method) {
  rpc_rejected_->Add({{"method", std::string(method)}}).Increment();
}

void ServerMetrics::ObserveItems(absl::string_view method, int64_t items) {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{0,  1,   5,   10, 20,
                                                  50, 100, 200, 500};
  rpc_items_->Add({{"method", std::string(method)}}, *buckets)
      .Observe(static_cast<double>(items));
}

void ServerMetrics::CountColdStart() { cold_start_->Increment(); }

void ServerMetrics::CountVariant(absl::string_view surface,
                                 absl::string_view variant) {
  variant_answers_
      ->Add({{"surface", std::string(surface)},
             {"variant", std::string(variant)}})
      .Increment();
}

void ServerMetrics::CountFeedback(absl::string_view surface,
                                  absl::string_view variant,
                                  absl::string_view type) {
  feedback_
      ->Add({{"surface", std::string(surface)},
             {"variant", std::string(variant)},
             {"type", std::string(type)}})
      .Increment();
}

void ServerMetrics::SetModel(const std::string& version,
                             int64_t created_at_seconds) {
  absl::MutexLock lock(&mu_);
  if (current_info_ != nullptr) model_info_->Remove(current_info_);
  current_info_ = &model_info_->Add({{"version", version}});
  current_info_->Set(1);
  model_created_->Set(static_cast<double>(created_at_seconds));
  model_loaded_->Set(1);
}

void ServerMetrics::CountReload(bool success) {
  (success ? reload_success_ : reload_failure_)->Increment();
}

class ServerMetrics::ScrapeCallback : public prometheus::Collectable {
 public:
  explicit ScrapeCallback(
      std::function<std::vector<prometheus::MetricFamily>()> collect)
      : collect_(std::move(collect)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    if (!collect_) return {};
    return collect_();
  }
  // Waits for a Collect() in progress.
  void Stop() {
    absl::MutexLock lock(&mu_);
    collect_ = nullptr;
  }

 private:
  mutable absl::Mutex mu_;
  std::function<std::vector<prometheus::MetricFamily>()> collect_
      ABSL_GUARDED_BY(mu_);
};

void ServerMetrics::AddScrapeCallback(
    std::function<std::vector<prometheus::MetricFamily>()> collect) {
  auto callback = std::make_shared<ScrapeCallback>(std::move(collect));
  exposer_->RegisterCollectable(callback);
  absl::MutexLock lock(&mu_);
  scrape_callbacks_.push_back(std::move(callback));
}

void ServerMetrics::StopScrapeCallbacks() {
  absl::MutexLock lock(&mu_);
  for (const auto& callback : scrape_callbacks_) {
    callback->Stop();
    exposer_->RemoveCollectable(callback);
  }
  scrape_callbacks_.clear();
}

namespace {

prometheus::MetricFamily OneSample(std::string name, std::string help,
                                   prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric sample;
  if (type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
  return family;
}

}  // namespace

prometheus::MetricFamily CounterFamily(std::string name, std::string help,
                                       double value) {
  return OneSample(std::move(name), std::move(help),
                   prometheus::MetricType::Counter, value);
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help,
                                     double value) {
  return OneSample(std::move(name), std::move(help),
                   prometheus::MetricType::Gauge, value);
}

}  // namespace recsys::server
