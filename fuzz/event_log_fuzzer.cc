// Fuzzes the feedback event log reader (a server's log may be torn or
// corrupted on disk) and the conversion of its events to interactions.
#include "core/event_log.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  recsys::fuzz::WriteScratch(
      "events-00000000000000000001.log",
      absl::string_view(reinterpret_cast<const char*>(data), size));
  recsys::core::EventLogReadReport report;
  absl::StatusOr<std::vector<recsys::core::FeedbackEvent>> events =
      recsys::core::ReadEventLog(recsys::fuzz::ScratchDir(), &report);
  if (events.ok()) {
    recsys::core::Catalog catalog;
    catalog.genres = {"pop"};
    catalog.subgenres = {""};
    catalog.artists = {{"a", "A", 0}};
    recsys::core::Track track;
    track.id = "t1";
    catalog.tracks = {track};
    std::vector<recsys::core::User> users;
    int64_t unknown = 0;
    (void)recsys::core::EventsToInteractions(*events, catalog, users, &unknown);
  }
  return 0;
}
