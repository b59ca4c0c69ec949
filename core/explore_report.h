// The data-exploration report: one self-contained HTML page that shows what a
// dataset looks like (how long the popularity tail is, how active users are,
// where plays come from by country and genre, how audio features are
// distributed) and, for each evaluated model, its metrics and Recall@K curve.
//
// The page has no external resources: CSS, SVG charts and a few lines of
// JavaScript are inline, so the file can be mailed, archived or opened
// offline. Every chart is an `<svg class="chart">` with axes, labels and a
// caption that states its message in numbers. On load, the script checks that
// every chart drew something and writes "charts-ok N" (N charts) or
// "charts-failed: <ids>" into `<div id="render-check">`, for headless-browser
// tests (tests/explore_chromium_test.sh).
//
// Cost: time linear in users + tracks + interactions (plus one sort of the
// tracks), and each chart aggregates to at most a few hundred marks, so a
// 1M users x 1M tracks dataset renders in well under a second into a page of
// a few hundred kilobytes.
//
// Thread safety: the functions share no state; concurrent calls are safe.
#ifndef RECSYS_CORE_EXPLORE_REPORT_H_
#define RECSYS_CORE_EXPLORE_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/catalog.h"

namespace recsys::core {

// One evaluated model, as the report shows it.
struct ModelEvaluationSummary {
  // Display name, e.g. "als", "hybrid". Any text; it is HTML-escaped.
  std::string name;
  // (metric name, value) in table column order, e.g. {"ndcg@10", 0.26}. The
  // table's columns are the metric names of all models in first-seen order;
  // a model lacking one shows a dash, a non-finite value shows "n/a".
  std::vector<std::pair<std::string, double>> metrics;
  // recall_curve[k - 1] = Recall@k for k = 1..recall_curve.size(), each in
  // [0, 1]. Empty: the model is listed in the legend without a curve.
  // Non-finite values leave a gap.
  std::vector<double> recall_curve;
};

struct ExploreReportOptions {
  // The page title and top heading. Default "Dataset report".
  std::string title = "Dataset report";
  // Free text shown under the title, e.g. the import report line. Default
  // empty: nothing is shown.
  std::string dataset_description;
};

// The whole report for `dataset` and `models` as one HTML page (UTF-8).
//
// Sections, each a chart when the data has what it needs and a short note
// saying what is missing otherwise:
//  - a summary table: users, tracks, artists, interactions, density, plays,
//    median distinct tracks per user;
//  - popularity long tail: listeners per track with tracks sorted by
//    listeners (log scale), and the cumulative share of plays;
//  - activity per user: distinct tracks per user, in power-of-two bins;
//  - plays by country (top 20), when some user has a country;
//  - plays by genre (top 20), when the catalog has more than one genre;
//  - one histogram per audio feature (kAudioFeatureNames), over the tracks
//    whose features are not all zero, when there are any;
//  - models: a table of every model's metrics and one chart of all Recall@K
//    curves, when `models` is not empty.
// A track's listeners are the interactions that name it (the users who
// played, skipped or liked it, in a cleaned dataset); plays are
// Interaction::plays summed.
//
// Text from the data (names, genres, countries, titles) is HTML-escaped.
// REQUIRES: every index in `dataset` (Interaction::user and ::track,
// Track::genre) is in range, as ReadDataset and GenerateDemoWorld ensure.
std::string RenderExploreReport(const Dataset& dataset,
                                absl::Span<const ModelEvaluationSummary> models,
                                const ExploreReportOptions& options);

// Renders the report and writes it to `path`, replacing any file there. The
// write is atomic: the page goes to a temporary file next to `path` (same
// name plus ".tmp.<pid>"), is flushed to disk, and is renamed over `path`,
// so a reader sees the old file or the whole new one, never a torn one.
// Returns OK on success; otherwise the OS error's code (e.g. NOT_FOUND when
// the directory does not exist, PERMISSION_DENIED) with a message naming
// `path`, and no temporary file is left behind.
[[nodiscard]] absl::Status WriteExploreReport(
    const std::string& path, const Dataset& dataset,
    absl::Span<const ModelEvaluationSummary> models,
    const ExploreReportOptions& options);

}  // namespace recsys::core

#endif  // RECSYS_CORE_EXPLORE_REPORT_H_
