#include "core/event_log.h"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/catalog.h"
#include "core/logging.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

constexpr absl::string_view kFilePrefix = "events-";
constexpr absl::string_view kFileSuffix = ".log";
constexpr size_t kSequenceDigits = 20;
constexpr int kFieldsPerLine = 7;  // six data fields and the CRC

absl::Status OsError(int error_number, absl::string_view action,
                     absl::string_view path) {
  return absl::ErrnoToStatus(error_number,
                             absl::StrCat(action, " '", path, "'"));
}

std::string FileName(uint64_t sequence) {
  return absl::StrFormat("%s%020d%s", kFilePrefix, sequence, kFileSuffix);
}

// The sequence of a log file's name, or nullopt for any other name.
std::optional<uint64_t> ParseFileName(absl::string_view name) {
  if (name.size() != kFilePrefix.size() + kSequenceDigits + kFileSuffix.size())
    return std::nullopt;
  if (name.substr(0, kFilePrefix.size()) != kFilePrefix ||
      name.substr(name.size() - kFileSuffix.size()) != kFileSuffix) {
    return std::nullopt;
  }
  const absl::string_view digits =
      name.substr(kFilePrefix.size(), kSequenceDigits);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t sequence = 0;
  // Twenty digits can exceed uint64: such a file is not one of ours.
  if (!absl::SimpleAtoi(digits, &sequence)) return std::nullopt;
  return sequence;
}

// The log files in `dir` as (sequence, path), in sequence order.
absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> ListLogFiles(
    const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> files;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  for (; !error && it != std::filesystem::directory_iterator();
       it.increment(error)) {
    const std::optional<uint64_t> sequence =
        ParseFileName(it->path().filename().native());
    if (sequence.has_value())
      files.emplace_back(*sequence, it->path().string());
  }
  if (error) return OsError(error.value(), "cannot list", dir);
  std::sort(files.begin(), files.end());
  return files;
}

std::string CrcHex(absl::string_view text) {
  const uLong crc =
      crc32_z(0, reinterpret_cast<const Bytef*>(text.data()), text.size());
  return absl::StrFormat("%08x", crc);
}

absl::Status ValidateField(size_t index, absl::string_view name,
                           absl::string_view value) {
  if (value.size() > kMaxFeedbackFieldBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", index, ": ", name, " is ", value.size(),
                     " bytes, over the limit of ", kMaxFeedbackFieldBytes));
  }
  if (value.find_first_of("\t\n\r") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event ", index, ": ", name, " contains a tab or line break"));
  }
  return absl::OkStatus();
}

// Appends the lines of `events` to `batch`, or fails before appending any.
absl::Status FormatBatch(absl::Span<const FeedbackEvent> events,
                         std::string& batch) {
  for (size_t i = 0; i < events.size(); ++i) {
    const FeedbackEvent& event = events[i];
    RETURN_IF_ERROR(ValidateField(i, "user_id", event.user_id));
    RETURN_IF_ERROR(ValidateField(i, "track_id", event.track_id));
    RETURN_IF_ERROR(ValidateField(i, "surface", event.surface));
    RETURN_IF_ERROR(ValidateField(i, "variant", event.variant));
    if (FeedbackTypeName(event.type).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, ": unknown feedback type ",
                       static_cast<int>(event.type)));
    }
  }
  for (const FeedbackEvent& event : events) {
    const size_t start = batch.size();
    absl::StrAppend(&batch, event.timestamp_ms, "\t",
                    FeedbackTypeName(event.type), "\t", event.user_id, "\t",
                    event.track_id, "\t", event.surface, "\t", event.variant);
    const std::string crc = CrcHex(absl::string_view(batch).substr(start));
    absl::StrAppend(&batch, "\t", crc, "\n");
  }
  return absl::OkStatus();
}

