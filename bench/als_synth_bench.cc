// recsys-als-bench: seconds per iteration and peak memory of
// core::TrainImplicitAls on a (user, item, count) matrix, such as the
// synthetic 200,000 x 50,000 matrix of ../shared/eval/synth (issue #5,
// "Trainer"; protocol in ../shared/eval/README.md, the peer's numbers in
// ../shared/eval/BASELINES.md). bench/trainer_synth.sh runs the protocol.
//
// Input: a TSV, plain or gzip (zlib reads both), whose first line is the
// header `user\titem\tcount` and every other line three tab-separated fields:
// 0-based user and item indices (below 2^27) and a whole count >= 1. Rows
// repeating a (user, item) pair are summed. Any other line is an error that
// names the file and the line; the exit status is then 2.
//
// Confidence. The peer (implicit 0.7, alpha 1) trains with confidence
// c = count and preference 1 on every stored entry. core/als.h takes signed
// strengths v instead: c = 1 + alpha * |v|, preference 1 only when v > 0. An
// entry with count 1 needs c = 1 and preference 1, which no strength gives
// exactly, so --confidence=count (the default) passes
//   v = max(count - 1, FLT_MIN) with alpha = 1:
// for count >= 2, c = 1 + (count - 1) = count exactly; for count = 1,
// c = 1 + FLT_MIN rounds to exactly 1.0f and v > 0 keeps preference 1. Every
// row's normal equations, and so the factors, are then the peer's.
// --confidence=linear passes v = count, alpha = 1 (c = 1 + count), what
// `recsys-train --scaling=linear` trains. The work per iteration does not
// depend on the values (every stored entry costs the same in the CG steps),
// so both settings time the same; only the fitted factors differ.
//
// Memory. The whole process's peak RSS is reported (the protocol's number),
// split into the load phase (parsing plus core::SparseRows::FromEntries,
// which holds the entry list and the matrix at once) and the training phase
// (Linux: VmHWM is reset through /proc/self/clear_refs after loading).
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/als.h"
#include "core/mutexes.h"
#include "core/sparse.h"
#include "core/status_macros.h"

ABSL_FLAG(std::string, input, "",
          "Interactions: TSV or TSV.gz with the header 'user\\titem\\tcount' "
          "(e.g. the synth_u200k_i50k.tsv.gz that "
          "../shared/eval/synth/make_synth.py writes). Required.");
ABSL_FLAG(double, user_fraction, 1.0,
          "Keep only the first round(fraction x users) users (users = the "
          "largest user index + 1, found by a first pass over the file); "
          "in (0, 1].");
ABSL_FLAG(std::string, confidence, "count",
          "'count': confidence = count, as the peer protocol (strength "
          "max(count - 1, FLT_MIN), alpha 1); 'linear': confidence = 1 + "
          "count (strength count, alpha 1), as recsys-train "
          "--scaling=linear. Same work per iteration either way.");
ABSL_FLAG(int, factors, 64, "ALS vector dimension.");
ABSL_FLAG(int, iterations, 15, "ALS iterations (user half + item half).");
ABSL_FLAG(int, cg_steps, 3, "Conjugate-gradient steps per row.");
ABSL_FLAG(int, threads, 2, "Training threads.");
ABSL_FLAG(double, regularization, 0.01, "L2 regularisation.");
ABSL_FLAG(uint64_t, seed, 42, "Seed of the initial factors.");
ABSL_FLAG(bool, compute_loss, false,
          "Also compute the training loss after each iteration (outside the "
          "timed part, about a fifth of an iteration's work).");
ABSL_FLAG(bool, json, false,
          "Print one JSON object on stdout instead of the text report "
          "(progress lines then go to stderr).");

