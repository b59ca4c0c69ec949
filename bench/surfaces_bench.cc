// The four surfaces in process, without gRPC: server CPU per call of
// core::Recommend, Radio, RelatedArtists and NowPlaying on a published
// version, served as recsys-server serves it (two-stage above 20,000
// tracks), with the requests recsys-loadgen sends. Separates the
// recommender's own cost from the transport's in the end-to-end benchmark
// (bench/serving_bench.sh), and breaks a Recommend into its parts.
//
//   recsys-surfaces-bench --model_dir=DIR [--ids=4096] [benchmark flags]
//
// DIR is a model store of the demo world (recsys-train train --demo_users=..
// --demo_tracks=..; bench/scale.sh caches one of 1M x 1M): the requests
// name uniformly random users u000000.., tracks tr000000.. and artists
// ar000000.., drawn once with a fixed seed (--ids of each, cycled).
// Each benchmark is one call per iteration, single-threaded.
//   BM_GetUser           the user's RocksDB record (vector, history and
//                        candidate list), read and decoded
//   BM_Recommend/own     the load generator's Recommend: a stored user,
//                        count 20 (its first stage: the stored list)
//   BM_Recommend/recent  the same with 3 recent plays (a fold-in and an
//                        index search)
//   BM_Radio, BM_NowPlaying  a seed track and a user, count 20
//   BM_RelatedArtists    count 20
// Counters: the share of calls that took each first stage (below), and the
// median, 99th and 99.9th percentile of one call's time (p50_us, ...).
// Results: docs/BENCHMARKS.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/own_flags.h"
#include "benchmark/benchmark.h"
#include "core/demo_world.h"
#include "core/model.h"
#include "core/mutexes.h"
#include "core/recommender.h"
#include "storage/rocksdb_model_store.h"

namespace {

using recsys::core::ServingModel;

struct Config {
  std::string model_dir;
  int ids = 4096;
};
Config config;

// The served model and the ids the requests name.
struct World {
  std::shared_ptr<const ServingModel> model;
  std::vector<std::string> users, tracks, artists;
};

// `config.ids` uniformly random ids of a demo world's `count` entities.
std::vector<std::string> DemoIds(const char* prefix, int64_t count,
                                 std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> pick(0,
                                              std::max<int64_t>(count, 1) - 1);
  std::vector<std::string> ids(config.ids);
  for (std::string& id : ids) {
    id = recsys::core::DemoId(prefix, pick(rng), count);
  }
  return ids;
}

[[noreturn]] void Fail(const absl::Status& status) {
  std::fprintf(stderr, "surfaces_bench: %s\n", status.ToString().c_str());
  std::exit(2);
}

const World& GetWorld() {
  static const World* world = [] {
    auto store = recsys::storage::RocksDbModelStore::Open(config.model_dir);
    if (!store.ok()) Fail(store.status());
    absl::StatusOr<std::string> version = (*store)->CurrentVersion();
    if (!version.ok()) Fail(version.status());
    auto opened = (*store)->OpenVersion(*version);
    if (!opened.ok()) Fail(opened.status());
    auto model = ServingModel::Create(*std::move(opened));
    if (!model.ok()) Fail(model.status());
    auto* w = new World;
    w->model = *std::move(model);
    std::mt19937_64 rng(42);
    w->users = DemoIds("u", w->model->metadata().num_users, rng);
    w->tracks = DemoIds("tr", w->model->catalog().tracks.size(), rng);
    w->artists = DemoIds("ar", w->model->catalog().artists.size(), rng);
    std::fprintf(stderr,
                 "surfaces_bench: version %s, %lld users x %zu tracks, %s\n",
                 version->c_str(),
                 static_cast<long long>(w->model->metadata().num_users),
                 w->model->catalog().tracks.size(),
                 w->model->two_stage() ? "two-stage" : "exhaustive");
    return w;
  }();
  return *world;
}

// The share of calls that went each way through the first stage
// (ServingModel's counters): the stored candidate list (`stored_list`), a
// second, wider search (`widened`), every track scored (`exhaustive`).
struct FirstStages {
  explicit FirstStages(const ServingModel& m)
      : stored_list(m.precomputed_first_stages()),
        widened(m.widened_first_stages()),
        exhaustive(m.exhaustive_fallbacks()) {}
  int64_t stored_list, widened, exhaustive;
};

// The q-quantile of `values` (nearest rank; 0 when empty). Reorders them.
double Percentile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  const size_t rank =
      std::min(values.size() - 1,
               static_cast<size_t>(q * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + rank, values.end());
  return values[rank];
}

// Runs `call(i)` (a surface's StatusOr result for the i-th ids) once per
// iteration, cycling through the ids, and fails the benchmark on an error:
// a benchmark of errors would measure nothing.
template <typename Call>
void RunCalls(benchmark::State& state, Call call) {
  const ServingModel& model = *GetWorld().model;
  const FirstStages before(model);
  std::vector<double> micros;
  micros.reserve(
      static_cast<size_t>(std::max<int64_t>(state.max_iterations, 0)));
  size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto result = call(i++ % static_cast<size_t>(config.ids));
    benchmark::DoNotOptimize(result);
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start)
                         .count());
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
  }
  const FirstStages after(model);
  const double calls =
      static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  state.counters["stored_list"] =
      (after.stored_list - before.stored_list) / calls;
  state.counters["widened"] = (after.widened - before.widened) / calls;
  state.counters["exhaustive"] = (after.exhaustive - before.exhaustive) / calls;
  // The tail of single calls, which the mean hides: the calls that left
  // the common path (a search instead of the stored list, a wider one).
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
  state.counters["p999_us"] = Percentile(micros, 0.999);
}

