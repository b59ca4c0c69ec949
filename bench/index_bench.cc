// Track index benchmark: recall@100 against exact search, and single-query
// latency, of our index (core::HnswIndex), FAISS (IndexHNSWFlat and the
// exact IndexFlatIP) and hnswlib used directly, on the same track vectors
// with the same user-vector queries (maximum inner product, as Recommend
// searches).
//
//   recsys-index-bench [--model_dir=DIR [--vectors=cf|serving] |
//                       --rows=N --dims=D] [--queries=Q]
//                      [--m=16 --ef_construction=100] [benchmark flags]
//
// With --model_dir, the rows are the current version's CF track vectors and
// the queries its first Q user vectors (ids u000000.., the demo world's);
// with --vectors=serving, the rows the server's personal index holds
// ([cf, content, popularity], core::IndexRows) and the queries Recommend
// sends for those users (core::PersonalIndexQuery: the model's blend of
// their CF vector, content profile and popularity in their country).
// Without --model_dir, skewed random vectors (lognormal norms, like ALS
// vectors). Each benchmark reports recall@100 over all queries (the `recall`
// counter) and the time of one query; `tie_recall` also counts a returned
// row whose score equals the exact 100th. Our index runs with its default
// exact head (core/track_index.h); the search list `ef` is the benchmark's
// argument.
// Results: docs/BENCHMARKS.md.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/own_flags.h"
#include "benchmark/benchmark.h"
#include "core/demo_world.h"
#include "core/model.h"
#include "core/mutexes.h"
#include "core/recommender.h"
#include "core/track_index.h"
#include "faiss/IndexFlat.h"
#include "faiss/IndexHNSW.h"
#include "hnswlib/hnswlib.h"
#include "storage/rocksdb_model_store.h"

namespace {

using recsys::core::FactorMatrix;
using recsys::core::Neighbor;

constexpr int kTopK = 100;

struct Config {
  std::string model_dir;
  std::string vectors = "cf";  // or "serving"
  int64_t rows = 1000000;
  int dims = 64;
  int queries = 1000;
  int m = 16;
  int ef_construction = 100;
};
Config config;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

FactorMatrix SkewedRows(int64_t n, int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss;
  std::lognormal_distribution<float> length(0.0f, 0.5f);
  FactorMatrix rows(n, d);
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) rows(i, j) = gauss(rng);
    rows.row(i) *= length(rng) / rows.row(i).norm();
  }
  return rows;
}

// The vectors, the queries and the exact answers, made once.
struct Data {
  FactorMatrix rows;
  FactorMatrix queries;
  std::vector<std::vector<Neighbor>> truth;  // exact top kTopK per query
  std::string source;
};

const Data& GetData() {
  static Data* data = [] {
    auto* d = new Data();
    if (!config.model_dir.empty()) {
      auto store = recsys::storage::RocksDbModelStore::Open(config.model_dir);
      auto version = store.ok() ? (*store)->CurrentVersion()
                                : absl::StatusOr<std::string>(store.status());
      auto opened = version.ok()
                        ? (*store)->OpenVersion(*version)
                        : decltype((*store)->OpenVersion(""))(version.status());
      // Serving the version as the server does, but exhaustively: the
      // indexes are built here, not loaded.
      auto model = opened.ok()
                       ? recsys::core::ServingModel::Create(
                             *std::move(opened),
                             {.exhaustive_max_tracks =
                                  std::numeric_limits<int64_t>::max()})
                       : absl::StatusOr<
                             std::shared_ptr<const recsys::core::ServingModel>>(
                             opened.status());
      if (!model.ok()) {
        std::fprintf(stderr, "index_bench: %s\n",
                     model.status().ToString().c_str());
        std::exit(2);
      }
      const recsys::core::ServingModel& served = **model;
      const bool serving = config.vectors == "serving";
      d->rows = serving ? recsys::core::IndexRows(served.tracks(),
                                                  /*unit_cf=*/false)
                        : served.tracks().cf;
      d->queries.resize(config.queries, d->rows.cols());
      for (int q = 0; q < config.queries; ++q) {
        const std::string id =
            recsys::core::DemoId("u", q, served.metadata().num_users);
        absl::Status status;
        if (serving) {
          absl::StatusOr<Eigen::VectorXf> query =
              recsys::core::PersonalIndexQuery(served, id);
          if (query.ok()) d->queries.row(q) = query->transpose();
          status = query.status();
        } else {
          absl::StatusOr<recsys::core::UserRecord> user = served.GetUser(id);
          if (user.ok()) {
            d->queries.row(q) = Eigen::Map<const Eigen::RowVectorXf>(
                user->factors.data(),
                static_cast<int64_t>(user->factors.size()));
          }
          status = user.status();
        }
        if (!status.ok()) {
          std::fprintf(stderr, "index_bench: user %d: %s\n", q,
                       status.ToString().c_str());
          std::exit(2);
        }
      }
      d->source =
          absl::StrCat("model ", *version, ", ", config.vectors, " vectors");
    } else {
      d->rows = SkewedRows(config.rows, config.dims, 1);
      d->queries = SkewedRows(config.queries, config.dims, 2);
      d->source = "skewed random vectors";
    }
    // Ground truth by FAISS's exact search, all threads.
    faiss::IndexFlatIP exact(static_cast<int>(d->rows.cols()));
    exact.add(d->rows.rows(), d->rows.data());
    std::vector<float> distances(static_cast<size_t>(config.queries) * kTopK);
    std::vector<faiss::Index::idx_t> labels(distances.size());
    exact.search(config.queries, d->queries.data(), kTopK, distances.data(),
                 labels.data());
    d->truth.resize(config.queries);
    for (int q = 0; q < config.queries; ++q) {
      for (int i = 0; i < kTopK; ++i) {
        d->truth[q].push_back({static_cast<uint32_t>(labels[q * kTopK + i]),
                               distances[q * kTopK + i]});
      }
    }
    {
      // How skewed the rows are: what makes inner-product search hard.
      std::vector<float> norms(d->rows.rows());
      for (int64_t i = 0; i < d->rows.rows(); ++i)
        norms[i] = d->rows.row(i).norm();
      std::vector<float> sorted = norms;
      std::sort(sorted.begin(), sorted.end());
      auto pct = [&](double p) {
        return sorted[static_cast<size_t>(p * (sorted.size() - 1))];
      };
      double top_norm = 0;
      for (int q = 0; q < config.queries; ++q)
        for (const Neighbor& n : d->truth[q]) top_norm += norms[n.row];
      std::fprintf(stderr,
                   "index_bench: row norms p10 %.4f p50 %.4f p90 %.4f p99 %.4f "
                   "max %.4f; exact top-100 rows mean norm %.4f\n",
                   pct(0.1), pct(0.5), pct(0.9), pct(0.99), sorted.back(),
                   top_norm / config.queries / kTopK);
    }
    std::fprintf(stderr,
                 "index_bench: %lld rows x %lld dims (%s), %d queries\n",
                 static_cast<long long>(d->rows.rows()),
                 static_cast<long long>(d->rows.cols()), d->source.c_str(),
                 config.queries);
    return d;
  }();
  return *data;
}