// The event of one complete line (without its "\n"), or nullopt when the line
// is damaged.
std::optional<FeedbackEvent> ParseLine(absl::string_view line) {
  const size_t last_tab = line.rfind('\t');
  if (last_tab == absl::string_view::npos) return std::nullopt;
  const absl::string_view text = line.substr(0, last_tab);
  if (line.substr(last_tab + 1) != CrcHex(text)) return std::nullopt;

  std::array<absl::string_view, kFieldsPerLine - 1> fields;
  size_t count = 0;
  size_t begin = 0;
  for (;;) {
    const size_t tab = text.find('\t', begin);
    if (count == fields.size()) return std::nullopt;
    fields[count++] = text.substr(begin, tab - begin);
    if (tab == absl::string_view::npos) break;
    begin = tab + 1;
  }
  if (count != fields.size()) return std::nullopt;

  FeedbackEvent event;
  if (!absl::SimpleAtoi(fields[0], &event.timestamp_ms)) return std::nullopt;
  const std::optional<FeedbackType> type = ParseFeedbackType(fields[1]);
  if (!type.has_value()) return std::nullopt;
  event.type = *type;
  event.user_id = std::string(fields[2]);
  event.track_id = std::string(fields[3]);
  event.surface = std::string(fields[4]);
  event.variant = std::string(fields[5]);
  return event;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OsError(errno, "cannot open", path);
  std::string content;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      ::close(fd);
      return OsError(error_number, "cannot read", path);
    }
    if (n == 0) break;
    content.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

// Makes a file's creation (or removal) in `dir` survive a power loss.
absl::Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OsError(errno, "cannot open", dir);
  absl::Status status;
  if (::fsync(fd) != 0) status = OsError(errno, "cannot fsync", dir);
  ::close(fd);
  return status;
}

absl::Status SyncAndClose(int fd, const std::string& path) {
  absl::Status status;
  if (::fdatasync(fd) != 0) status = OsError(errno, "cannot fdatasync", path);
  // close() is not retried on EINTR: on Linux the descriptor is gone anyway.
  if (::close(fd) != 0 && status.ok()) {
    status = OsError(errno, "cannot close", path);
  }
  return status;
}

void SaturatingIncrement(uint32_t& count) {
  if (count != std::numeric_limits<uint32_t>::max()) ++count;
}

}  // namespace

absl::string_view FeedbackTypeName(FeedbackType type) {
  switch (type) {
    case FeedbackType::kImpression:
      return "impression";
    case FeedbackType::kPlay:
      return "play";
    case FeedbackType::kSkip:
      return "skip";
    case FeedbackType::kLike:
      return "like";
    case FeedbackType::kDislike:
      return "dislike";
  }
  return "";
}

std::optional<FeedbackType> ParseFeedbackType(absl::string_view name) {
  for (FeedbackType type :
       {FeedbackType::kImpression, FeedbackType::kPlay, FeedbackType::kSkip,
        FeedbackType::kLike, FeedbackType::kDislike}) {
    if (name == FeedbackTypeName(type)) return type;
  }
  return std::nullopt;
}

EventLogWriter::EventLogWriter(EventLogOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<EventLogWriter>> EventLogWriter::Open(
    const EventLogOptions& options) {
  if (options.dir.empty()) {
    return absl::InvalidArgumentError("event log dir is empty");
  }
  if (options.max_file_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event log max_file_bytes must be > 0, got ", options.max_file_bytes));
  }
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) return OsError(error.value(), "cannot create", options.dir);

  std::unique_ptr<EventLogWriter> writer(new EventLogWriter(options));
  {
    std::lock_guard<std::mutex> lock(writer->mu_);
    RETURN_IF_ERROR(writer->StartNewFileLocked());
  }
  return writer;
}

EventLogWriter::~EventLogWriter() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return;
  const absl::Status status = SyncAndClose(fd_, path_);
  if (!status.ok()) {
    Log(LogLevel::kError, "event_log_close_failed",
        {{"error", status.ToString()}});
  }
}

