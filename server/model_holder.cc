#include "server/model_holder.h"

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_format.h"
#include "core/logging.h"
#include "core/status_macros.h"

namespace recsys::server {

absl::Status ModelHolder::Refresh() {
  absl::MutexLock load_lock(&load_mu_);
  ASSIGN_OR_RETURN(const std::string version, store_->CurrentVersion());
  {
    std::shared_ptr<const core::ServingModel> served = Get();
    if (served != nullptr && served->metadata().version == version) {
      return absl::OkStatus();
    }
  }
  if (version == refused_version_) {
    return absl::FailedPreconditionError(
        absl::StrCat("model version ", version, " was refused before"));
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::shared_ptr<const core::ServingModel>> loaded =
      [&]() -> absl::StatusOr<std::shared_ptr<const core::ServingModel>> {
    ASSIGN_OR_RETURN(std::unique_ptr<core::ModelVersion> opened,
                     store_->OpenVersion(version));
    return core::ServingModel::Create(std::move(opened), serving_);
  }();
  if (!loaded.ok()) {
    refused_version_ = version;
    if (metrics_ != nullptr) metrics_->CountReload(false);
    core::Log(core::LogLevel::kError, "model_refused",
              {{"version", version},
               {"code", absl::StatusCodeToString(loaded.status().code())},
               {"error", loaded.status().message()}});
    return loaded.status();
  }
  const core::ModelMetadata& meta = (*loaded)->metadata();
  std::shared_ptr<const core::ServingModel> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::exchange(model_, *loaded);
  }
  if (metrics_ != nullptr) {
    metrics_->CountReload(true);
    metrics_->SetModel(meta.version, meta.created_at_seconds);
  }
  core::Log(
      core::LogLevel::kInfo, "model_loaded",
      {{"version", meta.version},
       {"tracks", meta.num_tracks},
       {"users", meta.num_users},
       {"seconds",
        absl::StrFormat("%.3f", std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start)
                                    .count())}});
  Retire(std::move(old));
  return absl::OkStatus();
}

absl::Status ModelHolder::ReserveSwapMemory() {
  absl::MutexLock load_lock(&load_mu_);
  const std::shared_ptr<const core::ServingModel> served = Get();
  if (served == nullptr) {
    return absl::FailedPreconditionError("no model is served");
  }
  const std::string& version = served->metadata().version;
  const auto start = std::chrono::steady_clock::now();
  {
    ASSIGN_OR_RETURN(std::unique_ptr<core::ModelVersion> opened,
                     store_->OpenVersion(version));
    ASSIGN_OR_RETURN(std::shared_ptr<const core::ServingModel> copy,
                     core::ServingModel::Create(std::move(opened), serving_));
  }  // freed here: the allocator keeps it for the next load
  core::Log(
      core::LogLevel::kInfo, "swap_memory_reserved",
      {{"version", version},
       {"seconds",
        absl::StrFormat("%.3f", std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start)
                                    .count())}});
  return absl::OkStatus();
}

void ModelHolder::Retire(std::shared_ptr<const core::ServingModel> old) {
  // Freeing a large model (its hash maps, graphs and matrices) takes tens
  // of milliseconds: done here, on the (background) caller's thread, once
  // the requests that started on it have finished, and not by whichever
  // request happens to drop the last reference.
  const auto give_up = std::chrono::steady_clock::now() + kRetireWait;
  while (old != nullptr && old.use_count() > 1 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  old.reset();
}

}  // namespace recsys::server
