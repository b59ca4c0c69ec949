// Test-only: writes the exploration report of the demo world (2000 users x
// 5000 tracks, seed 42: countries, genres and audio features all present)
// with two fixture models whose numbers are made up, for
// tests/explore_chromium_test.sh. Usage: explore_report_fixture OUT.html
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/catalog.h"
#include "core/demo_world.h"
#include "core/explore_report.h"

namespace {

using ::recsys::core::ModelEvaluationSummary;

// A saturating curve shaped like a real Recall@K curve, so the chart looks
// like one; the name says it is not.
ModelEvaluationSummary FixtureModel(const std::string& name, double ceiling,
                                    double scale) {
  ModelEvaluationSummary model{.name = name};
  for (int k = 1; k <= 50; ++k) {
    model.recall_curve.push_back(ceiling * (1 - std::exp(-k / scale)));
  }
  model.metrics = {{"ndcg@10", ceiling * 0.55},
                   {"recall@10", model.recall_curve[9]},
                   {"recall@20", model.recall_curve[19]},
                   {"coverage@10", 0.3 + scale / 100}};
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
    return 2;
  }
  absl::StatusOr<recsys::core::Dataset> world =
      recsys::core::GenerateDemoWorld({.num_users = 2000, .num_tracks = 5000});
  if (!world.ok()) {
    std::fprintf(stderr, "demo world: %s\n", world.status().ToString().c_str());
    return 1;
  }
  const std::vector<ModelEvaluationSummary> models = {
      FixtureModel("fixture-a (made-up numbers)", 0.45, 18),
      FixtureModel("fixture-b (made-up numbers)", 0.38, 12)};
  const absl::Status written = recsys::core::WriteExploreReport(
      argv[1], *world, models,
      {.title = "Fixture report: demo world",
       .dataset_description = "Demo world, 2000 users x 5000 tracks, seed 42. "
                              "The two models are test fixtures with "
                              "made-up numbers."});
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", written.ToString().c_str());
    return 1;
  }
  return 0;
}
