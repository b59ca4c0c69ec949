#include "core/event_log.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::recsys::testing::WriteFile;

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Gives each test a fresh directory under a per-process one, so tests never
// see each other's files; a passing test removes it.
class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (ProcessDir() / info->name()).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void TearDown() override {
    if (HasFailure()) return;  // kept for inspection
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    fs::remove(ProcessDir(), ignored);  // only once empty
  }

  static fs::path ProcessDir() {
    return fs::path(::testing::TempDir()) /
           absl::StrCat("event_log_test-", ::getpid());
  }

  std::string dir_;
};

// The log files in `dir`, in name (= sequence) order.
std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("events-", 0) == 0) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// One comparable, readable string per event.
std::string Describe(const FeedbackEvent& event) {
  return absl::StrCat(event.timestamp_ms, "|", FeedbackTypeName(event.type),
                      "|", event.user_id, "|", event.track_id, "|",
                      event.surface, "|", event.variant);
}

std::vector<std::string> Describe(const std::vector<FeedbackEvent>& events) {
  std::vector<std::string> out;
  out.reserve(events.size());
  for (const FeedbackEvent& event : events) out.push_back(Describe(event));
  return out;
}

// A deterministic event; `i` picks every field.
FeedbackEvent MakeEvent(int64_t i, absl::string_view user = "user") {
  FeedbackEvent event;
  event.timestamp_ms = 1'700'000'000'000 + i;
  event.user_id = absl::StrCat(user, "-", i % 7);
  event.track_id = absl::StrCat("track-", i % 11);
  event.surface = i % 2 == 0 ? "discover_weekly" : "home";
  event.variant = i % 3 == 0 ? "control" : "als_v2";
  event.type = static_cast<FeedbackType>(i % 5);
  return event;
}

std::vector<FeedbackEvent> MakeEvents(int64_t count) {
  std::vector<FeedbackEvent> events;
  for (int64_t i = 0; i < count; ++i) events.push_back(MakeEvent(i));
  return events;
}

std::unique_ptr<EventLogWriter> OpenOrDie(const EventLogOptions& options) {
  absl::StatusOr<std::unique_ptr<EventLogWriter>> writer =
      EventLogWriter::Open(options);
  EXPECT_TRUE(writer.ok()) << writer.status();
  return writer.ok() ? *std::move(writer) : nullptr;
}

std::vector<FeedbackEvent> ReadOrDie(const std::string& dir,
                                     EventLogReadReport& report) {
  absl::StatusOr<std::vector<FeedbackEvent>> events =
      ReadEventLog(dir, &report);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *std::move(events) : std::vector<FeedbackEvent>();
}

TEST(FeedbackTypeTest, NamesRoundTrip) {
  for (FeedbackType type :
       {FeedbackType::kImpression, FeedbackType::kPlay, FeedbackType::kSkip,
        FeedbackType::kLike, FeedbackType::kDislike}) {
    EXPECT_EQ(ParseFeedbackType(FeedbackTypeName(type)), type);
  }
  EXPECT_EQ(FeedbackTypeName(FeedbackType::kDislike), "dislike");
  EXPECT_EQ(ParseFeedbackType("Play"), std::nullopt);
  EXPECT_EQ(ParseFeedbackType(""), std::nullopt);
}

TEST_F(EventLogTest, RoundTrip) {
  const std::string& dir = dir_;
  std::vector<FeedbackEvent> events = MakeEvents(20);
  events[3].timestamp_ms = -5;
  events[4].surface = "";
  events[5].user_id = "ユーザー";
  auto writer = OpenOrDie({.dir = dir, .fsync_each_append = true});
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).first(8)).ok());
  ASSERT_TRUE(writer->Append({}).ok());
  ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).subspan(8)).ok());
  ASSERT_TRUE(writer->Sync().ok());

  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(events)));
  EXPECT_EQ(report.ToString(),
            "files=1 lines=20 events=20 corrupt_lines=0 torn_tail_lines=0");
  const std::vector<std::string> files = LogFiles(dir);
  ASSERT_THAT(files, SizeIs(1));
  EXPECT_EQ(writer->bytes_written(),
            static_cast<int64_t>(fs::file_size(files[0])));
}

