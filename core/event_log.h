// A durable, append-only log of app feedback events (impressions, plays,
// skips, likes, dislikes) on local disk. The server's Feedback RPC appends to
// it; the trainer reads it back and turns the events into interactions.
//
// Files. <dir>/events-<sequence>.log, the sequence a 20-digit zero-padded
// decimal. A writer never appends to an existing file: each writer (one per
// process start) and each rotation starts a new file with a higher sequence,
// so files read in sequence order give events in append order.
//
// Lines. UTF-8 text, one event per line, seven tab-separated fields:
//   timestamp_ms \t type \t user_id \t track_id \t surface \t variant \t crc
// timestamp_ms is a decimal int64 (milliseconds since the Unix epoch), type
// is a FeedbackTypeName(), and crc is the CRC-32 (zlib / IEEE 802.3) of every
// byte before the last tab, as 8 lower-case hex digits. The line ends with
// "\n".
//
// Crash safety. A batch of events reaches the file with one write(2) call, and
// a file only ever grows by whole batches, so killing the process at any
// moment leaves each file as a prefix of what was appended: at worst its last
// line is cut short. The reader detects such a torn line (no "\n") and any
// damaged line (CRC or field count), skips it and counts it. Surviving a
// power loss as well needs fsync_each_append or calls to Sync().
//
// Thread safety: EventLogWriter states its own; the free functions share no
// state.
#ifndef RECSYS_CORE_EVENT_LOG_H_
#define RECSYS_CORE_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/catalog.h"

namespace recsys::core {

enum class FeedbackType : uint8_t {
  kImpression,
  kPlay,
  kSkip,
  kLike,
  kDislike
};

// "impression", "play", "skip", "like", "dislike"; "" for a value outside the
// enum.
absl::string_view FeedbackTypeName(FeedbackType type);
// Returns nullopt when `name` is none of the names above.
std::optional<FeedbackType> ParseFeedbackType(absl::string_view name);

// One thing a user did with (or was shown) one track.
struct FeedbackEvent {
  int64_t timestamp_ms = 0;  // when it happened, ms since the Unix epoch
  std::string user_id;
  std::string track_id;
  std::string surface;  // where the track was shown, e.g. "discover_weekly"
  std::string variant;  // the model variant that produced it, e.g. "control"
  FeedbackType type = FeedbackType::kPlay;
};

// The longest user_id, track_id, surface or variant Append accepts, in bytes.
inline constexpr size_t kMaxFeedbackFieldBytes = 1024;

struct EventLogOptions {
  // The log's directory; created (with its parents) if missing. Required.
  std::string dir;
  // A batch that would take the current file past this many bytes goes to a
  // new file. A file is larger only when a single batch is. Must be > 0.
  // Default 64 MiB.
  int64_t max_file_bytes = 64 << 20;
  // When true, every Append ends with fdatasync(2), so an acknowledged event
  // survives a power loss as well as a crash (slower). Default false.
  bool fsync_each_append = false;
};

// Appends events to the log in EventLogOptions::dir.
//
// Thread safety: all methods may be called concurrently; batches from
// different threads never interleave. Any number of writers on one directory
// (in this or other processes) never share a file, but the relative order of
// their events is then lost: prefer one writer per directory.
class EventLogWriter {
 public:
  // Creates the directory if needed and opens a new, empty file after the
  // highest sequence present (existing files are never appended to).
  // Returns INVALID_ARGUMENT when options.dir is empty or
  // options.max_file_bytes <= 0, and the OS error's code, naming the path,
  // when the directory or the file cannot be created.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EventLogWriter>> Open(
      const EventLogOptions& options);

  EventLogWriter(const EventLogWriter&) = delete;
  EventLogWriter& operator=(const EventLogWriter&) = delete;

  // Syncs and closes the current file; errors are logged, not returned.
  ~EventLogWriter();

