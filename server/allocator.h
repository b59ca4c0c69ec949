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

namespace recsys::server {

// "jemalloc <version>" with the options in effect, or "libc malloc".
std::string AllocatorDescription();

}  // namespace recsys::server

#endif  // RECSYS_SERVER_ALLOCATOR_H_