// Pins the documented line format, as an importer written elsewhere sees it.
TEST_F(EventLogTest, ReadsTheDocumentedFormat) {
  const std::string& dir = dir_;
  const auto line = [](absl::string_view text) {
    const uLong crc =
        crc32(0, reinterpret_cast<const Bytef*>(text.data()), text.size());
    return absl::StrFormat("%s\t%08x\n", text, crc);
  };
  WriteFile(dir + "/events-00000000000000000001.log",
            absl::StrCat(line("1700000000000\tlike\tu1\tt1\thome\tcontrol"),
                         line("5\tplay\tu1\tt1\thome"),  // valid CRC, 6 fields
                         line("6\tplay\tu1\tt1\thome\tcontrol\textra"),
                         line("x7\tplay\tu1\tt1\thome\tcontrol"),
                         line("8\tlisten\tu1\tt1\thome\tcontrol"),
                         "\n",  // empty line
                         line("9\tskip\tu2\tt2\t\tcontrol")));
  // Not log files: ignored.
  WriteFile(dir + "/events-1.log", line("1\tplay\tu\tt\ts\tv"));
  WriteFile(dir + "/notes.txt", "hello\n");

  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAre("1700000000000|like|u1|t1|home|control",
                          "9|skip|u2|t2||control"));
  EXPECT_EQ(report.ToString(),
            "files=1 lines=7 events=2 corrupt_lines=5 torn_tail_lines=0");

  // What the writer produces is exactly that format.
  const std::string written_dir = dir + "/written";
  FeedbackEvent event;
  event.timestamp_ms = 1700000000000;
  event.type = FeedbackType::kLike;
  event.user_id = "u1";
  event.track_id = "t1";
  event.surface = "home";
  event.variant = "control";
  {
    auto writer = OpenOrDie({.dir = written_dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append({event}).ok());
  }
  EXPECT_THAT(LogFiles(written_dir),
              ElementsAre(written_dir + "/events-00000000000000000001.log"));
  EXPECT_EQ(ReadFile(LogFiles(written_dir)[0]),
            line("1700000000000\tlike\tu1\tt1\thome\tcontrol"));
}

TEST_F(EventLogTest, RotatesBySize) {
  const std::string& dir = dir_;
  constexpr int64_t kMaxFileBytes = 600;
  const std::vector<FeedbackEvent> events = MakeEvents(90);
  auto writer = OpenOrDie({.dir = dir, .max_file_bytes = kMaxFileBytes});
  ASSERT_NE(writer, nullptr);
  for (size_t i = 0; i < events.size(); i += 3) {
    // Single events and batches of three.
    if (i % 2 == 0) {
      ASSERT_TRUE(writer->Append(absl::MakeConstSpan(&events[i], 3)).ok());
    } else {
      for (size_t j = i; j < i + 3; ++j) {
        ASSERT_TRUE(writer->Append({events[j]}).ok());
      }
    }
  }

  const std::vector<std::string> files = LogFiles(dir);
  ASSERT_GE(files.size(), 5u);
  int64_t total_bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(fs::path(files[i]).filename().string(),
              absl::StrFormat("events-%020d.log", i + 1));
    const auto size = static_cast<int64_t>(fs::file_size(files[i]));
    EXPECT_LE(size, kMaxFileBytes) << files[i];
    EXPECT_GT(size, 0) << files[i];
    total_bytes += size;
  }
  EXPECT_EQ(writer->bytes_written(), total_bytes);

  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(events)));
  EXPECT_EQ(report.files, static_cast<int64_t>(files.size()));
  EXPECT_EQ(report.corrupt_lines + report.torn_tail_lines, 0);
}

TEST_F(EventLogTest, OversizedBatchGetsAFileOfItsOwn) {
  const std::string& dir = dir_;
  const std::vector<FeedbackEvent> events = MakeEvents(12);
  auto writer = OpenOrDie({.dir = dir, .max_file_bytes = 100});
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append({events[0]}).ok());
  ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).subspan(1, 10)).ok());
  ASSERT_TRUE(writer->Append({events[11]}).ok());

  const std::vector<std::string> files = LogFiles(dir);
  ASSERT_THAT(files, SizeIs(3));
  EXPECT_GT(fs::file_size(files[1]), 100u);
  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(events)));
}