  // Appends `events` in order, as whole lines, with one write(2) call (should
  // the kernel take only part of the batch, as on a signal or a full disk,
  // the rest follows at once; a crash still leaves at most one torn line).
  // First starts a new file when the batch would take the current one past
  // max_file_bytes; the finished file is synced. An empty span writes
  // nothing.
  // Returns OK when every event was handed to the OS (and synced when
  // fsync_each_append). Returns INVALID_ARGUMENT, writing nothing, when an
  // event's user_id, track_id, surface or variant contains a tab, "\n" or
  // "\r" or is longer than kMaxFeedbackFieldBytes, or its type is not a
  // FeedbackType. Returns the OS error's code, naming the path, when a new
  // file cannot be created or the finished one cannot be synced (nothing
  // written), or when the write fails (the file is cut back to its size
  // before the call; if even that fails, the next Append starts a new file);
  // with fsync_each_append, a failed fdatasync returns its error after the
  // events were written.
  [[nodiscard]] absl::Status Append(absl::Span<const FeedbackEvent> events);

  // fdatasync(2) of the current file: on OK every event appended so far has
  // reached the disk (finished files were synced when they were closed).
  // Returns the OS error's code, naming the path, on failure; the kernel may
  // then have dropped the unsynced data, even if a later Sync succeeds.
  [[nodiscard]] absl::Status Sync();

  // Bytes of the batches Append has accepted since Open, over all files.
  int64_t bytes_written() const;

 private:
  explicit EventLogWriter(EventLogOptions options);

  // Creates the file after the highest sequence in the directory, syncs the
  // directory, and makes it the current file (syncing and closing the old
  // one). On error, the current file is unchanged unless only the sync of the
  // old one failed.
  // REQUIRES: mu_ held.
  absl::Status StartNewFileLocked();
  // Writes all of `data` at the end of the current file.
  absl::Status WriteLocked(absl::string_view data);  // REQUIRES: mu_ held.

  const EventLogOptions options_;
  // std::mutex rather than absl::Mutex: Debian's Abseil is not built with
  // ThreadSanitizer, which then cannot see absl::Mutex synchronise, while
  // std::mutex is intercepted (deploy/sanitize.sh runs this under TSan).
  // Every field below is guarded by mu_.
  mutable std::mutex mu_;
  int fd_ = -1;
  std::string path_;
  int64_t file_bytes_ = 0;
  // The current file may hold a partial batch: write no more to it.
  bool file_damaged_ = false;
  int64_t bytes_written_ = 0;
};

// What ReadEventLog found, for logs and import checks.
struct EventLogReadReport {
  int64_t files = 0;            // events-*.log files read
  int64_t lines = 0;            // all lines, torn and corrupt ones included
  int64_t events = 0;           // lines returned as events
  int64_t corrupt_lines = 0;    // complete lines failing the CRC or parse
  int64_t torn_tail_lines = 0;  // unterminated last lines of a file

  // One line of key=value pairs, e.g. "files=2 lines=10 events=9 ...".
  std::string ToString() const;
};

// Reads every events-<20 digits>.log file in `dir` in sequence order (other
// files are ignored) and returns their events in file order. A complete line
// with a bad CRC, a field count other than seven, a timestamp that is not an
// int64 or an unknown type is skipped and counted in corrupt_lines; a last
// line without "\n" is skipped and counted in torn_tail_lines (one per file
// at most). A file a writer is appending to may end in a batch still being
// written, which then counts as torn: read closed files for an exact import.
// When `report` is not null it describes the read on OK and is left
// unchanged on error.
// Returns NOT_FOUND when `dir` does not exist, and the OS error's code,
// naming the path, when `dir` or a file cannot be listed or read.
[[nodiscard]] absl::StatusOr<std::vector<FeedbackEvent>> ReadEventLog(
    const std::string& dir, EventLogReadReport* report);

// Turns events into one interaction per (user, track) on `catalog`:
// plays = the number of play events, skips = the number of skip and dislike
// events (a dislike is a negative signal), liked = there is a like and no
// dislike after the last like. "After" compares timestamp_ms, then position
// in `events` for equal timestamps. Counts saturate at 2^32 - 1.
// Impressions are ignored entirely. Other events whose track_id is not in
// the catalog are skipped; when `unknown_tracks` is not null, *unknown_tracks
// is set to their number. Users are matched by id; ids not in `users` are
// appended to it with an empty country, in first-seen order (only for events
// that yield an interaction). Returns the interactions sorted by (user, track).
std::vector<Interaction> EventsToInteractions(
    const std::vector<FeedbackEvent>& events, const Catalog& catalog,
    std::vector<User>& users, int64_t* unknown_tracks);

}  // namespace recsys::core

#endif  // RECSYS_CORE_EVENT_LOG_H_
