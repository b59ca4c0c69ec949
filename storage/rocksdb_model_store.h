// The model store on local disk: one RocksDB database per version, and a
// CURRENT file naming the version servers should load.
//
// Layout under the store's root directory:
//   CURRENT                 "<version>\n"; replaced by rename, so atomic
//   versions/<version>/     one RocksDB database, never modified once renamed
//   versions/<version>/index/
//                           the track indexes (core/track_index.h):
//                           personal.hnsw{,.head,.header}, station.hnsw{,...}
//   versions/.tmp-*         a publication in progress (ignored, removed by
//                           the next Publish)
//
// Column families of a version (schema in docs/ARCHITECTURE.md):
//   meta             text key -> text value (sizes, dimensions, metrics, ...)
//   tracks           index (4-byte big-endian) -> track record
//   artists          index -> artist record
//   track_vectors    index -> cf_dimensions float32
//   content_vectors  index -> content_dimensions float32
//   popularity       "listeners" | "global" | "country/<CC>" -> arrays
//   user_vectors     user id -> cf_dimensions float32
//   user_history     user id -> country + (track index, strength) pairs
//
// Thread safety: all methods may be called concurrently; publications from
// several processes never overwrite each other (the rename that makes a
// version visible fails if the name is taken, and Publish picks the next).
#ifndef RECSYS_STORAGE_ROCKSDB_MODEL_STORE_H_
#define RECSYS_STORAGE_ROCKSDB_MODEL_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/model.h"

namespace recsys::storage {

struct RocksDbStoreOptions {
  // Block cache shared by all versions opened through this store, in bytes.
  // It caches user vectors and histories; the track side is loaded whole.
  int64_t block_cache_bytes = 256 << 20;
  // Users written per WriteBatch while publishing.
  int publish_batch_users = 10000;
  // Called first on every thread a version's load starts (one per index);
  // recsys-server binds them to its model arena (server/allocator.h).
  std::function<void()> loader_thread_init;
};

// The block cache's counters since the store was opened.
struct BlockCacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t usage_bytes = 0;
  int64_t capacity_bytes = 0;
};

class RocksDbModelStore : public core::ModelStore {
 public:
  // Opens (creating if needed) the store at `root`. INVALID_ARGUMENT when
  // `root` exists and is not a directory; INTERNAL when it cannot be created.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RocksDbModelStore>> Open(
      const std::string& root, const RocksDbStoreOptions& options = {});

  ~RocksDbModelStore() override;

  absl::StatusOr<std::vector<std::string>> ListVersions() const override;
  absl::StatusOr<std::string> CurrentVersion() const override;
  absl::StatusOr<std::unique_ptr<core::ModelVersion>> OpenVersion(
      absl::string_view version) const override;
  absl::StatusOr<std::string> Publish(const core::TrainedModel& model) override;

  // Makes an existing version current again (rollback). NOT_FOUND when the
  // version does not exist.
  [[nodiscard]] absl::Status SetCurrent(absl::string_view version);

  const std::string& root() const { return root_; }

  // Of the block cache shared by the versions opened through this store:
  // after the track side is loaded, its reads are user lookups.
  BlockCacheStats CacheStats() const;

 private:
  struct Shared;
  RocksDbModelStore(std::string root, RocksDbStoreOptions options);

  std::string root_;
  RocksDbStoreOptions options_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace recsys::storage

#endif  // RECSYS_STORAGE_ROCKSDB_MODEL_STORE_H_