absl::Status EventLogWriter::StartNewFileLocked() {
  ASSIGN_OR_RETURN(const auto files, ListLogFiles(options_.dir));
  uint64_t sequence = files.empty() ? 1 : files.back().first + 1;
  if (!files.empty() &&
      files.back().first == std::numeric_limits<uint64_t>::max()) {
    return absl::FailedPreconditionError(
        absl::StrCat("event log sequence exhausted in '", options_.dir, "'"));
  }
  // EEXIST means another writer took the name since the listing: try the
  // next one, a bounded number of times.
  constexpr int kMaxAttempts = 100;
  std::string path;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    path = (std::filesystem::path(options_.dir) / FileName(sequence)).string();
    fd = ::open(path.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) break;
    if (errno == EINTR) continue;
    if (errno != EEXIST || attempt + 1 >= kMaxAttempts ||
        sequence == std::numeric_limits<uint64_t>::max()) {
      return OsError(errno, "cannot create", path);
    }
    ++sequence;
  }
  if (absl::Status status = SyncDir(options_.dir); !status.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }

  const int old_fd = fd_;
  const std::string old_path = std::move(path_);
  fd_ = fd;
  path_ = std::move(path);
  file_bytes_ = 0;
  file_damaged_ = false;
  // Sync() only covers the current file, so a finished one is synced here.
  if (old_fd >= 0) return SyncAndClose(old_fd, old_path);
  return absl::OkStatus();
}

absl::Status EventLogWriter::WriteLocked(absl::string_view data) {
  size_t done = 0;
  int error_number = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_number = errno;
      break;
    }
    // A regular file reports lack of room as an error, not as 0; guard the
    // loop anyway.
    if (n == 0) {
      error_number = EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (error_number == 0) {
    file_bytes_ += static_cast<int64_t>(data.size());
    return absl::OkStatus();
  }
  // A partial batch in the middle of a file would read as a corrupt line:
  // remove it (O_APPEND puts the next write at the new end), or give up on
  // this file.
  if (done > 0) {
    int truncate_result;
    do {
      truncate_result = ::ftruncate(fd_, file_bytes_);
    } while (truncate_result != 0 && errno == EINTR);
    if (truncate_result != 0) file_damaged_ = true;
  }
  return OsError(error_number, "cannot write", path_);
}

absl::Status EventLogWriter::Append(absl::Span<const FeedbackEvent> events) {
  if (events.empty()) return absl::OkStatus();
  // Formatting happens before taking the lock so that threads only queue
  // for the write itself.
  std::string batch;
  RETURN_IF_ERROR(FormatBatch(events, batch));
  const auto batch_bytes = static_cast<int64_t>(batch.size());

  std::lock_guard<std::mutex> lock(mu_);
  if (file_damaged_ || (file_bytes_ > 0 &&
                        file_bytes_ + batch_bytes > options_.max_file_bytes)) {
    RETURN_IF_ERROR(StartNewFileLocked());
  }
  RETURN_IF_ERROR(WriteLocked(batch));
  bytes_written_ += batch_bytes;
  if (options_.fsync_each_append && ::fdatasync(fd_) != 0) {
    return OsError(errno, "cannot fdatasync", path_);
  }
  return absl::OkStatus();
}

absl::Status EventLogWriter::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (::fdatasync(fd_) != 0) return OsError(errno, "cannot fdatasync", path_);
  return absl::OkStatus();
}

int64_t EventLogWriter::bytes_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_written_;
}

std::string EventLogReadReport::ToString() const {
  return absl::StrCat("files=", files, " lines=", lines, " events=", events,
                      " corrupt_lines=", corrupt_lines,
                      " torn_tail_lines=", torn_tail_lines);
}

