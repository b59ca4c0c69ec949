// recsys-train: builds a model from the demo catalog or from data files,
// evaluates it and publishes it as a new version of the model store.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/dataset_io.h"
#include "core/demo_world.h"
#include "core/event_log.h"
#include "core/explore_report.h"
#include "core/in_memory_store.h"
#include "core/lastfm_import.h"
#include "core/logging.h"
#include "core/mutexes.h"
#include "core/recommender.h"
#include "core/spotify_songs_import.h"
#include "core/status_macros.h"
#include "core/text_io.h"
#include "core/training.h"
#include "storage/rocksdb_model_store.h"
#include "trainer/quality.h"

ABSL_FLAG(std::string, model_dir, "",
          "Model store directory (train, versions, rollback).");
ABSL_FLAG(std::string, source, "demo",
          "Training data: 'demo' (the generated demo catalog), 'files' "
          "(--tracks, --interactions, optional --users), 'lastfm' "
          "(--lastfm_dir: artists as items) or 'spotify' (--spotify_csv: "
          "playlists as users).");
ABSL_FLAG(int64_t, demo_users, 2000, "Demo catalog: number of users.");
ABSL_FLAG(int64_t, demo_tracks, 5000, "Demo catalog: number of tracks.");
ABSL_FLAG(int64_t, demo_artists, 0, "Demo catalog: artists (0 = tracks / 8).");
ABSL_FLAG(double, demo_events, 40,
          "Demo catalog: mean distinct tracks per user.");
ABSL_FLAG(uint64_t, demo_seed, 42, "Demo catalog: random seed.");
ABSL_FLAG(std::string, tracks, "", "Tracks CSV (docs/DATA_FORMATS.md).");
ABSL_FLAG(std::string, interactions, "",
          "Interactions TSV (docs/DATA_FORMATS.md).");
ABSL_FLAG(std::string, users, "", "Optional users TSV (docs/DATA_FORMATS.md).");
ABSL_FLAG(std::string, events, "",
          "Also import this feedback event log directory (recsys-server "
          "--event_log_dir): plays, skips and likes become interactions.");
ABSL_FLAG(int, min_user_tracks, 1,
          "Drop users with fewer tracks than this (after the track minimum); "
          "counts are logged.");
ABSL_FLAG(int, min_track_users, 1,
          "Drop the interactions of tracks with fewer distinct users than "
          "this (the tracks stay, served by content); counts are logged.");
ABSL_FLAG(std::string, out, "",
          "export-demo: directory to write the files to.");
ABSL_FLAG(std::string, version, "", "rollback: the version to make current.");
ABSL_FLAG(int, factors, 64, "ALS vector dimension.");
ABSL_FLAG(int, iterations, 15, "ALS iterations.");
ABSL_FLAG(double, regularization, 0.01, "ALS L2 regularisation.");
ABSL_FLAG(double, alpha, 1.0,
          "ALS confidence slope: confidence = 1 + alpha * strength.");
ABSL_FLAG(int, cg_steps, 3,
          "Conjugate-gradient steps per row and half-iteration.");
ABSL_FLAG(std::string, scaling, "log1p",
          "Play count to strength: 'log1p' (ln(1 + plays)) or 'linear'.");
ABSL_FLAG(int, threads, 2, "Training threads.");
ABSL_FLAG(int, index_m, 16,
          "Track indexes: HNSW graph degree (core/track_index.h).");
ABSL_FLAG(int, index_ef_construction, 100,
          "Track indexes: HNSW candidate list while building.");
ABSL_FLAG(int, candidates_per_user, 256,
          "Batch candidate generation: store each user's top N + H tracks "
          "of the personal index with the version (H: the tracks in the "
          "user's history; at most 4,096), so that a Recommend carrying "
          "only the user and a count up to N / 4 skips the index search "
          "(its first stage asks for 4 x count + H candidates, at least "
          "192). 0: none. Costs one index search per user at publication "
          "and 4 bytes per candidate on disk; only catalogs the server "
          "serves two-stage (over its --exhaustive_max_tracks) use the "
          "lists.");
ABSL_FLAG(bool, log_loss, true,
          "Log the ALS training loss after each iteration (about a fifth of "
          "an iteration's extra work).");
ABSL_FLAG(double, holdout, 0.2,
          "Share of positive interactions held out to evaluate and fit the "
          "blend weights (0 = no evaluation).");
