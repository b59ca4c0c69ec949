// Helpers shared by the libFuzzer targets: the importers read files, so each
// input is written to a per-process scratch directory first.
#ifndef RECSYS_FUZZ_FUZZ_UTIL_H_
#define RECSYS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace recsys::fuzz {

// A directory of this process, created once, reused by every input, and
// removed when the fuzzer exits normally (a crash leaves it, beside the
// input libFuzzer saves).
inline const std::string& ScratchDir() {
  static const std::string* const dir = [] {
    auto* path = new std::string((std::filesystem::temp_directory_path() /
                                  absl::StrCat("recsys-fuzz-", ::getpid()))
                                     .string());
    std::filesystem::create_directories(*path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(ScratchDir(), ignored);
    });
    return path;
  }();
  return *dir;
}

inline std::string WriteScratch(absl::string_view name,
                                absl::string_view bytes) {
  const std::string path = absl::StrCat(ScratchDir(), "/", name);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Splits an input into `n` parts at 0xFF bytes (missing parts are empty), so
// one input can fill several files.
template <size_t N>
std::array<absl::string_view, N> SplitInput(const uint8_t* data, size_t size) {
  std::array<absl::string_view, N> parts{};
  absl::string_view rest(reinterpret_cast<const char*>(data), size);
  for (size_t i = 0; i < N; ++i) {
    const size_t cut = i + 1 < N ? rest.find('\xff') : absl::string_view::npos;
    parts[i] = rest.substr(0, cut);
    if (cut == absl::string_view::npos) break;
    rest.remove_prefix(cut + 1);
  }
  return parts;
}

}  // namespace recsys::fuzz

#endif  // RECSYS_FUZZ_FUZZ_UTIL_H_