namespace recsys::bench {
namespace {

constexpr char kHeader[] = "user\titem\tcount";
// Indices are dense: a larger one is almost certainly a wrong file, and
// would make the row offsets alone take gigabytes.
constexpr uint32_t kMaxIndex = (1u << 27) - 1;
constexpr uint32_t kMaxCount = 1u << 24;  // exact in a float

enum class ConfidenceMapping { kCount, kLinear };

// Lines of a plain or gzip file, read in large blocks (gzgets would copy
// every line once more). Not thread-safe.
class LineReader {
 public:
  // NOT_FOUND-like failures (missing, unreadable) are INVALID_ARGUMENT here:
  // for this tool every bad input is the caller's to fix.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path) {
    errno = 0;
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot open: ",
                       errno != 0 ? std::strerror(errno) : "out of memory"));
    }
    gzbuffer(file, 1 << 20);
    return std::unique_ptr<LineReader>(new LineReader(path, file));
  }

  ~LineReader() { gzclose(file_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Sets *line to the next line without its "\n" (and "\r"), valid until the
  // next call, and returns true; returns false at the end of the file. A read
  // error, a truncated gzip stream or a line longer than the buffer is
  // INVALID_ARGUMENT naming the file and the line.
  absl::StatusOr<bool> Next(absl::string_view* line) {
    for (;;) {
      const char* begin = buffer_.data() + start_;
      const void* newline = std::memchr(begin, '\n', end_ - start_);
      if (newline != nullptr) {
        const size_t length = static_cast<const char*>(newline) - begin;
        *line = Trim(absl::string_view(begin, length));
        start_ += length + 1;
        ++line_number_;
        return true;
      }
      if (eof_) {
        if (start_ == end_) return false;
        *line = Trim(absl::string_view(begin, end_ - start_));
        start_ = end_;
        ++line_number_;
        return true;
      }
      // Keep the partial line and fill the rest of the buffer.
      if (start_ > 0) {
        std::memmove(buffer_.data(), begin, end_ - start_);
        end_ -= start_;
        start_ = 0;
      }
      if (end_ == buffer_.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ":", line_number_ + 1, ": line longer than ",
                         buffer_.size(), " bytes"));
      }
      const int n = gzread(file_, buffer_.data() + end_,
                           static_cast<unsigned>(buffer_.size() - end_));
      int errnum = Z_OK;
      absl::string_view message = gzerror(file_, &errnum);
      // zlib's message already starts with the path.
      absl::ConsumePrefix(&message, absl::StrCat(path_, ": "));
      // A gzip stream that stops early reads as Z_BUF_ERROR at its end.
      if (n < 0 || (errnum != Z_OK && !(errnum == Z_BUF_ERROR && n > 0))) {
        return absl::InvalidArgumentError(absl::StrCat(
            path_, ": read error after line ", line_number_, ": ", message));
      }
      if (n == 0) eof_ = true;
      end_ += static_cast<size_t>(n);
    }
  }

  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  LineReader(std::string path, gzFile file)
      : path_(std::move(path)), file_(file), buffer_(4 << 20) {}

  static absl::string_view Trim(absl::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  std::string path_;
  gzFile file_;
  std::vector<char> buffer_;
  size_t start_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last byte read
  bool eof_ = false;
  int64_t line_number_ = 0;
};

struct Row {
  uint32_t user = 0;
  uint32_t item = 0;
  uint32_t count = 0;
};

// A field for an error message: quoted, cut at 40 bytes.
std::string Quote(absl::string_view field) {
  if (field.size() > 40) return absl::StrCat("'", field.substr(0, 40), "...'");
  return absl::StrCat("'", field, "'");
}

std::optional<uint32_t> ParseUint(absl::string_view field, uint32_t max) {
  if (field.empty() || field.size() > 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// The error message has no location; the caller adds "path:line: ".
absl::StatusOr<Row> ParseRow(absl::string_view line) {
  absl::string_view fields[3];
  size_t n = 0;  // fields seen, also past the third
  for (;;) {
    const size_t tab = line.find('\t');
    if (n < 3) fields[n] = line.substr(0, tab);
    ++n;
    if (tab == absl::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  if (n != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected 3 tab-separated fields (user, item, count), got ", n));
  }
  const std::optional<uint32_t> user = ParseUint(fields[0], kMaxIndex);
  if (!user) {
    return absl::InvalidArgumentError(
        absl::StrCat("user ", Quote(fields[0]),
                     " is not a 0-based index below ", kMaxIndex + 1));
  }
  const std::optional<uint32_t> item = ParseUint(fields[1], kMaxIndex);
  if (!item) {
    return absl::InvalidArgumentError(
        absl::StrCat("item ", Quote(fields[1]),
                     " is not a 0-based index below ", kMaxIndex + 1));
  }
  const std::optional<uint32_t> count = ParseUint(fields[2], kMaxCount);
  if (!count || *count == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("count ", Quote(fields[2]),
                     " is not a whole number in [1, ", kMaxCount, "]"));
  }
  return Row{*user, *item, *count};
}

// Calls on_row(row) for every data row; checks the header.
template <typename OnRow>
absl::Status ForEachRow(const std::string& path, const OnRow& on_row) {
  ASSIGN_OR_RETURN(std::unique_ptr<LineReader> reader, LineReader::Open(path));
  absl::string_view line;
  ASSIGN_OR_RETURN(bool has_line, reader->Next(&line));
  if (!has_line) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": empty file, expected a header"));
  }
  if (line != kHeader) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: expected the header 'user\\titem\\tcount', got ",
        Quote(line)));
  }
  for (;;) {
    ASSIGN_OR_RETURN(has_line, reader->Next(&line));
    if (!has_line) return absl::OkStatus();
    absl::StatusOr<Row> row = ParseRow(line);
    if (!row.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", reader->line_number(), ": ", row.status().message()));
    }
    on_row(*row);
  }
}

