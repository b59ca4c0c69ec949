#include "core/in_memory_store.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace recsys::core {
namespace {

class InMemoryModelVersion : public ModelVersion {
 public:
  InMemoryModelVersion(std::string version,
                       std::shared_ptr<const TrainedModel> model)
      : model_(std::move(model)), metadata_(model_->metadata) {
    metadata_.version = std::move(version);
    for (size_t u = 0; u < model_->users.size(); ++u) {
      user_index_.emplace(model_->users[u].id, u);
    }
  }

  const ModelMetadata& metadata() const override { return metadata_; }

  absl::StatusOr<TrackSide> LoadTrackSide() const override {
    return model_->tracks;
  }

  // The indexes as built: their search lists are the builder's.
  absl::StatusOr<TrackIndexes> LoadIndexes(int ef_search) const override {
    return model_->indexes;
  }

  absl::StatusOr<UserRecord> GetUser(absl::string_view user_id) const override {
    auto it = user_index_.find(user_id);
    if (it == user_index_.end()) {
      return absl::NotFoundError(
          absl::StrCat("unknown user_id '", user_id, "'"));
    }
    const size_t u = it->second;
    UserRecord record;
    record.country = model_->users[u].country;
    const auto row = model_->user_factors.row(u);
    record.factors.assign(row.data(), row.data() + row.size());
    const auto tracks = model_->history.RowIndices(u);
    const auto strengths = model_->history.RowValues(u);
    for (size_t k = 0; k < tracks.size(); ++k) {
      record.history.push_back({tracks[k], strengths[k]});
    }
    if (!model_->candidates.empty()) {
      const auto row = model_->candidates.Row(u);
      record.candidates.assign(row.begin(), row.end());
    }
    return record;
  }

 private:
  std::shared_ptr<const TrainedModel> model_;
  ModelMetadata metadata_;
  absl::flat_hash_map<std::string, size_t> user_index_;
};

}  // namespace

std::unique_ptr<ModelVersion> InMemoryVersion(
    std::string name, std::shared_ptr<const TrainedModel> model) {
  return std::make_unique<InMemoryModelVersion>(std::move(name),
                                                std::move(model));
}

absl::StatusOr<std::vector<std::string>> InMemoryModelStore::ListVersions()
    const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, model] : versions_) names.push_back(name);
  return names;
}

absl::StatusOr<std::string> InMemoryModelStore::CurrentVersion() const {
  absl::MutexLock lock(&mu_);
  if (current_.empty()) return absl::NotFoundError("no model published yet");
  return current_;
}

absl::StatusOr<std::unique_ptr<ModelVersion>> InMemoryModelStore::OpenVersion(
    absl::string_view version) const {
  absl::MutexLock lock(&mu_);
  auto it = versions_.find(std::string(version));
  if (it == versions_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no model version '", version, "'"));
  }
  return InMemoryVersion(it->first, it->second);
}

absl::StatusOr<std::string> InMemoryModelStore::Publish(
    const TrainedModel& model) {
  absl::MutexLock lock(&mu_);
  const std::string name = absl::StrFormat("v%06d", versions_.size() + 1);
  versions_[name] = std::make_shared<const TrainedModel>(model);
  current_ = name;
  return name;
}

}  // namespace recsys::core