void BM_GetUser(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) { return w.model->GetUser(w.users[i]); });
}
BENCHMARK(BM_GetUser)->Unit(benchmark::kMicrosecond);

void BM_Recommend(benchmark::State& state) {
  const World& w = GetWorld();
  const bool recent = state.range(0) != 0;
  RunCalls(state, [&](size_t i) {
    recsys::core::RecommendQuery query;
    query.user_id = w.users[i];
    query.count = 20;
    if (recent) {
      for (size_t j = 1; j <= 3; ++j) {
        query.recent_track_ids.push_back(w.tracks[(i + j) % w.tracks.size()]);
      }
    }
    return recsys::core::Recommend(*w.model, query);
  });
}
BENCHMARK(BM_Recommend)
    ->ArgName("recent")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

void BM_Radio(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) {
    recsys::core::RadioQuery query;
    query.seed_track_id = w.tracks[i];
    query.user_id = w.users[i];
    query.count = 20;
    return recsys::core::Radio(*w.model, query);
  });
}
BENCHMARK(BM_Radio)->Unit(benchmark::kMicrosecond);

void BM_RelatedArtists(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) {
    return recsys::core::RelatedArtists(*w.model, w.artists[i], 20);
  });
}
BENCHMARK(BM_RelatedArtists)->Unit(benchmark::kMicrosecond);

void BM_NowPlaying(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) {
    recsys::core::NowPlayingQuery query;
    query.current_track_id = w.tracks[i];
    query.user_id = w.users[i];
    query.count = 20;
    return recsys::core::NowPlaying(*w.model, query);
  });
}
BENCHMARK(BM_NowPlaying)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  const bool flags_ok = recsys::bench::ParseOwnFlags(
      &argc, argv, "surfaces_bench",
      [](absl::string_view name, const char* v) -> std::optional<bool> {
        if (name == "model_dir") {
          config.model_dir = v;
          return true;
        }
        if (name == "ids") {
          return absl::SimpleAtoi(v, &config.ids) && config.ids > 0;
        }
        return std::nullopt;
      });
  if (!flags_ok) return 2;
  if (config.model_dir.empty()) {
    std::fprintf(stderr,
                 "usage: recsys-surfaces-bench --model_dir=DIR [--ids=4096] "
                 "[benchmark flags]\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
