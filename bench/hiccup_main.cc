// recsys-hiccup: how late a normal-priority thread on each CPU wakes up.
//
//   recsys-hiccup --duration_s=20 [--period_us=1000] [--record_over_ms=2]
//                 [--events_out=FILE] [--json]
//
// One thread per CPU, pinned to it, asks to wake every --period_us and
// measures how late each wake-up comes (the "hiccup"). A thread of the
// ordinary scheduling class that needs a few microseconds of CPU every
// millisecond stands for a request thread: on an idle machine it wakes
// within tens of microseconds; when it wakes milliseconds late, nothing it
// could do would have helped, which separates stalls of the machine (the
// kernel, or the host of a virtual machine) from stalls of a program.
// docs/BENCHMARKS.md ("model swaps under load") uses it beside model swaps.
//
// Prints, per CPU, the wake-ups and the p50 / p99 / p99.9 / max lateness.
// --events_out writes every wake-up later than --record_over_ms as CSV:
//   # recsys-hiccup events start_unix_ms=<wall clock of the start>
//   at_ms,cpu,late_ms
// at_ms is when the wake-up was due, after the start. SIGINT or SIGTERM
// stops early. Exit codes: 0 done; 1 a thread could not be pinned or the
// events file not written; 2 bad flags.

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

ABSL_FLAG(int, duration_s, 0, "How long to measure, in seconds (1..3600).");
ABSL_FLAG(int, period_us, 1000,
          "Wake-up period of each thread, in microseconds (100..100000).");
ABSL_FLAG(double, record_over_ms, 2,
          "--events_out: wake-ups later than this, in milliseconds.");
ABSL_FLAG(std::string, events_out, "",
          "Write every wake-up later than --record_over_ms to this CSV file.");
ABSL_FLAG(bool, json, false, "Print the report as one JSON object.");