struct LoadedMatrix {
  core::SparseRows user_items;
  int64_t total_users = 0;     // largest user index in the file + 1
  int64_t rows_read = 0;       // data rows of the kept users
  int64_t duplicate_rows = 0;  // rows merged into an earlier (user, item)
  double parse_seconds = 0;    // both passes
  double matrix_seconds = 0;   // merging, mapping and FromEntries
};

float Strength(double count, ConfidenceMapping mapping) {
  if (mapping == ConfidenceMapping::kLinear) return static_cast<float>(count);
  // See the file comment: 1 + FLT_MIN is 1.0f, and FLT_MIN > 0 keeps the
  // preference at 1.
  return std::max(static_cast<float>(count - 1), FLT_MIN);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

absl::StatusOr<LoadedMatrix> LoadMatrix(const std::string& path,
                                        double user_fraction,
                                        ConfidenceMapping mapping) {
  LoadedMatrix loaded;
  const auto parse_start = std::chrono::steady_clock::now();
  // The cut needs the number of users before the second pass keeps rows.
  uint32_t user_limit = kMaxIndex + 1;  // exclusive
  if (user_fraction < 1.0) {
    int64_t max_user = -1;
    RETURN_IF_ERROR(ForEachRow(path, [&](const Row& row) {
      max_user = std::max<int64_t>(max_user, row.user);
    }));
    loaded.total_users = max_user + 1;
    user_limit = static_cast<uint32_t>(std::clamp<int64_t>(
        std::llround(user_fraction * static_cast<double>(loaded.total_users)),
        1, std::max<int64_t>(1, loaded.total_users)));
  }
  std::vector<core::SparseEntry> entries;
  int64_t max_user = -1;
  int64_t max_item = -1;
  RETURN_IF_ERROR(ForEachRow(path, [&](const Row& row) {
    max_user = std::max<int64_t>(max_user, row.user);
    if (row.user >= user_limit) return;
    max_item = std::max<int64_t>(max_item, row.item);
    entries.push_back({.row = row.user,
                       .col = row.item,
                       .value = static_cast<float>(row.count)});
  }));
  if (user_fraction >= 1.0) {
    loaded.total_users = max_user + 1;
    user_limit = static_cast<uint32_t>(loaded.total_users);
  }
  loaded.parse_seconds = SecondsSince(parse_start);
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no interactions (of the kept users)"));
  }
  loaded.rows_read = static_cast<int64_t>(entries.size());

  const auto matrix_start = std::chrono::steady_clock::now();
  // Counts are summed before they become strengths: FromEntries would sum
  // the strengths, and max(count - 1, FLT_MIN) is not additive. The synth
  // file is sorted and has no repeats, so this is one pass there.
  auto less = [](const core::SparseEntry& a, const core::SparseEntry& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  };
  if (!std::is_sorted(entries.begin(), entries.end(), less)) {
    std::sort(entries.begin(), entries.end(), less);
  }
  size_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (kept > 0 && entries[kept - 1].row == entries[i].row &&
        entries[kept - 1].col == entries[i].col) {
      entries[kept - 1].value += entries[i].value;
    } else {
      entries[kept++] = entries[i];
    }
  }
  loaded.duplicate_rows = static_cast<int64_t>(entries.size() - kept);
  entries.resize(kept);
  for (core::SparseEntry& e : entries) e.value = Strength(e.value, mapping);
  loaded.user_items = core::SparseRows::FromEntries(user_limit, max_item + 1,
                                                    std::move(entries));
  loaded.matrix_seconds = SecondsSince(matrix_start);
  return loaded;
}

double PeakRssMib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

// Resets the kernel's high-water mark of resident memory (VmHWM, which
// ru_maxrss also reads) to the current RSS. Returns false where
// /proc/self/clear_refs is missing or not writable.
bool ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return clear_refs.good();
}

