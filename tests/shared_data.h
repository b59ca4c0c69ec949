// Finds the shared real-world data sets (the read-only /work/shared/data of
// the development machines, i.e. ../shared/data next to the repository) for
// tests that check importers and models against real data, and decides what
// such a test does when the data is absent: in CI (environment variable CI
// is "true") the data is part of the contract, so the test FAILS; elsewhere
// (a laptop without the data) it is SKIPPED with a message.
//
// Usage, in a test target that defines RECSYS_SOURCE_DIR as the repository
// root (target_compile_definitions(<test> PRIVATE
// RECSYS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")):
//
//   TEST(FooTest, RealData) {
//     const std::string data_dir = recsys::testing::SharedDataDir();
//     RECSYS_SKIP_OR_FAIL_WITHOUT_SHARED_DATA(data_dir);
//     ... read data_dir + "/lastfm-hetrec2k" ...
//   }
#ifndef RECSYS_TESTS_SHARED_DATA_H_
#define RECSYS_TESTS_SHARED_DATA_H_

#include <string>

#include "gtest/gtest.h"

namespace recsys::testing {

// `source_dir`/../shared/data when that is a directory, else "".
std::string SharedDataDirFor(const std::string& source_dir);

// True when the environment variable CI is exactly "true".
bool RunningInCi();

// Why the data is missing and where it was looked for, for the skip or
// failure message.
std::string MissingSharedDataMessage(const std::string& source_dir);

#ifdef RECSYS_SOURCE_DIR
// The shared data folder of this build's repository, or "" when missing.
// Inline so that RECSYS_SOURCE_DIR comes from the test target itself.
inline std::string SharedDataDir() {
  return SharedDataDirFor(RECSYS_SOURCE_DIR);
}
#endif

}  // namespace recsys::testing

// In a TEST body: when `data_dir` (from SharedDataDir()) is empty, fails the
// test in CI and skips it elsewhere, returning from the test either way.
#define RECSYS_SKIP_OR_FAIL_WITHOUT_SHARED_DATA(data_dir)            \
  do {                                                               \
    if ((data_dir).empty()) {                                        \
      if (::recsys::testing::RunningInCi()) {                        \
        GTEST_FAIL() << ::recsys::testing::MissingSharedDataMessage( \
                            RECSYS_SOURCE_DIR)                       \
                     << " (CI=true: the data is required)";          \
      }                                                              \
      GTEST_SKIP() << ::recsys::testing::MissingSharedDataMessage(   \
          RECSYS_SOURCE_DIR);                                        \
    }                                                                \
  } while (false)

#endif  // RECSYS_TESTS_SHARED_DATA_H_