TEST_F(EventLogTest, NewWriterStartsANewFile) {
  const std::string& dir = dir_;
  const std::vector<FeedbackEvent> events = MakeEvents(9);
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).first(4)).ok());
  }
  ASSERT_THAT(LogFiles(dir), SizeIs(1));
  const std::string first_file = LogFiles(dir)[0];
  const std::string first_content = ReadFile(first_file);
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).subspan(4, 3)).ok());
  }
  EXPECT_THAT(LogFiles(dir),
              ElementsAre(dir + "/events-00000000000000000001.log",
                          dir + "/events-00000000000000000002.log"));
  EXPECT_EQ(ReadFile(first_file), first_content);

  // Continues after the highest sequence, across gaps.
  WriteFile(dir + "/events-00000000000000000041.log", "");
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(absl::MakeConstSpan(events).subspan(7)).ok());
  }
  EXPECT_EQ(LogFiles(dir).back(), dir + "/events-00000000000000000042.log");

  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(events)));
  EXPECT_EQ(report.files, 4);
}

TEST_F(EventLogTest, TornLastLineIsSkippedAndCounted) {
  const std::string& dir = dir_;
  const std::vector<FeedbackEvent> events = MakeEvents(10);
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(events).ok());
  }
  const std::string file = LogFiles(dir)[0];
  fs::resize_file(file, fs::file_size(file) - 4);

  EventLogReadReport report;
  std::vector<FeedbackEvent> expected(events.begin(), events.end() - 1);
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(expected)));
  EXPECT_EQ(report.ToString(),
            "files=1 lines=10 events=9 corrupt_lines=0 torn_tail_lines=1");

  // The torn file stays behind a later writer's file, which reads intact.
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append({events.back()}).ok());
  }
  expected.push_back(events.back());
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(expected)));
  EXPECT_EQ(report.ToString(),
            "files=2 lines=11 events=10 corrupt_lines=0 torn_tail_lines=1");
}

TEST_F(EventLogTest, FlippedByteIsCaughtByTheCrc) {
  const std::string& dir = dir_;
  const std::vector<FeedbackEvent> events = MakeEvents(10);
  {
    auto writer = OpenOrDie({.dir = dir});
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(events).ok());
  }
  const std::string file = LogFiles(dir)[0];
  std::string content = ReadFile(file);
  // Line 4 (0-based): a bit in its user_id; line 7: a bit in its CRC digits.
  const auto line_start = [&content](int line) {
    size_t pos = 0;
    for (int i = 0; i < line; ++i) pos = content.find('\n', pos) + 1;
    return pos;
  };
  const size_t user_pos = content.find("user-", line_start(4));
  ASSERT_LT(user_pos, line_start(5));
  content[user_pos] ^= 0x01;
  const size_t crc_pos = content.find('\n', line_start(7)) - 3;
  content[crc_pos] = content[crc_pos] == '0' ? '1' : '0';
  WriteFile(file, content);

  std::vector<FeedbackEvent> expected = events;
  expected.erase(expected.begin() + 7);
  expected.erase(expected.begin() + 4);
  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)),
              ElementsAreArray(Describe(expected)));
  EXPECT_EQ(report.ToString(),
            "files=1 lines=10 events=8 corrupt_lines=2 torn_tail_lines=0");
}

TEST_F(EventLogTest, RejectsUnrepresentableFieldsWritingNothing) {
  const std::string& dir = dir_;
  auto writer = OpenOrDie({.dir = dir});
  ASSERT_NE(writer, nullptr);
  const FeedbackEvent good = MakeEvent(0);
  std::vector<FeedbackEvent> bad(6, good);
  bad[0].user_id = "a\tb";
  bad[1].track_id = "t\n";
  bad[2].surface = "home\r";
  bad[3].variant = "\t";
  bad[4].track_id = std::string(kMaxFeedbackFieldBytes + 1, 'x');
  bad[5].type = static_cast<FeedbackType>(7);
  for (const FeedbackEvent& event : bad) {
    const absl::Status status = writer->Append({good, event});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << status << " for " << Describe(event);
  }
  EXPECT_EQ(writer->bytes_written(), 0);

  FeedbackEvent longest = good;
  longest.track_id = std::string(kMaxFeedbackFieldBytes, 'x');
  ASSERT_TRUE(writer->Append({longest}).ok());
  writer.reset();

  EventLogReadReport report;
  EXPECT_THAT(Describe(ReadOrDie(dir, report)), ElementsAre(Describe(longest)));
  EXPECT_EQ(report.ToString(),
            "files=1 lines=1 events=1 corrupt_lines=0 torn_tail_lines=0");
}

