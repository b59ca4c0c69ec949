// Holds the model version being served and swaps in newly published ones.
//
// Requests take a shared_ptr to the current ServingModel when they start and
// keep it until they finish, so a swap never changes a model under a running
// request; the old version is freed when its last request ends. A version
// that fails to load is refused, logged and counted, and the old one serves on.
//
// Thread-safe.
#ifndef RECSYS_SERVER_MODEL_HOLDER_H_
#define RECSYS_SERVER_MODEL_HOLDER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "core/model.h"
#include "core/recommender.h"
#include "server/metrics.h"

namespace recsys::server {

class ModelHolder {
 public:
  // `store` and `metrics` must outlive the holder; `metrics` may be null.
  ModelHolder(const core::ModelStore* store, ServerMetrics* metrics,
              core::ServingOptions serving = {})
      : store_(store), metrics_(metrics), serving_(serving) {}

  // The model to serve, or null before the first successful load.
  std::shared_ptr<const core::ServingModel> Get() const {
    absl::MutexLock lock(&mu_);
    return model_;
  }

  // Loads the store's current version when it differs from the served one.
  // OK when nothing changed or the swap happened; NOT_FOUND when nothing is
  // published; the load error (DATA_LOSS, ...) when the new version was
  // refused. A refused version is retried only after CURRENT changes again.
  [[nodiscard]] absl::Status Refresh();

  // Loads the served version once more and frees it: with an allocator that
  // keeps freed memory (server/allocator.h), the memory of a second version
  // is then ready before the first swap needs it, so that swap maps almost
  // no new pages either. FAILED_PRECONDITION when nothing is served; the load's
  // error when it fails (the served version is not touched either way).
  [[nodiscard]] absl::Status ReserveSwapMemory();

  // How long Refresh() waits for the requests still on a replaced model
  // before it lets the last of them free it.
  static constexpr std::chrono::seconds kRetireWait{10};

 private:
  const core::ModelStore* store_;
  void Retire(std::shared_ptr<const core::ServingModel> old);

  ServerMetrics* metrics_;
  const core::ServingOptions serving_;
  // Serialises loads; never held while a request reads the model.
  absl::Mutex load_mu_;
  std::string refused_version_ ABSL_GUARDED_BY(load_mu_);
  mutable absl::Mutex mu_;
  std::shared_ptr<const core::ServingModel> model_ ABSL_GUARDED_BY(mu_);
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_MODEL_HOLDER_H_
