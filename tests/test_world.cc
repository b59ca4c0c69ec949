#include "tests/test_world.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/in_memory_store.h"
#include "gtest/gtest.h"

namespace recsys::testing {
namespace {

template <typename T>
T ValueOrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::abort();
  }
  return *std::move(v);
}

// The directories FreshTempDir made in this process. They go when the
// process exits with no test failed; after a failure they stay, for a look
// at what the test left.
class MadeDirs {
 public:
  static MadeDirs& Get() {
    static auto* const made = new MadeDirs;  // never destroyed: used at exit
    return *made;
  }

  void Add(const std::filesystem::path& dir) {
    absl::MutexLock lock(&mu_);
    if (dirs_.empty()) std::atexit([] { Get().RemoveUnlessFailed(); });
    dirs_.insert(dir);
  }

 private:
  void RemoveUnlessFailed() {
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    if (unit.failed_test_count() > 0 || unit.ad_hoc_test_result().Failed()) {
      return;
    }
    absl::MutexLock lock(&mu_);
    for (const std::filesystem::path& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

  absl::Mutex mu_;
  std::set<std::filesystem::path> dirs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

core::DemoWorldOptions SmallWorldOptions() {
  core::DemoWorldOptions o;
  o.num_users = 800;
  o.num_tracks = 2000;
  o.seed = 7;
  return o;
}

core::TrainingOptions SmallTrainingOptions() {
  core::TrainingOptions o;
  o.als.factors = 16;
  o.als.iterations = 8;
  o.als.regularization = 0.1f;
  o.holdout_fraction = 0.2;
  o.eval_max_users = 400;
  return o;
}

const core::Dataset& SmallWorld() {
  static const auto* const world = new core::Dataset(
      ValueOrDie(core::GenerateDemoWorld(SmallWorldOptions()), "demo world"));
  return *world;
}

const core::TrainedModel& SmallTrainedModel() {
  static const auto* const model = new core::TrainedModel(ValueOrDie(
      core::TrainModel(SmallWorld(), SmallTrainingOptions()), "training"));
  return *model;
}

const core::TrainedModel& IndexedSmallTrainedModel() {
  static const auto* const model = [] {
    auto* m = new core::TrainedModel(SmallTrainedModel());
    m->indexes = ValueOrDie(core::BuildTrackIndexes(m->tracks, {}), "indexes");
    return m;
  }();
  return *model;
}

const std::shared_ptr<const core::ServingModel>& SmallServingModel(
    bool two_stage) {
  static const auto* const models = [] {
    auto* store = new core::InMemoryModelStore();
    ValueOrDie(store->Publish(IndexedSmallTrainedModel()), "publish");
    auto* both = new std::shared_ptr<const core::ServingModel>[2];
    for (bool indexed : {false, true}) {
      core::ServingOptions options;
      if (indexed) options.exhaustive_max_tracks = 0;
      both[indexed] = ValueOrDie(
          core::ServingModel::Create(
              ValueOrDie(store->OpenVersion("v000001"), "open"), options),
          "serving model");
      if (both[indexed]->two_stage() != indexed) std::abort();
    }
    return both;
  }();
  return models[two_stage];
}

std::string FreshTempDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("recsys-", name, "-", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  MadeDirs::Get().Add(dir);
  return dir.string();
}

std::string TestTempDir() {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = absl::StrCat(info->test_suite_name(), "_", info->name());
  // Parameterized tests have '/' in their names.
  std::replace(name.begin(), name.end(), '/', '_');
  return FreshTempDir(name);
}

void WriteFile(const std::string& path, absl::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

}  // namespace recsys::testing