TEST_F(EventLogTest, ReportsBadOptionsAndMissingDirectories) {
  const std::string& dir = dir_;
  EXPECT_EQ(EventLogWriter::Open({.dir = ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      EventLogWriter::Open({.dir = dir, .max_file_bytes = 0}).status().code(),
      absl::StatusCode::kInvalidArgument);
  WriteFile(dir + "/plain_file", "x");
  EXPECT_FALSE(EventLogWriter::Open({.dir = dir + "/plain_file/log"}).ok());

  EventLogReadReport report;
  report.files = 99;
  EXPECT_EQ(ReadEventLog(dir + "/missing", &report).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(report.files, 99);  // untouched on error

  // Open creates missing parents; an empty log reads as no events.
  const std::string nested = dir + "/a/b";
  ASSERT_NE(OpenOrDie({.dir = nested}), nullptr);
  absl::StatusOr<std::vector<FeedbackEvent>> events =
      ReadEventLog(nested, nullptr);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_THAT(*events, IsEmpty());
}

TEST_F(EventLogTest, ConcurrentAppendsStayIntact) {
  const std::string& dir = dir_;
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 1000;
  // Small files, so that rotation races with appends too.
  auto writer = OpenOrDie({.dir = dir, .max_file_bytes = 16 << 10});
  ASSERT_NE(writer, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&writer, &failures, t] {
      for (int i = 0; i < kEventsPerThread; ++i) {
        FeedbackEvent event = MakeEvent(i, absl::StrCat("thread", t));
        event.user_id = absl::StrCat("thread", t);
        event.timestamp_ms = i;
        if (!writer->Append({event}).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
  writer.reset();

  EventLogReadReport report;
  const std::vector<FeedbackEvent> events = ReadOrDie(dir, report);
  EXPECT_EQ(report.events, kThreads * kEventsPerThread);
  EXPECT_EQ(report.lines, kThreads * kEventsPerThread);
  EXPECT_EQ(report.corrupt_lines, 0);
  EXPECT_EQ(report.torn_tail_lines, 0);
  EXPECT_GT(report.files, 1);
  // Each thread's events arrive whole, once, and in its order.
  std::vector<int64_t> next(kThreads, 0);
  for (const FeedbackEvent& event : events) {
    const int t = event.user_id.back() - '0';
    ASSERT_TRUE(t >= 0 && t < kThreads) << Describe(event);
    FeedbackEvent expected = MakeEvent(next[t], event.user_id);
    expected.user_id = event.user_id;
    expected.timestamp_ms = next[t];
    ASSERT_EQ(Describe(event), Describe(expected));
    ++next[t];
  }
  EXPECT_THAT(next, ElementsAre(kEventsPerThread, kEventsPerThread,
                                kEventsPerThread, kEventsPerThread));
}

// Kills a child process with SIGKILL when it goes out of scope, so that a
// failing test never leaves a writer running.
class ChildKiller {
 public:
  explicit ChildKiller(pid_t pid) : pid_(pid) {}
  ChildKiller(const ChildKiller&) = delete;
  ChildKiller& operator=(const ChildKiller&) = delete;
  ~ChildKiller() {
    if (pid_ > 0) KillAndWait();
  }
  // Returns the wait status.
  int KillAndWait() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

// The child of the crash test: appends batches of the events numbered 0, 1,
// 2, ... until killed, and reports on `started_fd` once the first batch is
// in. Never returns.
[[noreturn]] void AppendUntilKilled(const std::string& dir, int started_fd) {
  absl::StatusOr<std::unique_ptr<EventLogWriter>> writer =
      EventLogWriter::Open({.dir = dir, .max_file_bytes = 64 << 10});
  if (!writer.ok()) ::_exit(2);
  std::vector<FeedbackEvent> batch;
  for (int64_t next = 0, round = 0;; ++round) {
    batch.clear();
    // Batches of 1 to 8 events of some size make torn writes likely.
    for (int64_t i = 0; i < 1 + round % 8; ++i) {
      FeedbackEvent event = MakeEvent(next);
      event.timestamp_ms = next++;
      event.surface = std::string(200, 's');
      batch.push_back(std::move(event));
    }
    if (!(*writer)->Append(batch).ok()) ::_exit(3);
    if (round == 0) {
      const char started = 1;
      if (::write(started_fd, &started, 1) != 1) ::_exit(4);
      ::close(started_fd);
    }
  }
}

TEST_F(EventLogTest, SigkillLeavesAtMostOneTornLine) {
  const std::string& base_dir = dir_;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const std::string dir = absl::StrCat(base_dir, "/", round);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipe_fds[0]);
      AppendUntilKilled(dir, pipe_fds[1]);
    }
    ChildKiller killer(pid);
    ::close(pipe_fds[1]);
    char started = 0;
    ssize_t n;
    while ((n = ::read(pipe_fds[0], &started, 1)) < 0 && errno == EINTR) {
    }
    ::close(pipe_fds[0]);
    ASSERT_EQ(n, 1) << "the child exited before its first append";
    // Not synchronisation: lets the child get some way into its loop.
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + 2 * round));
    const int status = killer.KillAndWait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child wait status " << status;

    EventLogReadReport report;
    const std::vector<FeedbackEvent> events = ReadOrDie(dir, report);
    SCOPED_TRACE(report.ToString());
    EXPECT_EQ(report.corrupt_lines, 0);
    EXPECT_LE(report.torn_tail_lines, 1);
    ASSERT_GE(events.size(), 1u);
    // Every event appended before the tear is there, in order.
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i].timestamp_ms, static_cast<int64_t>(i));
    }
  }
}