ABSL_FLAG(int, eval_users, 2000,
          "Users scored in evaluation (a seeded sample).");
ABSL_FLAG(uint64_t, seed, 42, "Seed of initialisation and holdout.");
ABSL_FLAG(std::string, suite, "lastfm-fixed",
          "evaluate: the evaluation suite (lastfm-fixed, lastfm-random, "
          "lastfm-leave-k, lastfm-cold, spotify-playlists; see "
          "docs/QUALITY.md).");
ABSL_FLAG(
    std::string, lastfm_dir, "",
    "The HetRec Last.fm-2k folder (user_artists.dat, ...): --source=lastfm "
    "and the lastfm evaluation suites.");
ABSL_FLAG(std::string, split_dir, "",
          "evaluate: the fixed split folder (train.tsv, test.tsv, users.txt, "
          "items.txt) of the lastfm-fixed suite.");
ABSL_FLAG(
    std::string, spotify_csv, "",
    "spotify_songs.csv: --source=spotify and the spotify-playlists suite.");
ABSL_FLAG(std::string, artist_features_csv, "",
          "evaluate (lastfm suites): Spotify artist features "
          "(data_w_genres.csv) joined to the artists by normalised name.");
ABSL_FLAG(int64_t, blend_cache_mb, 2048,
          "evaluate: memory (MiB) per validation fold for the component "
          "scores kept while blend weights are fitted; past it they are "
          "recomputed for every weighting tried (slower, same results).");
ABSL_FLAG(std::vector<std::string>, models, {},
          "evaluate: only these models (comma separated); default all.");
ABSL_FLAG(std::string, out_dir, "",
          "evaluate: write <suite>.metrics.tsv, <suite>.md (the table), "
          "<suite>.curves.tsv and <suite>.html (the exploration report with "
          "every model) here.");
ABSL_FLAG(bool, top_lists, false,
          "evaluate: also write <suite>.top20.tsv to --out_dir: for every "
          "model and evaluated user its top-20 list (model, user id, rank, "
          "item id, score).");
ABSL_FLAG(double, quality_gate_margin, 0.01,
          "train: refuse to publish when the new model's validation NDCG@10 "
          "is below the current version's by more than this (absolute); "
          "negative disables the gate.");
ABSL_FLAG(bool, force, false,
          "train: publish even when the quality gate refuses.");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