// One searcher per library, built once, timed once.
class Searcher {
 public:
  virtual ~Searcher() = default;
  virtual void SetEf(int ef) = 0;
  virtual std::vector<uint32_t> Search(const float* query, int k) = 0;
};

class OurSearcher : public Searcher {
 public:
  OurSearcher() {
    const Data& d = GetData();
    const auto start = std::chrono::steady_clock::now();
    auto index = recsys::core::HnswIndex::Build(
        d.rows, {.m = config.m,
                 .ef_construction = config.ef_construction,
                 .ef_search = 1,
                 .threads = 2});
    if (!index.ok()) std::abort();
    index_ = *std::move(index);
    std::fprintf(stderr, "index_bench: ours built in %.1f s (one thread)\n",
                 Seconds(start));
  }
  // Our index searches with max(ef_search, k) candidates: asking for ef
  // rows and keeping k is a search with list ef.
  void SetEf(int ef) override { ef_ = ef; }
  std::vector<uint32_t> Search(const float* query, int k) override {
    std::vector<uint32_t> out;
    for (const Neighbor& n :
         index_->Search(absl::MakeConstSpan(query, index_->dimensions()),
                        std::max(k, ef_))) {
      if (static_cast<int>(out.size()) == k) break;
      out.push_back(n.row);
    }
    return out;
  }

 private:
  std::unique_ptr<recsys::core::HnswIndex> index_;
  int ef_ = 1;
};

class HnswlibSearcher : public Searcher {
 public:
  HnswlibSearcher() : space_(static_cast<int>(GetData().rows.cols())) {
    const Data& d = GetData();
    const auto start = std::chrono::steady_clock::now();
    graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &space_, d.rows.rows(), config.m, config.ef_construction);
    // Two inserting threads, as ours and FAISS get.
    std::atomic<int64_t> next{0};
    auto insert = [&] {
      for (int64_t i; (i = next.fetch_add(1)) < d.rows.rows();) {
        graph_->addPoint(d.rows.row(i).data(), static_cast<size_t>(i));
      }
    };
    std::thread other(insert);
    insert();
    other.join();
    std::fprintf(stderr, "index_bench: hnswlib built in %.1f s\n",
                 Seconds(start));
  }
  void SetEf(int ef) override { graph_->setEf(ef); }
  std::vector<uint32_t> Search(const float* query, int k) override {
    auto found = graph_->searchKnn(query, k);
    std::vector<uint32_t> out(found.size());
    for (size_t i = found.size(); i-- > 0; found.pop()) {
      out[i] = static_cast<uint32_t>(found.top().second);
    }
    return out;
  }

 private:
  hnswlib::InnerProductSpace space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

