// Shared test data: a small seeded demo world and a model trained on it,
// built once per test binary.
#ifndef RECSYS_TESTS_TEST_WORLD_H_
#define RECSYS_TESTS_TEST_WORLD_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/demo_world.h"
#include "core/model.h"
#include "core/recommender.h"
#include "core/training.h"

namespace recsys::testing {

// 800 users x 2000 tracks, seed 7.
core::DemoWorldOptions SmallWorldOptions();
// Quick settings: 16 factors, 8 iterations, 20% holdout.
core::TrainingOptions SmallTrainingOptions();

const core::Dataset& SmallWorld();
const core::TrainedModel& SmallTrainedModel();
// The same with its track indexes built (core/model.h BuildTrackIndexes).
const core::TrainedModel& IndexedSmallTrainedModel();
// IndexedSmallTrainedModel() served both ways, [0] scoring every track and
// [1] two-stage through its indexes (forced on this small catalog); made
// once, never freed.
const std::shared_ptr<const core::ServingModel>& SmallServingModel(
    bool two_stage);

// A new, empty directory under the test temp dir, unique to this process so
// that tests running in parallel never share one. Removed when the process
// exits with every test passed; kept after a failure.
std::string FreshTempDir(const std::string& name);

// FreshTempDir named after the running test ("Suite_Name").
std::string TestTempDir();

// Writes `content` to `path` (replacing it); a failure fails the test.
void WriteFile(const std::string& path, absl::string_view content);

}  // namespace recsys::testing

#endif  // RECSYS_TESTS_TEST_WORLD_H_