namespace {

using recsys::core::Log;
using recsys::core::LogLevel;

constexpr char kUsage[] =
    "Trains and publishes recommendation models.\n"
    "Usage: recsys-train <command> [flags]\n"
    "Commands:\n"
    "  train        build a model and publish it to --model_dir (default)\n"
    "  versions     list the versions in --model_dir and the current one\n"
    "  rollback     make --version the current version of --model_dir\n"
    "  export-demo  write the demo catalog as data files to --out\n"
    "  evaluate     run an evaluation suite on real data (docs/QUALITY.md)\n"
    "  explore      write the HTML data-exploration report of --source to "
    "--out\n"
    "Examples:\n"
    "  recsys-train train --model_dir=/var/lib/recsys/models\n"
    "  recsys-train train --model_dir=M --source=files --tracks=t.csv "
    "--interactions=i.tsv\n"
    "  recsys-train evaluate --suite=lastfm-fixed --lastfm_dir=D "
    "--split_dir=S --out_dir=O\n"
    "  recsys-train explore --source=demo --out=report.html\n";

// The demo world or the data files, as --source says.
absl::StatusOr<recsys::core::Dataset> LoadBaseDataset() {
  const std::string source = absl::GetFlag(FLAGS_source);
  if (source == "demo") {
    recsys::core::DemoWorldOptions o;
    o.num_users = absl::GetFlag(FLAGS_demo_users);
    o.num_tracks = absl::GetFlag(FLAGS_demo_tracks);
    o.num_artists = absl::GetFlag(FLAGS_demo_artists);
    o.mean_events_per_user = absl::GetFlag(FLAGS_demo_events);
    o.seed = absl::GetFlag(FLAGS_demo_seed);
    o.num_threads = absl::GetFlag(FLAGS_threads);
    ASSIGN_OR_RETURN(recsys::core::Dataset d,
                     recsys::core::GenerateDemoWorld(o));
    Log(LogLevel::kInfo, "dataset",
        {{"source", "demo"},
         {"users", d.users.size()},
         {"tracks", d.catalog.tracks.size()},
         {"artists", d.catalog.artists.size()},
         {"interactions", d.interactions.size()}});
    return d;
  }
  if (source == "files") {
    recsys::core::DatasetFiles files;
    files.tracks_csv = absl::GetFlag(FLAGS_tracks);
    files.interactions_tsv = absl::GetFlag(FLAGS_interactions);
    files.users_tsv = absl::GetFlag(FLAGS_users);
    if (files.tracks_csv.empty() || files.interactions_tsv.empty()) {
      return absl::InvalidArgumentError(
          "--source=files needs --tracks and --interactions");
    }
    recsys::core::ImportReport report;
    ASSIGN_OR_RETURN(recsys::core::Dataset d,
                     recsys::core::ReadDataset(files, &report));
    Log(LogLevel::kInfo, "dataset",
        {{"source", "files"}, {"report", report.ToString()}});
    return d;
  }
  if (source == "lastfm") {
    recsys::core::LastfmOptions lo;
    lo.dir = absl::GetFlag(FLAGS_lastfm_dir);
    if (lo.dir.empty())
      return absl::InvalidArgumentError("--source=lastfm needs --lastfm_dir");
    ASSIGN_OR_RETURN(recsys::core::LastfmData d, recsys::core::ReadLastfm(lo));
    Log(LogLevel::kInfo, "dataset",
        {{"source", "lastfm"}, {"report", d.report.ToString()}});
    return std::move(d.dataset);
  }
  if (source == "spotify") {
    const std::string csv = absl::GetFlag(FLAGS_spotify_csv);
    if (csv.empty())
      return absl::InvalidArgumentError("--source=spotify needs --spotify_csv");
    ASSIGN_OR_RETURN(recsys::core::SpotifySongsData d,
                     recsys::core::ReadSpotifySongs(csv));
    Log(LogLevel::kInfo, "dataset",
        {{"source", "spotify"}, {"report", d.report.ToString()}});
    return std::move(d.dataset);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--source must be 'demo', 'files', 'lastfm' or 'spotify', got '", source,
      "'"));
}

// Adds the feedback event log's plays, skips and likes to `dataset`.
absl::Status ImportEvents(const std::string& dir,
                          recsys::core::Dataset& dataset) {
  recsys::core::EventLogReadReport report;
  ASSIGN_OR_RETURN(const std::vector<recsys::core::FeedbackEvent> events,
                   recsys::core::ReadEventLog(dir, &report));
  int64_t unknown_tracks = 0;
  std::vector<recsys::core::Interaction> interactions =
      recsys::core::EventsToInteractions(events, dataset.catalog, dataset.users,
                                         &unknown_tracks);
  const size_t added = interactions.size();
  recsys::core::MergeInteractions(dataset.interactions,
                                  std::move(interactions));
  Log(LogLevel::kInfo, "events_imported",
      {{"dir", dir},
       {"report", report.ToString()},
       {"interactions", added},
       {"events_with_unknown_track", unknown_tracks}});
  return absl::OkStatus();
}

absl::StatusOr<recsys::core::Dataset> LoadDataset() {
  ASSIGN_OR_RETURN(recsys::core::Dataset dataset, LoadBaseDataset());
  if (const std::string events = absl::GetFlag(FLAGS_events); !events.empty()) {
    RETURN_IF_ERROR(ImportEvents(events, dataset));
  }
  const int min_user = absl::GetFlag(FLAGS_min_user_tracks);
  const int min_track = absl::GetFlag(FLAGS_min_track_users);
  if (min_user > 1 || min_track > 1) {
    const recsys::core::SupportReport report =
        recsys::core::DropLowSupport(dataset, min_user, min_track);
    Log(LogLevel::kInfo, "minimum_support",
        {{"min_user_tracks", min_user},
         {"min_track_users", min_track},
         {"report", report.ToString()}});
  }
  return dataset;
}

