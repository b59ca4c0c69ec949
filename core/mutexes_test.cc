#include "core/mutexes.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

// Its own test binary: the mode is process-wide, and the other tests keep
// the detection on.
TEST(MutexesTest, OppositeLockOrdersNoLongerAbort) {
  DisableMutexDeadlockDetection();
  absl::Mutex a, b;
  {
    absl::MutexLock first(&a);
    absl::MutexLock second(&b);
  }
  {
    // With Debian's default (detection on, kAbort) the process dies here.
    absl::MutexLock first(&b);
    absl::MutexLock second(&a);
  }
  SUCCEED();
}

}  // namespace
}  // namespace recsys::core