class FaissHnswSearcher : public Searcher {
 public:
  FaissHnswSearcher()
      : index_(static_cast<int>(GetData().rows.cols()), config.m,
               faiss::METRIC_INNER_PRODUCT) {
    const Data& d = GetData();
    const auto start = std::chrono::steady_clock::now();
    omp_set_num_threads(2);
    index_.hnsw.efConstruction = config.ef_construction;
    index_.add(d.rows.rows(), d.rows.data());
    omp_set_num_threads(1);  // one query at a time, as a server asks
    std::fprintf(stderr, "index_bench: faiss HNSWFlat built in %.1f s\n",
                 Seconds(start));
  }
  void SetEf(int ef) override { index_.hnsw.efSearch = ef; }
  std::vector<uint32_t> Search(const float* query, int k) override {
    std::vector<float> distances(k);
    std::vector<faiss::Index::idx_t> labels(k);
    index_.search(1, query, k, distances.data(), labels.data());
    std::vector<uint32_t> out;
    for (faiss::Index::idx_t l : labels) {
      if (l >= 0) out.push_back(static_cast<uint32_t>(l));
    }
    return out;
  }

 private:
  faiss::IndexHNSWFlat index_;
};

class FaissFlatSearcher : public Searcher {
 public:
  FaissFlatSearcher() : index_(static_cast<int>(GetData().rows.cols())) {
    index_.add(GetData().rows.rows(), GetData().rows.data());
  }
  void SetEf(int) override {}
  std::vector<uint32_t> Search(const float* query, int k) override {
    omp_set_num_threads(1);
    std::vector<float> distances(k);
    std::vector<faiss::Index::idx_t> labels(k);
    index_.search(1, query, k, distances.data(), labels.data());
    return std::vector<uint32_t>(labels.begin(), labels.end());
  }

 private:
  faiss::IndexFlatIP index_;
};

template <typename S>
Searcher& Get() {
  static S* searcher = new S();
  return *searcher;
}

template <typename S>
void BM_Search(benchmark::State& state) {
  const Data& d = GetData();
  Searcher& searcher = Get<S>();
  searcher.SetEf(static_cast<int>(state.range(0)));
  // Recall over every query, outside the timed loop.
  double recall = 0, tie_recall = 0;
  for (int q = 0; q < config.queries; ++q) {
    std::vector<Neighbor> found;
    for (uint32_t r : searcher.Search(d.queries.row(q).data(), kTopK)) {
      found.push_back({r, 0});
    }
    recall += recsys::core::RecallAt(found, d.truth[q]);
    // Tie-aware: a returned row counts when its true score reaches the
    // exact 100th score (rows of one artist can score alike to the last
    // digit, and then which of them is "the" 100th is arbitrary).
    const float kth = d.truth[q].back().score;
    int reached = 0;
    for (const Neighbor& n : found) {
      const float score = d.rows.row(n.row).dot(d.queries.row(q));
      reached += score >= kth - 1e-5f * std::abs(kth);
    }
    tie_recall += static_cast<double>(reached) / kTopK;
  }
  int q = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(searcher.Search(d.queries.row(q).data(), kTopK));
    q = (q + 1) % config.queries;
  }
  state.counters["recall"] = recall / config.queries;
  state.counters["tie_recall"] = tie_recall / config.queries;
  state.counters["ef"] = static_cast<double>(state.range(0));
}

void EfSweep(benchmark::internal::Benchmark* b) {
  for (int ef : {50, 100, 200, 400, 1000, 2000, 4000}) b->Arg(ef);
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_Search, OurSearcher)->Apply(EfSweep);
BENCHMARK_TEMPLATE(BM_Search, HnswlibSearcher)->Apply(EfSweep);
BENCHMARK_TEMPLATE(BM_Search, FaissHnswSearcher)->Apply(EfSweep);
BENCHMARK_TEMPLATE(BM_Search, FaissFlatSearcher)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(50);

}  // namespace

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  const bool flags_ok = recsys::bench::ParseOwnFlags(
      &argc, argv, "index_bench",
      [](absl::string_view name, const char* v) -> std::optional<bool> {
        if (name == "model_dir") {
          config.model_dir = v;
          return true;
        }
        if (name == "vectors") {
          config.vectors = v;
          return config.vectors == "cf" || config.vectors == "serving";
        }
        if (name == "rows") {
          return absl::SimpleAtoi(v, &config.rows) && config.rows > kTopK;
        }
        if (name == "dims") {
          return absl::SimpleAtoi(v, &config.dims) && config.dims > 0;
        }
        if (name == "queries") {
          return absl::SimpleAtoi(v, &config.queries) && config.queries > 0;
        }
        if (name == "m") return absl::SimpleAtoi(v, &config.m) && config.m >= 2;
        if (name == "ef_construction") {
          return absl::SimpleAtoi(v, &config.ef_construction) &&
                 config.ef_construction > 0;
        }
        return std::nullopt;
      });
  if (!flags_ok) return 2;
  if (config.vectors != "cf" && config.model_dir.empty()) {
    std::fprintf(stderr, "index_bench: --vectors=%s needs --model_dir\n",
                 config.vectors.c_str());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
