// recsys-loadgen: drives a recsys server with a mix of RPCs for a bounded
// time and reports throughput, status codes, latency percentiles and its own
// CPU time.
//
//   recsys-loadgen --target=127.0.0.1:50051 --duration_s=60 [--concurrency=8]
//                  [--qps=500] [--mix=recommend:60,radio:20,related:10,
//                  now_playing:10] [--users=N --tracks=N --artists=N] [--json]
//
// RPCs of --mix: recommend, radio, related (RelatedArtists), now_playing,
// model_info (GetModelInfo) and health: a grpc.health.v1 Check of
// --health_service ("" = the whole server), the cheapest call the server
// answers, i.e. the baseline cost of an RPC. A health answer other than
// SERVING is counted as a failure under the code HEALTH_<status> (e.g.
// HEALTH_NOT_SERVING), not as OK.
//
// Modes:
//   closed loop (default): --concurrency calls are kept in flight; each
//     completion sends the next call. Measures the server's capacity.
//   fixed rate (--qps=R): calls are sent on a fixed schedule whatever the
//     answers do (open loop). Latency is measured from the scheduled send
//     time, so a stalled server shows up as latency rather than as fewer
//     samples. --concurrency then caps the calls in flight; a scheduled call
//     that finds the cap reached is not sent and is counted as "skipped".
//
// Ids follow the demo world's scheme (core/demo_world.cc): users u000000..,
// tracks tr000000.., artists ar000000.. (at least six digits); with --users,
// --tracks and --artists equal to the demo sizes every id exists.
//
// --calls_out=FILE also writes every scheduled call, one CSV line each, so
// that a benchmark can cut one load into windows (e.g. around model swaps):
//   # recsys-loadgen calls start_unix_ms=<wall clock of the load's start>
//   scheduled_ms,latency_ms,rpc,code
// scheduled_ms is the call's scheduled start after the load's start;
// latency_ms is empty, rpc "-" and code NOT_SENT for a call skipped at the
// in-flight cap (its kind is drawn only when it is sent).
//
// Plaintext gRPC only (a loopback or otherwise trusted network).
// Exit codes: 0 the run completed (whatever the RPCs answered); 1 writing
// --calls_out failed; 2 bad flags (or a --calls_out that cannot be created).
// Latency percentiles come from a log-scale histogram (about 1% resolution).
// The report also gives the load generator's own CPU time (cpu_s: user plus
// system, all threads, from the first call to the end of the last), so that
// a benchmark on a shared machine can tell its share from the server's.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/mutexes.h"
#include "google/protobuf/arena.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "recsys/v1/recommender.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address host:port.");
ABSL_FLAG(int, duration_s, 0,
          "How long to send, in seconds (required; 1..3600). SIGINT or "
          "SIGTERM stops sending sooner; the report then covers the calls "
          "sent until then.");
ABSL_FLAG(int, concurrency, 8,
          "Closed loop: calls kept in flight. With --qps: the cap on calls in "
          "flight.");
ABSL_FLAG(double, qps, 0,
          "Fixed-rate mode: calls per second, sent on schedule (0 = closed "
          "loop).");
ABSL_FLAG(std::string, mix, "recommend:60,radio:20,related:10,now_playing:10",
          "Weights of the RPCs: recommend, radio, related, now_playing, "
          "model_info, health (a grpc.health.v1 Check: the empty-RPC "
          "baseline).");
ABSL_FLAG(std::string, health_service, "",
          "health: the service name checked (\"\" = the whole server, or "
          "recsys.v1.Recommender).");
ABSL_FLAG(int64_t, users, 2000, "Users in the model: ids u000000 .. N-1.");
ABSL_FLAG(int64_t, tracks, 5000, "Tracks in the model: ids tr000000 .. N-1.");
ABSL_FLAG(int64_t, artists, 0,
          "Artists in the model: ids ar000000 .. N-1 (0 = tracks / 8, the demo "
          "world's default).");
