#include "server/allocator.h"

#ifdef RECSYS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "absl/strings/str_cat.h"

#ifdef RECSYS_WITH_JEMALLOC
// jemalloc reads this at start; MALLOC_CONF in the environment overrides it.
// - background_thread: freed pages are returned to the system by jemalloc's
//   own threads, not inline in a request's free().
// - thp, metadata_thp: transparent huge pages, which a model load needs to
//   be fast (the system's THP mode is often "madvise": these ask for them).
// - dirty_decay_ms: freed pages are kept 30 s before they are returned, so
//   that the next model load refills them instead of faulting in new ones.
// - oversize_threshold:0: blocks of 8 MiB and more would otherwise come from
//   an arena of their own that returns them to the system as soon as they
//   are freed. Start-up of the 1M x 1M model, 7 alternated pairs: median
//   2.7 s without that arena, 3.1 s with it (glibc's malloc: 2.4 s).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's interface.
const char* malloc_conf =
    "background_thread:true,thp:always,metadata_thp:always,"
    "dirty_decay_ms:30000,muzzy_decay_ms:0,oversize_threshold:0";
}
#endif

namespace recsys::server {

std::string AllocatorDescription() {
#ifdef RECSYS_WITH_JEMALLOC
  const char* version = "?";
  size_t size = sizeof(version);
  (void)mallctl("version", &version, &size, nullptr, 0);
  bool background = false;
  size = sizeof(background);
  (void)mallctl("opt.background_thread", &background, &size, nullptr, 0);
  const char* thp = "?";
  size = sizeof(thp);
  (void)mallctl("opt.thp", &thp, &size, nullptr, 0);
  return absl::StrCat("jemalloc ", version, " thp:", thp,
                      " background_thread:", background ? "true" : "false");
#else
  return "libc malloc";
#endif
}

}  // namespace recsys::server
