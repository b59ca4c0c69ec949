// A ModelStore kept in memory: for tests, and for tools that score a model
// without publishing it. Same contracts as the RocksDB store.
#ifndef RECSYS_CORE_IN_MEMORY_STORE_H_
#define RECSYS_CORE_IN_MEMORY_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/model.h"

namespace recsys::core {

// `model` opened as a version named `name`, without copying it: for tools
// that serve a model they have not published (the trainer's candidate lists).
std::unique_ptr<ModelVersion> InMemoryVersion(
    std::string name, std::shared_ptr<const TrainedModel> model);

class InMemoryModelStore : public ModelStore {
 public:
  absl::StatusOr<std::vector<std::string>> ListVersions() const override;
  absl::StatusOr<std::string> CurrentVersion() const override;
  absl::StatusOr<std::unique_ptr<ModelVersion>> OpenVersion(
      absl::string_view version) const override;
  absl::StatusOr<std::string> Publish(const TrainedModel& model) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const TrainedModel>> versions_
      ABSL_GUARDED_BY(mu_);
  std::string current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace recsys::core

#endif  // RECSYS_CORE_IN_MEMORY_STORE_H_