absl::StatusOr<recsys::core::TrainingOptions> TrainingOptionsFromFlags() {
  recsys::core::TrainingOptions o;
  o.als.factors = absl::GetFlag(FLAGS_factors);
  o.als.iterations = absl::GetFlag(FLAGS_iterations);
  o.als.regularization =
      static_cast<float>(absl::GetFlag(FLAGS_regularization));
  o.als.alpha = static_cast<float>(absl::GetFlag(FLAGS_alpha));
  o.als.cg_steps = absl::GetFlag(FLAGS_cg_steps);
  o.als.num_threads = absl::GetFlag(FLAGS_threads);
  o.als.compute_loss = absl::GetFlag(FLAGS_log_loss);
  o.als.seed = absl::GetFlag(FLAGS_seed);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.holdout_fraction = absl::GetFlag(FLAGS_holdout);
  o.eval_max_users = absl::GetFlag(FLAGS_eval_users);
  const std::string scaling = absl::GetFlag(FLAGS_scaling);
  if (scaling == "log1p") {
    o.scaling = recsys::core::ConfidenceScaling::kLog1p;
  } else if (scaling == "linear") {
    o.scaling = recsys::core::ConfidenceScaling::kLinear;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--scaling must be 'log1p' or 'linear', got '", scaling, "'"));
  }
  return o;
}

absl::StatusOr<std::unique_ptr<recsys::storage::RocksDbModelStore>>
OpenStore() {
  const std::string dir = absl::GetFlag(FLAGS_model_dir);
  if (dir.empty()) return absl::InvalidArgumentError("--model_dir is required");
  return recsys::storage::RocksDbModelStore::Open(dir);
}

// Refuses (FAILED_PRECONDITION, saying why) a model whose validation
// NDCG@10 is worse than the current version's by more than
// --quality_gate_margin, unless --force. Nothing to compare against (no
// current version, or either side without the metric) passes.
absl::Status QualityGate(const recsys::storage::RocksDbModelStore& store,
                         const recsys::core::ModelMetadata& candidate) {
  const double margin = absl::GetFlag(FLAGS_quality_gate_margin);
  if (margin < 0) return absl::OkStatus();
  absl::StatusOr<std::string> current = store.CurrentVersion();
  if (absl::IsNotFound(current.status())) return absl::OkStatus();
  RETURN_IF_ERROR(current.status());
  ASSIGN_OR_RETURN(const auto opened, store.OpenVersion(*current));
  const auto& old_metrics = opened->metadata().metrics;
  const auto old_it = old_metrics.find("ndcg@10");
  const auto new_it = candidate.metrics.find("ndcg@10");
  if (old_it == old_metrics.end() || new_it == candidate.metrics.end()) {
    return absl::OkStatus();
  }
  const double drop = old_it->second - new_it->second;
  const std::string detail = absl::StrFormat(
      "validation NDCG@10 %.4f vs %.4f of current version %s (margin %.4f)",
      new_it->second, old_it->second, *current, margin);
  if (drop <= margin) {
    Log(LogLevel::kInfo, "quality_gate",
        {{"result", "pass"}, {"detail", detail}});
    return absl::OkStatus();
  }
  if (absl::GetFlag(FLAGS_force)) {
    Log(LogLevel::kWarning, "quality_gate",
        {{"result", "forced"}, {"detail", detail}});
    return absl::OkStatus();
  }
  Log(LogLevel::kError, "quality_gate",
      {{"result", "refused"}, {"detail", detail}});
  return absl::FailedPreconditionError(
      absl::StrCat("quality gate: not publishing, ", detail,
                   "; pass --force to publish anyway"));
}

// Fills model.candidates (--candidates_per_user) by serving `model` from
// memory, two-stage, and searching its personal index once per user.
absl::Status AddCandidateLists(recsys::core::TrainedModel& model) {
  const int per_user = absl::GetFlag(FLAGS_candidates_per_user);
  if (per_user <= 0 || !model.indexes.complete()) return absl::OkStatus();
  const absl::Time start = absl::Now();
  // The model moves into a shared pointer for the serving view and back.
  auto shared = std::make_shared<recsys::core::TrainedModel>(std::move(model));
  absl::StatusOr<recsys::core::CandidateLists> lists;
  {
    absl::StatusOr<std::shared_ptr<const recsys::core::ServingModel>> serving =
        recsys::core::ServingModel::Create(
            recsys::core::InMemoryVersion("candidates", shared),
            {.exhaustive_max_tracks = 0});
    lists = serving.ok() ? recsys::core::ComputeCandidateLists(
                               **serving, shared->users, per_user,
                               absl::GetFlag(FLAGS_threads))
                         : serving.status();
  }
  model = std::move(*shared);
  RETURN_IF_ERROR(lists.status());
  model.candidates = *std::move(lists);
  const std::string seconds =
      absl::StrFormat("%.1f", absl::ToDoubleSeconds(absl::Now() - start));
  model.metadata.training["candidates_per_user"] = absl::StrCat(per_user);
  model.metadata.training["candidate_seconds"] = seconds;
  Log(LogLevel::kInfo, "candidates_computed",
      {{"users", absl::StrCat(model.users.size())},
       {"per_user", absl::StrCat(per_user)},
       {"seconds", seconds}});
  return absl::OkStatus();
}