TEST(EventsToInteractionsTest, AggregatesPerUserAndTrack) {
  Catalog catalog;
  for (const char* id : {"t0", "t1", "t2"}) {
    Track track;
    track.id = id;
    catalog.tracks.push_back(track);
  }
  std::vector<User> users = {{"u9", "SE"}, {"u1", "DE"}};

  const auto event = [](int64_t ts, absl::string_view user,
                        absl::string_view track, FeedbackType type) {
    FeedbackEvent e;
    e.timestamp_ms = ts;
    e.user_id = std::string(user);
    e.track_id = std::string(track);
    e.surface = "home";
    e.variant = "control";
    e.type = type;
    return e;
  };
  using T = FeedbackType;
  const std::vector<FeedbackEvent> events = {
      event(1, "u1", "t1", T::kPlay),
      event(2, "u1", "t1", T::kPlay),
      event(3, "u1", "t1", T::kSkip),
      event(4, "u1", "t1", T::kLike),
      event(5, "u1", "t1", T::kDislike),  // after the like: not liked
      event(1, "u2", "t2", T::kImpression),
      event(2, "u2", "t0", T::kDislike),
      event(3, "u2", "t0", T::kLike),  // a like after the dislike counts
      event(9, "u3", "t2", T::kLike),
      event(8, "u3", "t2", T::kDislike),     // logged later, happened earlier
      event(7, "u4", "t2", T::kImpression),  // only impressions: no user
      event(7, "u1", "gone", T::kPlay),
      event(7, "u5", "gone", T::kLike),
      event(6, "u1", "t0", T::kLike),
      event(6, "u1", "t0", T::kDislike),  // same time, later in the log
  };

  int64_t unknown = -1;
  const std::vector<Interaction> interactions =
      EventsToInteractions(events, catalog, users, &unknown);
  EXPECT_EQ(unknown, 2);
  std::vector<std::string> user_ids;
  for (const User& user : users) {
    user_ids.push_back(absl::StrCat(user.id, ":", user.country));
  }
  EXPECT_THAT(user_ids, ElementsAre("u9:SE", "u1:DE", "u2:", "u3:"));

  std::vector<std::string> described;
  for (const Interaction& i : interactions) {
    described.push_back(absl::StrCat(i.user, ",", i.track, " plays=", i.plays,
                                     " skips=", i.skips, " liked=", i.liked));
  }
  EXPECT_THAT(described, ElementsAre("1,0 plays=0 skips=1 liked=0",
                                     "1,1 plays=2 skips=2 liked=0",
                                     "2,0 plays=0 skips=1 liked=1",
                                     "3,2 plays=0 skips=1 liked=1"));

  // A null counter is allowed; the users just added are found again.
  EXPECT_THAT(EventsToInteractions(events, catalog, users, nullptr), SizeIs(4));
  EXPECT_THAT(users, SizeIs(4));
}

}  // namespace
}  // namespace recsys::core