ABSL_FLAG(int, count, 20, "Items asked per call.");
ABSL_FLAG(int, deadline_ms, 1000, "Deadline of each call, in milliseconds.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the id and RPC choices.");
ABSL_FLAG(bool, json, false, "Print the report as one JSON object.");
ABSL_FLAG(std::string, calls_out, "",
          "Also write every scheduled call to this CSV file: scheduled_ms "
          "(after the load's start, whose wall clock the first line gives), "
          "latency_ms, rpc, code (NOT_SENT: skipped at the in-flight cap).");

namespace {

namespace pb = ::recsys::v1;
namespace health_pb = ::grpc::health::v1;
using SteadyClock = std::chrono::steady_clock;

enum class Rpc {
  kRecommend,
  kRadio,
  kRelated,
  kNowPlaying,
  kModelInfo,
  kHealth
};
constexpr std::pair<const char*, Rpc> kRpcNames[] = {
    {"recommend", Rpc::kRecommend},  {"radio", Rpc::kRadio},
    {"related", Rpc::kRelated},      {"now_playing", Rpc::kNowPlaying},
    {"model_info", Rpc::kModelInfo}, {"health", Rpc::kHealth},
};

const char* RpcName(Rpc rpc) {
  for (const auto& [name, value] : kRpcNames) {
    if (value == rpc) return name;
  }
  return "?";
}

struct WeightedRpc {
  Rpc rpc;
  double cumulative;  // upper end of its share of [0, total)
};

// "recommend:60,radio:20" -> cumulative weights; INVALID_ARGUMENT on a bad
// name or weight.
absl::StatusOr<std::vector<WeightedRpc>> ParseMix(const std::string& spec) {
  std::vector<WeightedRpc> mix;
  double total = 0;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, ':');
    double weight = 0;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &weight) || weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mix entry \"", part, "\" is not name:weight"));
    }
    const auto* found =
        std::find_if(std::begin(kRpcNames), std::end(kRpcNames),
                     [&](const auto& entry) { return kv[0] == entry.first; });
    if (found == std::end(kRpcNames)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mix: unknown RPC \"", kv[0], "\" (",
                       absl::StrJoin(kRpcNames, ", ",
                                     [](std::string* out, const auto& entry) {
                                       out->append(entry.first);
                                     }),
                       ")"));
    }
    if (weight == 0) continue;
    total += weight;
    mix.push_back({found->second, total});
  }
  if (mix.empty()) {
    return absl::InvalidArgumentError("--mix gives no RPC a positive weight");
  }
  return mix;
}

// The demo world's ids: prefix + index, zero-padded to at least 6 digits.
std::string DemoId(const char* prefix, int64_t index, int64_t count) {
  const int width = std::max<int>(
      6,
      static_cast<int>(absl::StrCat(std::max<int64_t>(count - 1, 0)).size()));
  return absl::StrFormat("%s%0*d", prefix, width, index);
}

// Latencies in a log-scale histogram: bucket i holds [e^(i/100) - 1,
// e^((i+1)/100) - 1) microseconds, i.e. about 1% wide; bounded memory for
// any run length.
class LatencyHistogram {
 public:
  void Add(double micros) {
    const size_t i =
        static_cast<size_t>(std::log1p(std::max(micros, 0.0)) * 100);
    if (i >= counts_.size()) counts_.resize(i + 1);
    ++counts_[i];
    ++total_;
  }
  int64_t total() const { return total_; }
  // The q-quantile (0 < q <= 1) in milliseconds, as its bucket's upper end.
  double QuantileMs(double q) const {
    if (total_ == 0) return 0;
    const double rank = std::ceil(q * static_cast<double>(total_));
    int64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (static_cast<double>(seen) >= rank) {
        return std::expm1(static_cast<double>(i + 1) / 100) / 1000;
      }
    }
    return std::expm1(static_cast<double>(counts_.size()) / 100) / 1000;
  }

 private:
  std::vector<int64_t> counts_;
  int64_t total_ = 0;
};

struct Config {
  std::string target;
  std::chrono::seconds duration{0};
  int concurrency = 8;
  double qps = 0;
  std::vector<WeightedRpc> mix;
  int64_t users = 0, tracks = 0, artists = 0;
  int count = 20;
  std::chrono::milliseconds deadline{1000};
  uint64_t seed = 1;
  std::string health_service;
  std::FILE* calls_out = nullptr;  // --calls_out, or null
};

