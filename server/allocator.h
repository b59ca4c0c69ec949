// The memory allocator the server runs on.
//
// recsys-server is linked with jemalloc (CMake option RECSYS_JEMALLOC, on
// unless the build uses a sanitizer, which brings its own allocator). With
// glibc's malloc, the request threads' arenas grow in small steps, each an
// mprotect() that needs the process's mmap lock for writing; during a model
// load the loader's page faults hold that lock for reading, and requests
// stalled behind them for up to 19 ms at a time. jemalloc keeps and reuses
// the address space it maps, so serving threads hardly ever map memory
// (docs/BENCHMARKS.md, "model swaps under load").
#ifndef RECSYS_SERVER_ALLOCATOR_H_
#define RECSYS_SERVER_ALLOCATOR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace recsys::server {

// "jemalloc <version>" with the options in effect, or "libc malloc".
std::string AllocatorDescription();

// With `retain` true, memory the server frees is kept mapped for reuse and
// never returned to the system (jemalloc's dirty_decay_ms -1, in every
// arena): a replaced model version's memory holds the next version, so a
// model load maps almost no new pages, and the RSS stays at its peak (two
// versions; the server reserves them at start: ServerOptions::
// reserve_swap_memory). With false, freed pages go back after about 30 s.
// Fresh pages are what a swap cost the requests: on this project's virtual
// machines, memory returned to the system is given back to the host (free
// page reporting), and faulting it in again cost 9-17x more than reusing
// it (bench/fresh_pages.py; docs/BENCHMARKS.md, "model swaps under load").
// True when freed memory is now retained; false with `retain` false, and on
// libc malloc (sanitizer builds), where it does nothing. An error when
// jemalloc refuses.
absl::StatusOr<bool> RetainFreedMemory(bool retain);

// Binds the calling thread to the model arena, a jemalloc arena of its own
// that only threads loading model versions allocate from (created on the
// first call, with the decay RetainFreedMemory set). Every version's memory
// then comes from one arena, so a load reuses what any earlier version freed,
// whichever threads loaded them; request threads share no arena lock with a
// loader running in the idle scheduling class. Does nothing on libc malloc;
// an error when jemalloc refuses.
absl::Status UseModelArena();

}  // namespace recsys::server

#endif  // RECSYS_SERVER_ALLOCATOR_H_