absl::Status Train() {
  if (const int n = absl::GetFlag(FLAGS_candidates_per_user); n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--candidates_per_user must be >= 0, got ", n));
  }
  ASSIGN_OR_RETURN(auto store, OpenStore());
  ASSIGN_OR_RETURN(const recsys::core::TrainingOptions options,
                   TrainingOptionsFromFlags());
  ASSIGN_OR_RETURN(const recsys::core::Dataset dataset, LoadDataset());
  ASSIGN_OR_RETURN(recsys::core::TrainedModel model,
                   recsys::core::TrainModel(
                       dataset, options,
                       [](absl::string_view stage, absl::string_view detail) {
                         Log(LogLevel::kInfo, "train_progress",
                             {{"stage", stage}, {"detail", detail}});
                       }));
  model.metadata.training["source"] = absl::GetFlag(FLAGS_source);
  RETURN_IF_ERROR(QualityGate(*store, model.metadata));
  {
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(
        model.indexes,
        recsys::core::BuildTrackIndexes(
            model.tracks,
            {.m = absl::GetFlag(FLAGS_index_m),
             .ef_construction = absl::GetFlag(FLAGS_index_ef_construction),
             .threads = absl::GetFlag(FLAGS_threads)}));
    const std::string seconds =
        absl::StrFormat("%.1f", absl::ToDoubleSeconds(absl::Now() - start));
    model.metadata.training["index_seconds"] = seconds;
    Log(LogLevel::kInfo, "indexes_built",
        {{"tracks", absl::StrCat(model.tracks.cf.rows())},
         {"seconds", seconds}});
  }
  RETURN_IF_ERROR(AddCandidateLists(model));
  const absl::Time publish_start = absl::Now();
  ASSIGN_OR_RETURN(const std::string version, store->Publish(model));
  Log(LogLevel::kInfo, "publish_seconds",
      {{"seconds", absl::StrFormat("%.1f", absl::ToDoubleSeconds(
                                               absl::Now() - publish_start))}});
  Log(LogLevel::kInfo, "published",
      {{"version", version}, {"model_dir", store->root()}});
  std::printf("published %s to %s\n", version.c_str(), store->root().c_str());
  for (const auto& [name, value] : model.metadata.metrics) {
    std::printf("  %-28s %.4f\n", name.c_str(), value);
  }
  return absl::OkStatus();
}

