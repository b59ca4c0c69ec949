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
// Results: docs/BENCHMARKS.md.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/own_flags.h"
#include "benchmark/benchmark.h"
#include "core/model.h"
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

// The demo world's ids: prefix + index, zero-padded to at least 6 digits
// (as recsys-loadgen names them).
std::vector<std::string> DemoIds(const char* prefix, int64_t count,
                                 std::mt19937_64& rng) {
  const int width = std::max<int>(
      6,
      static_cast<int>(absl::StrCat(std::max<int64_t>(count - 1, 0)).size()));
  std::uniform_int_distribution<int64_t> pick(0,
                                              std::max<int64_t>(count, 1) - 1);
  std::vector<std::string> ids(config.ids);
  for (std::string& id : ids)
    id = absl::StrFormat("%s%0*d", prefix, width, pick(rng));
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

// Runs `call(i)` for i = 0, 1, ... (the i-th ids) and fails the benchmark on
// an error: a benchmark of errors would measure nothing.
// Reports the shares of calls whose first stage's candidates did not
// survive the filters: searched again, wider (`widened`), and then scoring
// the whole catalog (`exhaustive`).
template <typename Call>
void RunCalls(benchmark::State& state, Call call) {
  const ServingModel& model = *GetWorld().model;
  const int64_t before = model.exhaustive_fallbacks();
  const int64_t widened_before = model.widened_first_stages();
  size_t i = 0;
  for (auto _ : state) {
    absl::Status status = call(i++ % static_cast<size_t>(config.ids));
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  const double calls =
      static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  state.counters["exhaustive"] =
      static_cast<double>(model.exhaustive_fallbacks() - before) / calls;
  state.counters["widened"] =
      static_cast<double>(model.widened_first_stages() - widened_before) /
      calls;
}

void BM_GetUser(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) {
    auto user = w.model->GetUser(w.users[i]);
    benchmark::DoNotOptimize(user);
    return user.status();
  });
}
BENCHMARK(BM_GetUser)->Unit(benchmark::kMicrosecond);

void BM_Recommend(benchmark::State& state) {
  const World& w = GetWorld();
  const bool recent = state.range(0) != 0;
  const int64_t before = w.model->precomputed_first_stages();
  RunCalls(state, [&](size_t i) {
    recsys::core::RecommendQuery query;
    query.user_id = w.users[i];
    query.count = 20;
    if (recent) {
      for (size_t j = 1; j <= 3; ++j) {
        query.recent_track_ids.push_back(w.tracks[(i + j) % w.tracks.size()]);
      }
    }
    auto result = recsys::core::Recommend(*w.model, query);
    benchmark::DoNotOptimize(result);
    return result.status();
  });
  // The share of calls that took their first stage from the stored list.
  state.counters["stored_list"] =
      static_cast<double>(w.model->precomputed_first_stages() - before) /
      static_cast<double>(std::max<int64_t>(state.iterations(), 1));
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
    auto result = recsys::core::Radio(*w.model, query);
    benchmark::DoNotOptimize(result);
    return result.status();
  });
}
BENCHMARK(BM_Radio)->Unit(benchmark::kMicrosecond);

void BM_RelatedArtists(benchmark::State& state) {
  const World& w = GetWorld();
  RunCalls(state, [&](size_t i) {
    auto result = recsys::core::RelatedArtists(*w.model, w.artists[i], 20);
    benchmark::DoNotOptimize(result);
    return result.status();
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
    auto result = recsys::core::NowPlaying(*w.model, query);
    benchmark::DoNotOptimize(result);
    return result.status();
  });
}
BENCHMARK(BM_NowPlaying)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
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