// One call in flight; deleted by its completion callback. Its request and
// response live on an arena whose first block is part of the call: parsing
// a 20-item Recommend answer would otherwise cost a malloc and a free for
// each of its ~250 nested messages and strings. malloc and free were about
// a quarter of the load generator's CPU (docs/BENCHMARKS.md): CPU a load on
// the server's own machine takes from the server.
template <typename Request, typename Response>
struct Call {
  static constexpr size_t kBlockBytes = 16 << 10;  // a Recommend answer fits

  Call()
      : arena(ArenaOptions(block)),
        request(*google::protobuf::Arena::CreateMessage<Request>(&arena)),
        response(*google::protobuf::Arena::CreateMessage<Response>(&arena)) {}

  static google::protobuf::ArenaOptions ArenaOptions(char* first_block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = first_block;
    options.initial_block_size = kBlockBytes;
    return options;
  }

  alignas(std::max_align_t) char block[kBlockBytes];
  google::protobuf::Arena arena;  // after `block`, which it uses
  grpc::ClientContext context;
  Request& request;
  Response& response;
};

std::string GrpcStatusName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames))
             ? kNames[i]
             : absl::StrCat("CODE_", i);
}

// The code a finished call is counted under: its gRPC status code.
template <typename Request, typename Response>
std::string OutcomeName(const grpc::Status& status,
                        const Call<Request, Response>& call) {
  return GrpcStatusName(status.error_code());
}

// A health check that completed but answered anything but SERVING did not
// find a serving server: it counts as HEALTH_<status>, a failure.
std::string OutcomeName(const grpc::Status& status,
                        const Call<health_pb::HealthCheckRequest,
                                   health_pb::HealthCheckResponse>& call) {
  if (status.ok() &&
      call.response.status() != health_pb::HealthCheckResponse::SERVING) {
    return absl::StrCat("HEALTH_",
                        health_pb::HealthCheckResponse::ServingStatus_Name(
                            call.response.status()));
  }
  return GrpcStatusName(status.error_code());
}

// User plus system CPU time of this process so far, all threads.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) +
           1e-6 * static_cast<double>(t.tv_usec);
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Set by SIGINT / SIGTERM: stop sending, finish the calls in flight, report.
std::atomic<bool> stop_requested{false};

void RequestStop(int) { stop_requested.store(true); }

class LoadGenerator {
 public:
  explicit LoadGenerator(Config config)
      : config_(std::move(config)),
        channel_(grpc::CreateChannel(config_.target,
                                     grpc::InsecureChannelCredentials())),
        stub_(pb::Recommender::NewStub(channel_)),
        health_stub_(health_pb::Health::NewStub(channel_)) {}

