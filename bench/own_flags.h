// The --name=value flags of a Google Benchmark binary's own, taken out of
// argv before benchmark::Initialize() sees the rest.
#ifndef RECSYS_BENCH_OWN_FLAGS_H_
#define RECSYS_BENCH_OWN_FLAGS_H_

#include <cstdio>
#include <functional>
#include <optional>

#include "absl/strings/string_view.h"

namespace recsys::bench {

// Calls `take(name, value)` for each --name=value argument. `take` returns
// nullopt for a name that is not the binary's own (the argument stays in
// argv), true when it took the value, false for a bad value: then this
// prints "PROGRAM: bad flag ..." and returns false.
inline bool ParseOwnFlags(
    int* argc, char** argv, const char* program,
    const std::function<std::optional<bool>(absl::string_view name,
                                            const char* value)>& take) {
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const absl::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    std::optional<bool> ok;
    if (arg.substr(0, 2) == "--" && eq != absl::string_view::npos) {
      ok = take(arg.substr(2, eq - 2), argv[i] + eq + 1);
    }
    if (!ok.has_value()) {
      argv[kept++] = argv[i];
    } else if (!*ok) {
      std::fprintf(stderr, "%s: bad flag %s\n", program, argv[i]);
      return false;
    }
  }
  *argc = kept;
  return true;
}

}  // namespace recsys::bench

#endif  // RECSYS_BENCH_OWN_FLAGS_H_