// Creates `dir` and its parents when missing.
absl::Status CreateDirectories(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

// The metric columns of reports, in order.
const std::vector<std::string>& ReportMetrics() {
  static const auto* names = new std::vector<std::string>{
      "ndcg@10",      "recall@10",    "recall@20",    "ndcg@20", "map@10",
      "precision@10", "map@20",       "precision@20", "auc",     "coverage@10",
      "novelty@10",   "diversity@10", "users"};
  return *names;
}

std::string MarkdownTable(const recsys::trainer::SuiteResult& r) {
  std::string md =
      absl::StrCat("### ", r.suite, "\n\n", r.description, ".\n\n| model |");
  for (const std::string& m : ReportMetrics())
    absl::StrAppend(&md, " ", m, " |");
  absl::StrAppend(&md, "\n|---|");
  for (size_t i = 0; i < ReportMetrics().size(); ++i) md += "---|";
  md += "\n";
  for (const auto& row : r.rows) {
    absl::StrAppend(&md, "| ", row.name, " |");
    for (const std::string& m : ReportMetrics()) {
      const auto it = row.result.metrics.find(m);
      if (it == row.result.metrics.end()) {
        md += " - |";
      } else if (m == "novelty@10" || m == "users") {
        absl::StrAppend(&md, absl::StrFormat(" %.0f |", it->second));
      } else {
        absl::StrAppend(&md, absl::StrFormat(" %.4f |", it->second));
      }
    }
    md += "\n";
  }
  md += "\nModels:\n\n";
  for (const auto& row : r.rows)
    absl::StrAppend(&md, "- `", row.name, "`: ", row.description, "\n");
  md += "\nNotes:\n\n";
  for (const std::string& note : r.notes)
    absl::StrAppend(&md, "- ", note, "\n");
  return md;
}

absl::Status WriteEvaluation(const recsys::trainer::SuiteResult& r,
                             const std::string& dir) {
  const std::string base = absl::StrCat(dir, "/", r.suite);
  std::string tsv = "model\tmetric\tvalue\n";
  std::string curves = "model\tk\trecall\n";
  std::vector<recsys::core::ModelEvaluationSummary> summaries;
  for (const auto& row : r.rows) {
    recsys::core::ModelEvaluationSummary& s = summaries.emplace_back();
    s.name = row.name;
    s.recall_curve = row.result.recall_curve;
    for (const std::string& m : ReportMetrics()) {
      const auto it = row.result.metrics.find(m);
      if (it != row.result.metrics.end()) s.metrics.emplace_back(m, it->second);
    }
    for (const auto& [k, v] : row.result.metrics)
      absl::StrAppend(&tsv, row.name, "\t", k, "\t", absl::StrFormat("%.6f", v),
                      "\n");
    for (size_t k = 0; k < row.result.recall_curve.size(); ++k) {
      absl::StrAppend(&curves, row.name, "\t", k + 1, "\t",
                      absl::StrFormat("%.6f", row.result.recall_curve[k]),
                      "\n");
    }
  }
  RETURN_IF_ERROR(
      recsys::core::WriteFileAtomically(base + ".metrics.tsv", tsv));
  RETURN_IF_ERROR(
      recsys::core::WriteFileAtomically(base + ".curves.tsv", curves));
  RETURN_IF_ERROR(
      recsys::core::WriteFileAtomically(base + ".md", MarkdownTable(r)));
  if (r.dataset != nullptr) {
    recsys::core::ExploreReportOptions ro;
    ro.title = absl::StrCat("Evaluation suite ", r.suite);
    ro.dataset_description =
        absl::StrCat(r.import_report, ". ", r.description, ".");
    RETURN_IF_ERROR(recsys::core::WriteExploreReport(base + ".html", *r.dataset,
                                                     summaries, ro));
  }
  return absl::OkStatus();
}

absl::Status Evaluate() {
  recsys::trainer::SuiteOptions o;
  o.suite = absl::GetFlag(FLAGS_suite);
  o.lastfm_dir = absl::GetFlag(FLAGS_lastfm_dir);
  o.split_dir = absl::GetFlag(FLAGS_split_dir);
  o.spotify_csv = absl::GetFlag(FLAGS_spotify_csv);
  o.artist_features_csv = absl::GetFlag(FLAGS_artist_features_csv);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.models = absl::GetFlag(FLAGS_models);
  const int64_t cache_mb = absl::GetFlag(FLAGS_blend_cache_mb);
  if (cache_mb < 0 || cache_mb > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--blend_cache_mb must be in [0, 1073741824], got ", cache_mb));
  }
  o.blend_cache_bytes = cache_mb << 20;
  o.progress = [](const std::string& line) {
    Log(LogLevel::kInfo, "evaluate_progress", {{"detail", line}});
  };
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  const bool top_lists = absl::GetFlag(FLAGS_top_lists);
  if (top_lists && out_dir.empty())
    return absl::InvalidArgumentError("--top_lists needs --out_dir");
  if (!out_dir.empty()) RETURN_IF_ERROR(CreateDirectories(out_dir));
  std::FILE* top = nullptr;
  const std::string top_path =
      absl::StrCat(out_dir, "/", o.suite, ".top20.tsv");
  if (top_lists) {
    top = std::fopen(top_path.c_str(), "w");
    if (top == nullptr)
      return absl::InternalError(absl::StrCat("cannot write ", top_path));
    std::fputs("model\tuser\trank\titem\tscore\n", top);
    o.on_list = [top](const std::string& model, const std::string& user,
                      int rank, const std::string& item, float score) {
      std::fprintf(top, "%s\t%s\t%d\t%s\t%.6g\n", model.c_str(), user.c_str(),
                   rank, item.c_str(), score);
    };
  }
  absl::StatusOr<recsys::trainer::SuiteResult> r = recsys::trainer::RunSuite(o);
  if (top != nullptr && std::fclose(top) != 0 && r.ok())
    return absl::InternalError(absl::StrCat("cannot write ", top_path));
  if (!r.ok()) return r.status();
  std::printf("%s", MarkdownTable(*r).c_str());
  if (!out_dir.empty()) RETURN_IF_ERROR(WriteEvaluation(*r, out_dir));
  return absl::OkStatus();
}

absl::Status Explore() {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out is required");
  ASSIGN_OR_RETURN(const recsys::core::Dataset dataset, LoadDataset());
  recsys::core::ExploreReportOptions ro;
  ro.title = absl::StrCat("Dataset report: ", absl::GetFlag(FLAGS_source));
  ro.dataset_description = absl::StrFormat(
      "%d users, %d tracks, %d artists, %d interactions.", dataset.users.size(),
      dataset.catalog.tracks.size(), dataset.catalog.artists.size(),
      dataset.interactions.size());
  RETURN_IF_ERROR(recsys::core::WriteExploreReport(out, dataset, {}, ro));
  std::printf("wrote %s\n", out.c_str());
  return absl::OkStatus();
}

absl::Status Versions() {
  ASSIGN_OR_RETURN(auto store, OpenStore());
  ASSIGN_OR_RETURN(const std::vector<std::string> versions,
                   store->ListVersions());
  absl::StatusOr<std::string> current = store->CurrentVersion();
  for (const std::string& v : versions) {
    const bool is_current = current.ok() && *current == v;
    std::printf("%s%s\n", v.c_str(), is_current ? "  (current)" : "");
  }
  return absl::OkStatus();
}

absl::Status Rollback() {
  ASSIGN_OR_RETURN(auto store, OpenStore());
  const std::string version = absl::GetFlag(FLAGS_version);
  if (version.empty())
    return absl::InvalidArgumentError("--version is required");
  // Refuse a version that would not load, before servers try it.
  ASSIGN_OR_RETURN(auto opened, store->OpenVersion(version));
  RETURN_IF_ERROR(opened->LoadTrackSide().status());
  RETURN_IF_ERROR(store->SetCurrent(version));
  std::printf("current version of %s is now %s\n", store->root().c_str(),
              version.c_str());
  return absl::OkStatus();
}

absl::Status ExportDemo() {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out is required");
  RETURN_IF_ERROR(CreateDirectories(out));
  ASSIGN_OR_RETURN(const recsys::core::Dataset dataset, LoadDataset());
  recsys::core::DatasetFiles files;
  files.tracks_csv = out + "/tracks.csv";
  files.interactions_tsv = out + "/interactions.tsv";
  files.users_tsv = out + "/users.tsv";
  RETURN_IF_ERROR(recsys::core::WriteDataset(dataset, files));
  std::printf("wrote %s, %s, %s\n", files.tracks_csv.c_str(),
              files.interactions_tsv.c_str(), files.users_tsv.c_str());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  absl::FlagsUsageConfig usage_config;
  // --help lists this binary's own flags, not those of linked libraries.
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "trainer/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  std::optional<LogLevel> level =
      recsys::core::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level) {
    std::fprintf(stderr, "--log_level must be debug, info, warning or error\n");
    return 2;
  }
  recsys::core::SetMinLogLevel(*level);
  const std::string command = args.size() > 1 ? args[1] : "train";
  if (args.size() > 2) {
    std::fprintf(stderr, "unexpected argument '%s' (see --help)\n", args[2]);
    return 2;
  }
  absl::Status status;
  if (command == "train") {
    status = Train();
  } else if (command == "evaluate") {
    status = Evaluate();
  } else if (command == "explore") {
    status = Explore();
  } else if (command == "versions") {
    status = Versions();
  } else if (command == "rollback") {
    status = Rollback();
  } else if (command == "export-demo") {
    status = ExportDemo();
  } else {
    std::fprintf(stderr, "unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "recsys-train %s: %s: %s\n", command.c_str(),
                 absl::StatusCodeToString(status.code()).c_str(),
                 std::string(status.message()).c_str());
    return absl::IsInvalidArgument(status) ? 2 : 1;
  }
  return 0;
}