  void Run() {
    const double cpu_at_start = ProcessCpuSeconds();
    start_ = SteadyClock::now();
    end_ = start_ + config_.duration;
    if (config_.calls_out != nullptr) {
      const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch());
      std::fprintf(config_.calls_out,
                   "# recsys-loadgen calls start_unix_ms=%lld\n"
                   "scheduled_ms,latency_ms,rpc,code\n",
                   static_cast<long long>(wall.count()));
    }
    if (config_.qps > 0) {
      RunFixedRate();
    } else {
      for (int i = 0; i < config_.concurrency; ++i) Send(SteadyClock::now());
    }
    // Calls have deadlines, so in-flight ones end soon after `end_`.
    absl::MutexLock lock(&mu_);
    const auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return in_flight_ == 0;
    };
    mu_.Await(absl::Condition(&idle));
    elapsed_ =
        std::chrono::duration<double>(std::max(last_done_, start_) - start_)
            .count();
    cpu_s_ = ProcessCpuSeconds() - cpu_at_start;
  }

  void Report(bool json) {
    absl::MutexLock lock(&mu_);
    const int64_t requests = latency_.total();
    const double qps =
        elapsed_ > 0 ? static_cast<double>(requests) / elapsed_ : 0;
    int64_t errors = 0;
    for (const auto& [code, n] : codes_) {
      if (code != "OK") errors += n;
    }
    const std::pair<const char*, double> quantiles[] = {
        {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};
    if (json) {
      std::vector<std::string> fields = {
          absl::StrFormat("\"duration_s\":%.3f", elapsed_),
          absl::StrCat("\"requests\":", requests),
          absl::StrFormat("\"qps\":%.1f", qps),
          absl::StrCat("\"errors\":", errors),
          absl::StrCat("\"skipped\":", skipped_),
          absl::StrFormat("\"cpu_s\":%.3f", cpu_s_)};
      std::vector<std::string> codes, rpcs, lat;
      for (const auto& [code, n] : codes_) {
        codes.push_back(absl::StrCat("\"", code, "\":", n));
      }
      for (const auto& [rpc, n] : by_rpc_) {
        rpcs.push_back(absl::StrCat("\"", rpc, "\":", n));
      }
      for (const auto& [name, q] : quantiles) {
        lat.push_back(
            absl::StrFormat("\"%s\":%.3f", name, latency_.QuantileMs(q)));
      }
      fields.push_back(
          absl::StrCat("\"codes\":{", absl::StrJoin(codes, ","), "}"));
      fields.push_back(
          absl::StrCat("\"rpcs\":{", absl::StrJoin(rpcs, ","), "}"));
      fields.push_back(
          absl::StrCat("\"latency_ms\":{", absl::StrJoin(lat, ","), "}"));
      std::printf("{%s}\n", absl::StrJoin(fields, ",").c_str());
      return;
    }
    std::printf("duration %.1f s, %lld requests, %.1f QPS, %lld errors",
                elapsed_, static_cast<long long>(requests), qps,
                static_cast<long long>(errors));
    if (skipped_ > 0) {
      std::printf(", %lld skipped (in-flight cap)",
                  static_cast<long long>(skipped_));
    }
    std::printf("\nload generator CPU %.2f s", cpu_s_);
    if (requests > 0) {
      std::printf(" (%.1f us per call)",
                  1e6 * cpu_s_ / static_cast<double>(requests));
    }
    std::printf("\nstatus codes:");
    for (const auto& [code, n] : codes_) {
      std::printf(" %s=%lld", code.c_str(), static_cast<long long>(n));
    }
    std::printf("\nrpcs:");
    for (const auto& [rpc, n] : by_rpc_) {
      std::printf(" %s=%lld", rpc.c_str(), static_cast<long long>(n));
    }
    std::printf("\nlatency ms:");
    for (const auto& [name, q] : quantiles) {
      std::printf(" %s=%.3f", name, latency_.QuantileMs(q));
    }
    std::printf("\n");
  }

 private:
  void RunFixedRate() {
    const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / config_.qps));
    for (int64_t i = 0;; ++i) {
      const SteadyClock::time_point scheduled = start_ + i * interval;
      if (scheduled >= end_ || stop_requested.load()) break;
      std::this_thread::sleep_until(scheduled);
      {
        absl::MutexLock lock(&mu_);
        if (in_flight_ >= config_.concurrency) {
          ++skipped_;
          WriteCall(scheduled, nullptr, "-", "NOT_SENT");
          continue;
        }
      }
      Send(scheduled);
    }
  }

  // Sends one call of a random kind; `scheduled` is when it should have
  // started (latency is measured from it).
  void Send(SteadyClock::time_point scheduled) {
    {
      absl::MutexLock lock(&mu_);
      ++in_flight_;
    }
    thread_local std::mt19937_64 rng(
        config_.seed ^
        std::hash<std::thread::id>()(std::this_thread::get_id()));
    const auto pick = [&](int64_t n) {
      return std::uniform_int_distribution<int64_t>(
          0, std::max<int64_t>(n, 1) - 1)(rng);
    };
    const double r = std::uniform_real_distribution<double>(
        0, config_.mix.back().cumulative)(rng);
    Rpc rpc = config_.mix.back().rpc;
    for (const WeightedRpc& w : config_.mix) {
      if (r < w.cumulative) {
        rpc = w.rpc;
        break;
      }
    }
    const std::string user = DemoId("u", pick(config_.users), config_.users);
    const std::string track =
        DemoId("tr", pick(config_.tracks), config_.tracks);
    auto* async = stub_->async();
    switch (rpc) {
      case Rpc::kRecommend: {
        auto* c = new Call<pb::RecommendRequest, pb::RecommendResponse>;
        c->request.set_user_id(user);
        c->request.set_count(config_.count);
        Start(rpc, scheduled, c, [async, c](auto done) {
          async->Recommend(&c->context, &c->request, &c->response, done);
        });
        break;
      }
      case Rpc::kRadio: {
        auto* c = new Call<pb::RadioRequest, pb::RadioResponse>;
        c->request.set_seed_track_id(track);
        c->request.set_user_id(user);
        c->request.set_count(config_.count);
        Start(rpc, scheduled, c, [async, c](auto done) {
          async->Radio(&c->context, &c->request, &c->response, done);
        });
        break;
      }
      case Rpc::kRelated: {
        auto* c =
            new Call<pb::RelatedArtistsRequest, pb::RelatedArtistsResponse>;
        c->request.set_artist_id(
            DemoId("ar", pick(config_.artists), config_.artists));
        c->request.set_count(std::min(config_.count, 100));
        Start(rpc, scheduled, c, [async, c](auto done) {
          async->RelatedArtists(&c->context, &c->request, &c->response, done);
        });
        break;
      }
      case Rpc::kNowPlaying: {
        auto* c = new Call<pb::NowPlayingRequest, pb::NowPlayingResponse>;
        c->request.set_current_track_id(track);
        c->request.set_user_id(user);
        c->request.set_count(std::min(config_.count, 100));
        Start(rpc, scheduled, c, [async, c](auto done) {
          async->NowPlaying(&c->context, &c->request, &c->response, done);
        });
        break;
      }
      case Rpc::kModelInfo: {
        auto* c = new Call<pb::GetModelInfoRequest, pb::ModelInfo>;
        Start(rpc, scheduled, c, [async, c](auto done) {
          async->GetModelInfo(&c->context, &c->request, &c->response, done);
        });
        break;
      }
      case Rpc::kHealth: {
        auto* c = new Call<health_pb::HealthCheckRequest,
                           health_pb::HealthCheckResponse>;
        c->request.set_service(config_.health_service);
        auto* health = health_stub_->async();
        Start(rpc, scheduled, c, [health, c](auto done) {
          health->Check(&c->context, &c->request, &c->response, done);
        });
        break;
      }
    }
  }

  // Sets the deadline and sends `call` through `send`; the completion
  // records the outcome, frees the call and, in closed-loop mode, sends the
  // next one (without blocking: it runs on a gRPC thread).
  template <typename CallT, typename SendFn>
  void Start(Rpc rpc, SteadyClock::time_point scheduled, CallT* call,
             const SendFn& send) {
    call->context.set_deadline(std::chrono::system_clock::now() +
                               config_.deadline);
    send(std::function<void(grpc::Status)>([this, rpc, scheduled,
                                            call](grpc::Status status) {
      const SteadyClock::time_point now = SteadyClock::now();
      const std::string code = OutcomeName(status, *call);
      delete call;
      bool again = false;
      {
        absl::MutexLock lock(&mu_);
        latency_.Add(
            std::chrono::duration<double, std::micro>(now - scheduled).count());
        WriteCall(scheduled, &now, RpcName(rpc), code);
        ++codes_[code];
        ++by_rpc_[RpcName(rpc)];
        last_done_ = std::max(last_done_, now);
        --in_flight_;
        again = config_.qps <= 0 && now < end_ && !stop_requested.load();
      }
      if (again) Send(now);
    }));
  }

  // One line of --calls_out: `done` is null for a call that was not sent.
  void WriteCall(SteadyClock::time_point scheduled,
                 const SteadyClock::time_point* done, const char* rpc,
                 const std::string& code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (config_.calls_out == nullptr) return;
    using Ms = std::chrono::duration<double, std::milli>;
    const double at = Ms(scheduled - start_).count();
    if (done == nullptr) {
      std::fprintf(config_.calls_out, "%.3f,,%s,%s\n", at, rpc, code.c_str());
    } else {
      std::fprintf(config_.calls_out, "%.3f,%.3f,%s,%s\n", at,
                   Ms(*done - scheduled).count(), rpc, code.c_str());
    }
  }

  const Config config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Recommender::Stub> stub_;
  std::unique_ptr<health_pb::Health::Stub> health_stub_;
  SteadyClock::time_point start_, end_;

  absl::Mutex mu_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  LatencyHistogram latency_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> codes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> by_rpc_ ABSL_GUARDED_BY(mu_);
  SteadyClock::time_point last_done_ ABSL_GUARDED_BY(mu_);
  double elapsed_ ABSL_GUARDED_BY(mu_) = 0;
  double cpu_s_ ABSL_GUARDED_BY(mu_) = 0;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s (see --help)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "clients/loadgen_main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "Load generator for recsys.v1.Recommender: closed-loop (--concurrency) "
      "or fixed-rate (--qps) traffic with a weighted --mix of RPCs (and "
      "grpc.health.v1 checks) for "
      "--duration_s seconds; prints QPS, status codes, latency "
      "percentiles and its own CPU time.\n"
      "Usage: recsys-loadgen --target=host:port --duration_s=S [flags]");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1)
    return Usage(absl::StrCat("unexpected argument ", rest[1]));

  Config config;
  config.target = absl::GetFlag(FLAGS_target);
  const int duration = absl::GetFlag(FLAGS_duration_s);
  if (duration < 1 || duration > 3600) {
    return Usage("--duration_s is required, between 1 and 3600");
  }
  config.duration = std::chrono::seconds(duration);
  config.concurrency = absl::GetFlag(FLAGS_concurrency);
  if (config.concurrency < 1 || config.concurrency > 10000) {
    return Usage("--concurrency must be between 1 and 10000");
  }
  config.qps = absl::GetFlag(FLAGS_qps);
  if (!(config.qps >= 0 && config.qps <= 1e6)) {
    return Usage("--qps must be between 0 and 1000000");
  }
  absl::StatusOr<std::vector<WeightedRpc>> mix =
      ParseMix(absl::GetFlag(FLAGS_mix));
  if (!mix.ok()) return Usage(std::string(mix.status().message()));
  config.mix = *std::move(mix);
  config.users = absl::GetFlag(FLAGS_users);
  config.tracks = absl::GetFlag(FLAGS_tracks);
  config.artists = absl::GetFlag(FLAGS_artists);
  if (config.artists == 0) config.artists = config.tracks / 8;
  if (config.users < 1 || config.tracks < 1 || config.artists < 1) {
    return Usage("--users, --tracks and --artists must be positive");
  }
  config.count = absl::GetFlag(FLAGS_count);
  if (config.count < 1 || config.count > 500) {
    return Usage("--count must be between 1 and 500");
  }
  const int deadline_ms = absl::GetFlag(FLAGS_deadline_ms);
  if (deadline_ms < 1) return Usage("--deadline_ms must be positive");
  config.deadline = std::chrono::milliseconds(deadline_ms);
  config.seed = absl::GetFlag(FLAGS_seed);
  config.health_service = absl::GetFlag(FLAGS_health_service);

  const std::string calls_out = absl::GetFlag(FLAGS_calls_out);
  std::FILE* calls_file = nullptr;
  if (!calls_out.empty()) {
    calls_file = std::fopen(calls_out.c_str(), "w");
    config.calls_out = calls_file;
    if (calls_file == nullptr) {
      return Usage(absl::StrCat("--calls_out: cannot write \"", calls_out,
                                "\": ", std::strerror(errno)));
    }
  }

  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  LoadGenerator generator(std::move(config));
  generator.Run();
  generator.Report(absl::GetFlag(FLAGS_json));
  if (calls_file != nullptr) {
    const bool failed = std::ferror(calls_file) != 0;
    if (std::fclose(calls_file) != 0 || failed) {
      std::fprintf(stderr, "--calls_out: writing \"%s\" failed\n",
                   calls_out.c_str());
      return 1;
    }
  }
  return 0;
}
