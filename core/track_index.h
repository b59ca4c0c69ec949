// Nearest-neighbour retrieval over track vectors: the first stage of serving
// (core/recommender.cc re-ranks what it returns with the hybrid score).
//
// Every index answers maximum-inner-product queries: the rows with the
// largest dot product with a query vector. Rows need not be unit length (raw
// ALS vectors are not: popular tracks have long ones); an index over unit
// rows answers cosine queries.
//
// Two implementations share the interface:
//   ExactIndex  scans every row. The recall oracle of the tests.
//   HnswIndex   two tiers. The `head_rows` rows of largest norm are scanned
//               exactly; the rest (the tail) are searched in hnswlib's HNSW
//               graph with the inner-product distance 1 - q·x. The head's
//               k-th score is compared with |q| times the tail's largest
//               norm (Cauchy-Schwarz): when the head already beats every
//               possible tail row, the graph is not searched at all.
//
// Why two tiers: trained ALS vectors have very skewed norms (on the 1M-track
// demo model the median row norm is 0.011 and the largest 45; the exact top
// 100 of a user have a mean norm of 11). An inner-product graph over all of
// them (hnswlib's or FAISS's) reached recall@100 of 0.2 at any search list
// up to 600, because greedy search does not find the few long rows among a
// million short ones; the long rows are few enough to scan. (The reduction
// of inner-product search to Euclidean search, one coordinate
// sqrt(R² - |x|²) more per row, was tried too: it crowds every row near one
// pole and fell to 0.31 even on mildly skewed rows.) bench/index_bench.cc
// measures all of them on the same vectors.
//
// The trainer builds the indexes and the model store keeps them with the
// version (storage/), so a server loads, not builds, them.
//
// Thread safety: Search() may be called concurrently; Build() and Load()
// return an index that is immutable from then on.
#ifndef RECSYS_CORE_TRACK_INDEX_H_
#define RECSYS_CORE_TRACK_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/als.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
template <typename T>
class SpaceInterface;
}  // namespace hnswlib

namespace recsys::core {

struct Neighbor {
  uint32_t row = 0;
  float score = 0;  // inner product of the row and the query
};

class TrackIndex {
 public:
  virtual ~TrackIndex() = default;
  virtual int dimensions() const = 0;
  virtual int64_t size() const = 0;
  // Up to `k` rows, largest inner product with `query` first.
  // REQUIRES: query.size() == dimensions(), k >= 0.
  virtual std::vector<Neighbor> Search(absl::Span<const float> query,
                                       int k) const = 0;
};

// Scans every row: exact, O(rows x dimensions) per query.
class ExactIndex final : public TrackIndex {
 public:
  explicit ExactIndex(FactorMatrix rows) : rows_(std::move(rows)) {}
  int dimensions() const override { return static_cast<int>(rows_.cols()); }
  int64_t size() const override { return rows_.rows(); }
  std::vector<Neighbor> Search(absl::Span<const float> query,
                               int k) const override;

 private:
  FactorMatrix rows_;
};

struct HnswOptions {
  // Rows of largest norm scanned exactly (all of them in a smaller index).
  int64_t head_rows = 16384;
  int m = 16;                 // graph degree (2m on the bottom layer)
  int ef_construction = 100;  // candidate list while inserting
  int ef_search = 128;        // candidate list while searching (at least k)
  // BuildTrackIndexes(): indexes built at once (a graph is built by one
  // thread; see HnswIndex::Build).
  int threads = 2;
  uint64_t seed = 100;  // level generator
};

class HnswIndex final : public TrackIndex {
 public:
  // INVALID_ARGUMENT for options out of range or non-finite rows.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HnswIndex>> Build(
      const FactorMatrix& rows, const HnswOptions& options);

  // Writes the graph to `path`, the head rows to `path` + ".head" and the
  // header to `path` + ".header": magic, format version, sizes, and the
  // length and CRC-32 of the other two files. INTERNAL on an I/O error.
  [[nodiscard]] absl::Status Save(const std::string& path) const;
  // Reads what Save() wrote, checking the header and the checksum before the
  // graph is parsed. NOT_FOUND when `path` + ".header" does not exist;
  // DATA_LOSS when anything does not match.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HnswIndex>> Load(
      const std::string& path, int ef_search);

  ~HnswIndex() override;

  int dimensions() const override { return dimensions_; }
  int64_t size() const override { return size_; }
  int64_t head_rows() const { return static_cast<int64_t>(head_ids_.size()); }
  int ef_search() const { return ef_search_; }
  std::vector<Neighbor> Search(absl::Span<const float> query,
                               int k) const override;

 private:
  HnswIndex(int dimensions, int64_t size, int ef_search);

  int dimensions_ = 0;
  int64_t size_ = 0;
  int ef_search_ = 0;
  std::vector<uint32_t> head_ids_;         // row of each head row
  FactorMatrix head_;                      // the head rows, largest norm first
  float tail_max_norm_ = 0;                // 0 when the tail is empty
  hnswlib::SpaceInterface<float>* space_;  // shared, never freed
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

// Recall of `found` against `exact` (the true top rows): the share of the
// exact rows that were found. 1 when `exact` is empty.
double RecallAt(const std::vector<Neighbor>& found,
                const std::vector<Neighbor>& exact);

}  // namespace recsys::core

#endif  // RECSYS_CORE_TRACK_INDEX_H_
