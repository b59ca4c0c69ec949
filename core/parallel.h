// A minimal parallel-for over index ranges on plain std::threads.
#ifndef RECSYS_CORE_PARALLEL_H_
#define RECSYS_CORE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace recsys::core {

// Calls fn(begin, end) on disjoint chunks covering [0, n), from `num_threads`
// threads (the caller's thread is one of them). Chunks are handed out
// dynamically so uneven rows (heavy users) balance out. `fn` must be
// thread-safe; it must not throw.
template <typename Fn>
void ParallelFor(int64_t n, int num_threads, int64_t chunk, const Fn& fn) {
  if (n <= 0) return;
  chunk = std::max<int64_t>(1, chunk);
  num_threads = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(num_threads, (n + chunk - 1) / chunk)));
  std::atomic<int64_t> next{0};
  auto worker = [&]() {
    for (;;) {
      const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      fn(begin, std::min(n, begin + chunk));
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(num_threads - 1);
  for (int t = 1; t < num_threads; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
}

}  // namespace recsys::core

#endif  // RECSYS_CORE_PARALLEL_H_