namespace {

std::atomic<bool> stop_requested{false};
void RequestStop(int) { stop_requested.store(true); }

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Event {
  int64_t due_ns;  // after the start
  int cpu;
  int64_t late_ns;
};

struct CpuResult {
  int cpu = 0;
  bool pinned = false;
  std::vector<int64_t> late_ns;  // one per wake-up
  std::vector<Event> events;     // the late ones
};

// Wakes every `period_ns` on `cpu` until `end_ns` (or a signal).
void Measure(int64_t start_ns, int64_t end_ns, int64_t period_ns,
             int64_t record_over_ns, CpuResult* out) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(out->cpu, &set);
  out->pinned = pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
  if (!out->pinned) return;
  out->late_ns.reserve(static_cast<size_t>((end_ns - start_ns) / period_ns));
  int64_t due = start_ns + period_ns;
  while (due < end_ns && !stop_requested.load(std::memory_order_relaxed)) {
    const timespec ts = {static_cast<time_t>(due / 1'000'000'000),
                         static_cast<long>(due % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) ==
           EINTR) {
    }
    const int64_t now = NowNs();
    const int64_t late = std::max<int64_t>(now - due, 0);
    out->late_ns.push_back(late);
    if (late > record_over_ns) {
      out->events.push_back({due - start_ns, out->cpu, late});
    }
    // After a stall, the next wake-up is one period from now, not a burst
    // of the ones missed.
    due = std::max(due + period_ns, now + period_ns / 2);
  }
}

// The q-quantile of sorted values, nearest rank, in milliseconds.
double QuantileMs(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(
      std::max(std::ceil(q * static_cast<double>(sorted.size())), 1.0));
  return static_cast<double>(sorted[rank - 1]) / 1e6;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s (see --help)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "bench/hiccup_main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "How late a normal-priority thread pinned to each CPU wakes up, every "
      "--period_us for --duration_s seconds: per CPU p50 / p99 / p99.9 / max "
      "lateness; --events_out lists the late wake-ups.\n"
      "Usage: recsys-hiccup --duration_s=S [flags]");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    return Usage(absl::StrCat("unexpected argument ", rest[1]));
  }
  const int duration_s = absl::GetFlag(FLAGS_duration_s);
  if (duration_s < 1 || duration_s > 3600) {
    return Usage("--duration_s is required, between 1 and 3600");
  }
  const int period_us = absl::GetFlag(FLAGS_period_us);
  if (period_us < 100 || period_us > 100000) {
    return Usage("--period_us must be between 100 and 100000");
  }
  const double record_over_ms = absl::GetFlag(FLAGS_record_over_ms);
  if (!(record_over_ms >= 0)) {
    return Usage("--record_over_ms must be 0 or more");
  }
  const std::string events_path = absl::GetFlag(FLAGS_events_out);
  std::FILE* events_file = nullptr;
  if (!events_path.empty()) {
    events_file = std::fopen(events_path.c_str(), "w");
    if (events_file == nullptr) {
      return Usage(absl::StrCat("--events_out: cannot write \"", events_path,
                                "\": ", std::strerror(errno)));
    }
  }
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);

  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<CpuResult> results(static_cast<size_t>(std::max(cpus, 1)));
  const int64_t start_ns = NowNs();
  const auto start_wall = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const int64_t end_ns = start_ns + int64_t{duration_s} * 1'000'000'000;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    results[i].cpu = static_cast<int>(i);
    threads.emplace_back(Measure, start_ns, end_ns, int64_t{period_us} * 1000,
                         static_cast<int64_t>(record_over_ms * 1e6),
                         &results[i]);
  }
  for (std::thread& t : threads) t.join();

  int status = 0;
  std::vector<std::string> json_cpus;
  std::vector<Event> events;
  for (CpuResult& r : results) {
    if (!r.pinned) {
      std::fprintf(stderr, "could not pin a thread to CPU %d\n", r.cpu);
      status = 1;
      continue;
    }
    events.insert(events.end(), r.events.begin(), r.events.end());
    std::sort(r.late_ns.begin(), r.late_ns.end());
    const double p50 = QuantileMs(r.late_ns, 0.5);
    const double p99 = QuantileMs(r.late_ns, 0.99);
    const double p999 = QuantileMs(r.late_ns, 0.999);
    const double max = QuantileMs(r.late_ns, 1.0);
    const size_t late = r.events.size();
    if (absl::GetFlag(FLAGS_json)) {
      json_cpus.push_back(absl::StrFormat(
          "{\"cpu\":%d,\"wakeups\":%d,\"late\":%d,\"p50_ms\":%.3f,"
          "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}",
          r.cpu, r.late_ns.size(), late, p50, p99, p999, max));
    } else {
      std::printf(
          "cpu %d: %zu wake-ups, %zu later than %.3g ms; late by p50 %.3f ms, "
          "p99 %.3f, p99.9 %.3f, max %.3f\n",
          r.cpu, r.late_ns.size(), late, record_over_ms, p50, p99, p999, max);
    }
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("{\"period_us\":%d,\"record_over_ms\":%.3f,\"cpus\":[%s]}\n",
                period_us, record_over_ms,
                absl::StrJoin(json_cpus, ",").c_str());
  }
  if (events_file != nullptr) {
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return a.due_ns < b.due_ns;
    });
    std::fprintf(
        events_file,
        "# recsys-hiccup events start_unix_ms=%lld\nat_ms,cpu,late_ms\n",
        static_cast<long long>(start_wall.count()));
    for (const Event& e : events) {
      std::fprintf(events_file, "%.3f,%d,%.3f\n",
                   static_cast<double>(e.due_ns) / 1e6, e.cpu,
                   static_cast<double>(e.late_ns) / 1e6);
    }
    const bool failed = std::ferror(events_file) != 0;
    if (std::fclose(events_file) != 0 || failed) {
      std::fprintf(stderr, "--events_out: writing \"%s\" failed\n",
                   events_path.c_str());
      status = 1;
    }
  }
  return status;
}