// VmHWM of /proc/self/status in MiB, or nullopt when unreadable.
std::optional<double> HighWaterRssMib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmHWM:")) {
      long long kib = 0;
      if (std::sscanf(line.c_str() + 6, "%lld", &kib) == 1) {
        return static_cast<double>(kib) / 1024.0;
      }
    }
  }
  return std::nullopt;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                : (values[mid - 1] + values[mid]) / 2;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string JsonNumber(std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return "null";
  return absl::StrFormat("%.6g", *value);
}

int Usage(absl::string_view message) {
  std::fprintf(stderr, "error: %s\n(see recsys-als-bench --help)\n",
               std::string(message).c_str());
  return 2;
}

int Run() {
  const std::string input = absl::GetFlag(FLAGS_input);
  const double user_fraction = absl::GetFlag(FLAGS_user_fraction);
  const std::string confidence = absl::GetFlag(FLAGS_confidence);
  const bool json = absl::GetFlag(FLAGS_json);
  if (input.empty()) return Usage("--input is required");
  if (!(user_fraction > 0 && user_fraction <= 1)) {
    return Usage("--user_fraction must be in (0, 1]");
  }
  ConfidenceMapping mapping;
  if (confidence == "count") {
    mapping = ConfidenceMapping::kCount;
  } else if (confidence == "linear") {
    mapping = ConfidenceMapping::kLinear;
  } else {
    return Usage(absl::StrCat("--confidence must be 'count' or 'linear', got '",
                              confidence, "'"));
  }
  core::AlsOptions options;
  options.factors = absl::GetFlag(FLAGS_factors);
  options.iterations = absl::GetFlag(FLAGS_iterations);
  options.cg_steps = absl::GetFlag(FLAGS_cg_steps);
  options.num_threads = absl::GetFlag(FLAGS_threads);
  options.regularization =
      static_cast<float>(absl::GetFlag(FLAGS_regularization));
  options.alpha = 1.0f;  // both mappings; see the file comment
  options.seed = absl::GetFlag(FLAGS_seed);
  options.compute_loss = absl::GetFlag(FLAGS_compute_loss);
  // The same checks TrainImplicitAls makes, before minutes of loading.
  if (options.factors < 1 || options.factors > 4096 || options.iterations < 1 ||
      options.cg_steps < 1 || options.num_threads < 1 ||
      !(options.regularization >= 0)) {
    return Usage(
        "need --factors in [1, 4096], --iterations >= 1, --cg_steps >= 1, "
        "--threads >= 1 and --regularization >= 0");
  }
  // Progress goes where the report does not.
  std::FILE* progress_out = json ? stderr : stdout;

  const auto load_start = std::chrono::steady_clock::now();
  absl::StatusOr<LoadedMatrix> loaded =
      LoadMatrix(input, user_fraction, mapping);
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n",
                 std::string(loaded.status().message()).c_str());
    return 2;
  }
  const double load_seconds = SecondsSince(load_start);
  const core::SparseRows& matrix = loaded->user_items;
  const double load_peak_mib = PeakRssMib();
  std::fprintf(progress_out,
               "loaded %s: users %lld (of %lld), items %lld, nnz %lld in "
               "%.2f s; peak RSS %.1f MiB\n",
               input.c_str(), static_cast<long long>(matrix.rows()),
               static_cast<long long>(loaded->total_users),
               static_cast<long long>(matrix.cols()),
               static_cast<long long>(matrix.nnz()), load_seconds,
               load_peak_mib);
  std::fprintf(
      progress_out,
      "ALS: factors %d, iterations %d, cg_steps %d, threads %d, "
      "regularization %g, %s\n",
      options.factors, options.iterations, options.cg_steps,
      options.num_threads, options.regularization,
      mapping == ConfidenceMapping::kCount
          ? "confidence = count (strength max(count - 1, FLT_MIN), alpha 1)"
          : "confidence = 1 + count (strength count, alpha 1)");
  std::fflush(progress_out);

  const bool phase_peak = ResetPeakRss();
  std::vector<double> iteration_seconds;
  std::vector<double> losses;
  const auto train_start = std::chrono::steady_clock::now();
  absl::StatusOr<core::AlsFactors> factors = core::TrainImplicitAls(
      matrix, options, [&](const core::AlsIterationStats& stats) {
        iteration_seconds.push_back(stats.seconds);
        if (stats.loss) losses.push_back(*stats.loss);
        const std::string loss =
            stats.loss ? absl::StrFormat(", loss %.6g", *stats.loss) : "";
        std::fprintf(progress_out, "iteration %d: %.3f s%s\n", stats.iteration,
                     stats.seconds, loss.c_str());
        std::fflush(progress_out);
      });
  const double train_seconds = SecondsSince(train_start);
  if (!factors.ok()) {
    std::fprintf(stderr, "error: training failed: %s\n",
                 factors.status().ToString().c_str());
    return 1;
  }
  std::optional<double> train_peak_mib;
  if (phase_peak) train_peak_mib = HighWaterRssMib();
  // ru_maxrss was reset with VmHWM: the whole run's peak is the larger phase.
  const double peak_mib =
      std::max(load_peak_mib,
               train_peak_mib.has_value() ? *train_peak_mib : PeakRssMib());
  const double median = Median(iteration_seconds);

  if (json) {
    std::vector<std::string> per_iteration;
    for (double s : iteration_seconds) per_iteration.push_back(JsonNumber(s));
    std::vector<std::string> loss_values;
    for (double l : losses) loss_values.push_back(JsonNumber(l));
    std::printf(
        "{\"input\": %s, \"user_fraction\": %s, \"total_users\": %lld, "
        "\"users\": %lld, \"items\": %lld, \"rows_read\": %lld, "
        "\"duplicate_rows\": %lld, \"nnz\": %lld, \"confidence\": %s, "
        "\"alpha\": 1, \"factors\": %d, \"iterations\": %d, \"cg_steps\": %d, "
        "\"threads\": %d, \"regularization\": %s, \"seed\": %llu, "
        "\"load_seconds\": %s, \"parse_seconds\": %s, \"matrix_seconds\": %s, "
        "\"train_seconds\": %s, \"iteration_seconds\": [%s], "
        "\"median_iteration_seconds\": %s, \"loss\": [%s], "
        "\"peak_rss_mib\": %s, \"peak_rss_load_mib\": %s, "
        "\"peak_rss_train_mib\": %s}\n",
        JsonString(input).c_str(), JsonNumber(user_fraction).c_str(),
        static_cast<long long>(loaded->total_users),
        static_cast<long long>(matrix.rows()),
        static_cast<long long>(matrix.cols()),
        static_cast<long long>(loaded->rows_read),
        static_cast<long long>(loaded->duplicate_rows),
        static_cast<long long>(matrix.nnz()), JsonString(confidence).c_str(),
        options.factors, options.iterations, options.cg_steps,
        options.num_threads, JsonNumber(options.regularization).c_str(),
        static_cast<unsigned long long>(options.seed),
        JsonNumber(load_seconds).c_str(),
        JsonNumber(loaded->parse_seconds).c_str(),
        JsonNumber(loaded->matrix_seconds).c_str(),
        JsonNumber(train_seconds).c_str(),
        absl::StrJoin(per_iteration, ", ").c_str(), JsonNumber(median).c_str(),
        absl::StrJoin(loss_values, ", ").c_str(), JsonNumber(peak_mib).c_str(),
        JsonNumber(load_peak_mib).c_str(), JsonNumber(train_peak_mib).c_str());
    return 0;
  }
  std::printf(
      "load %.2f s (parse %.2f s, matrix %.2f s); %lld rows read, %lld "
      "duplicates merged\n",
      load_seconds, loaded->parse_seconds, loaded->matrix_seconds,
      static_cast<long long>(loaded->rows_read),
      static_cast<long long>(loaded->duplicate_rows));
  std::printf(
      "median %.3f s/iteration over %zu iterations; training %.2f s in all "
      "(with the transpose and the initial factors)\n",
      median, iteration_seconds.size(), train_seconds);
  std::printf("peak RSS %.1f MiB (load phase %.1f MiB, training phase %s)\n",
              peak_mib, load_peak_mib,
              train_peak_mib.has_value()
                  ? absl::StrFormat("%.1f MiB", *train_peak_mib).c_str()
                  : "unknown");
  return 0;
}

}  // namespace
}  // namespace recsys::bench

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "bench/als_synth_bench.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(
      "Times core::TrainImplicitAls on a (user, item, count) matrix: seconds "
      "per iteration (user half + item half) and their median, load time, "
      "nnz and the process's peak RSS. Default settings are the trainer "
      "speed protocol of ../shared/eval/README.md (confidence = count, 15 "
      "iterations, 3 CG steps, 2 threads, 64 factors). Exit status: 0 done, "
      "2 bad flags or bad input (the message names the file and line), 1 "
      "training failed.\n"
      "Usage: recsys-als-bench --input=synth_u200k_i50k.tsv.gz "
      "[--user_fraction=0.25] [--factors=128] [--json]");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    return recsys::bench::Usage(absl::StrCat("unexpected argument ", rest[1]));
  }
  return recsys::bench::Run();
}