absl::StatusOr<std::vector<FeedbackEvent>> ReadEventLog(
    const std::string& dir, EventLogReadReport* report) {
  ASSIGN_OR_RETURN(const auto files, ListLogFiles(dir));
  EventLogReadReport counts;
  std::vector<FeedbackEvent> events;
  for (const auto& [sequence, path] : files) {
    ASSIGN_OR_RETURN(const std::string content, ReadWholeFile(path));
    ++counts.files;
    const absl::string_view rest(content);
    size_t begin = 0;
    while (begin < rest.size()) {
      ++counts.lines;
      const size_t end = rest.find('\n', begin);
      if (end == absl::string_view::npos) {
        ++counts.torn_tail_lines;
        break;
      }
      std::optional<FeedbackEvent> event =
          ParseLine(rest.substr(begin, end - begin));
      if (event.has_value()) {
        events.push_back(*std::move(event));
      } else {
        ++counts.corrupt_lines;
      }
      begin = end + 1;
    }
  }
  counts.events = static_cast<int64_t>(events.size());
  if (report != nullptr) *report = counts;
  return events;
}

std::vector<Interaction> EventsToInteractions(
    const std::vector<FeedbackEvent>& events, const Catalog& catalog,
    std::vector<User>& users, int64_t* unknown_tracks) {
  absl::flat_hash_map<absl::string_view, uint32_t> track_index;
  track_index.reserve(catalog.tracks.size());
  for (size_t i = 0; i < catalog.tracks.size(); ++i) {
    track_index.emplace(catalog.tracks[i].id, static_cast<uint32_t>(i));
  }
  // Keys are copies: `users` grows below, which would move its strings.
  absl::flat_hash_map<std::string, uint32_t> user_index;
  user_index.reserve(users.size());
  for (size_t i = 0; i < users.size(); ++i) {
    user_index.emplace(users[i].id, static_cast<uint32_t>(i));
  }

  // (timestamp_ms, position in `events`): what "later" means for likes.
  using EventOrder = std::pair<int64_t, size_t>;
  struct PairState {
    Interaction interaction;
    std::optional<EventOrder> last_like;
    std::optional<EventOrder> last_dislike;
  };
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, PairState> pairs;
  int64_t unknown = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const FeedbackEvent& event = events[i];
    if (event.type == FeedbackType::kImpression) continue;
    const auto track = track_index.find(event.track_id);
    if (track == track_index.end()) {
      ++unknown;
      continue;
    }
    const auto [user, inserted] = user_index.try_emplace(
        event.user_id, static_cast<uint32_t>(users.size()));
    if (inserted) users.push_back(User{event.user_id, ""});

    PairState& state = pairs[{user->second, track->second}];
    state.interaction.user = user->second;
    state.interaction.track = track->second;
    const EventOrder order{event.timestamp_ms, i};
    switch (event.type) {
      case FeedbackType::kImpression:
        break;
      case FeedbackType::kPlay:
        SaturatingIncrement(state.interaction.plays);
        break;
      case FeedbackType::kSkip:
        SaturatingIncrement(state.interaction.skips);
        break;
      case FeedbackType::kLike:
        state.last_like = std::max(state.last_like.value_or(order), order);
        break;
      case FeedbackType::kDislike:
        SaturatingIncrement(state.interaction.skips);
        state.last_dislike =
            std::max(state.last_dislike.value_or(order), order);
        break;
    }
  }
  if (unknown_tracks != nullptr) *unknown_tracks = unknown;

  std::vector<Interaction> interactions;
  interactions.reserve(pairs.size());
  for (auto& [key, state] : pairs) {
    state.interaction.liked =
        state.last_like.has_value() && (!state.last_dislike.has_value() ||
                                        *state.last_like > *state.last_dislike);
    interactions.push_back(state.interaction);
  }
  std::sort(interactions.begin(), interactions.end(),
            [](const Interaction& a, const Interaction& b) {
              return std::tie(a.user, a.track) < std::tie(b.user, b.track);
            });
  return interactions;
}

}  // namespace recsys::core
