#include "tests/shared_data.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace recsys::testing {
namespace {

std::filesystem::path SharedDataPath(const std::string& source_dir) {
  return (std::filesystem::path(source_dir) / ".." / "shared" / "data")
      .lexically_normal();
}

}  // namespace

std::string SharedDataDirFor(const std::string& source_dir) {
  const std::filesystem::path path = SharedDataPath(source_dir);
  // The error_code overload: a permission problem means "missing" here,
  // not an exception out of a test helper.
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) return "";
  return path.string();
}

bool RunningInCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string MissingSharedDataMessage(const std::string& source_dir) {
  return "shared data folder " + SharedDataPath(source_dir).string() +
         " (../shared/data relative to the repository root " + source_dir +
         ") is missing";
}

}  // namespace recsys::testing
