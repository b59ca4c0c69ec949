// How the project's binaries set up absl::Mutex for the whole process.
// Header-only (target recsys_mutexes), so that the clients, which do not
// link the core, use it too.
#ifndef RECSYS_CORE_MUTEXES_H_
#define RECSYS_CORE_MUTEXES_H_

#include "absl/synchronization/mutex.h"

namespace recsys::core {

// Turns off absl::Mutex's lock-order ("deadlock") detection in this process.
//
// Debian's Abseil is built without NDEBUG, which leaves the detection on and
// set to abort: every lock taken while another absl::Mutex is held updates a
// process-wide graph of lock orders under one global lock, a new edge
// records a stack trace, every destroyed mutex is removed from the graph,
// and the first cycle the graph sees aborts the process. gRPC's own locks
// are absl::Mutex, so the server and the load generator paid for it on every
// call (1.2% of their CPU in a Recommend load, docs/BENCHMARKS.md), and a
// lock order inside gRPC that never deadlocks could kill them.
//
// Each binary calls this first thing in main(), before it starts a thread.
// Tests do not: there a lock-order cycle still fails the test.
inline void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace recsys::core

#endif  // RECSYS_CORE_MUTEXES_H_
