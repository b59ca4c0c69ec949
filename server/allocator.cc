#include "server/allocator.h"

#include <sys/types.h>

#ifdef RECSYS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#ifdef RECSYS_WITH_JEMALLOC
// jemalloc reads this at start; MALLOC_CONF in the environment overrides it.
// - background_thread: freed pages are returned to the system by jemalloc's
//   own threads, not inline in a request's free().
// - thp, metadata_thp: transparent huge pages, which a model load needs to
//   be fast (the system's THP mode is often "madvise": these ask for them).
// - dirty_decay_ms: freed pages are returned after about 30 s (unless
//   RetainFreedMemory keeps them for good, as recsys-server does by default).
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
  ssize_t decay = 0;
  size = sizeof(decay);
  (void)mallctl("arenas.dirty_decay_ms", &decay, &size, nullptr, 0);
  return absl::StrCat("jemalloc ", version, " thp:", thp,
                      " background_thread:", background ? "true" : "false",
                      " dirty_decay_ms:", decay);
#else
  return "libc malloc";
#endif
}

absl::StatusOr<bool> RetainFreedMemory(bool retain) {
#ifdef RECSYS_WITH_JEMALLOC
  ssize_t decay_ms = retain ? -1 : 30000;
  // The default of arenas created from now on, then every arena that exists
  // (those not yet initialized refuse, and take the default when they are).
  int error = mallctl("arenas.dirty_decay_ms", nullptr, nullptr, &decay_ms,
                      sizeof(decay_ms));
  unsigned arenas = 0;
  size_t size = sizeof(arenas);
  if (error == 0) {
    error = mallctl("arenas.narenas", &arenas, &size, nullptr, 0);
  }
  if (error != 0) {
    return absl::InternalError(absl::StrCat("jemalloc refused dirty_decay_ms ",
                                            decay_ms, ": error ", error));
  }
  for (unsigned i = 0; i < arenas; ++i) {
    const std::string name = absl::StrCat("arena.", i, ".dirty_decay_ms");
    (void)mallctl(name.c_str(), nullptr, nullptr, &decay_ms, sizeof(decay_ms));
  }
  return retain;
#else
  (void)retain;
  return false;
#endif
}

absl::Status UseModelArena() {
#ifdef RECSYS_WITH_JEMALLOC
  // Created once; `arenas.create` is thread-safe, the static's init too.
  static const absl::StatusOr<unsigned> arena =
      []() -> absl::StatusOr<unsigned> {
    unsigned index = 0;
    size_t size = sizeof(index);
    if (const int error = mallctl("arenas.create", &index, &size, nullptr, 0);
        error != 0) {
      return absl::InternalError(
          absl::StrCat("jemalloc refused a model arena: error ", error));
    }
    return index;
  }();
  if (!arena.ok()) return arena.status();
  unsigned index = *arena;
  if (const int error =
          mallctl("thread.arena", nullptr, nullptr, &index, sizeof(index));
      error != 0) {
    return absl::InternalError(
        absl::StrCat("jemalloc refused the model arena: error ", error));
  }
#endif
  return absl::OkStatus();
}

}  // namespace recsys::server
