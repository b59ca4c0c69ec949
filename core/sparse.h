// Compressed sparse rows of (column, value) pairs: the interaction matrix that
// ALS trains on and the per-user history that serving filters with.
#ifndef RECSYS_CORE_SPARSE_H_
#define RECSYS_CORE_SPARSE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace recsys::core {

struct SparseEntry {
  uint32_t row = 0;
  uint32_t col = 0;
  float value = 0;
};

// rows x cols; row r holds columns indices[offsets[r] .. offsets[r+1]) sorted
// ascending with their values. Built once, then read-only (thread-safe reads).
class SparseRows {
 public:
  SparseRows() = default;
  // REQUIRES: every entry's row < rows and col < cols. Entries with the same
  // (row, col) are summed.
  static SparseRows FromEntries(int64_t rows, int64_t cols,
                                std::vector<SparseEntry> entries);

  int64_t rows() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t cols() const { return cols_; }
  int64_t nnz() const { return static_cast<int64_t>(indices_.size()); }

  absl::Span<const uint32_t> RowIndices(int64_t row) const {
    return absl::MakeConstSpan(indices_.data() + offsets_[row],
                               offsets_[row + 1] - offsets_[row]);
  }
  absl::Span<const float> RowValues(int64_t row) const {
    return absl::MakeConstSpan(values_.data() + offsets_[row],
                               offsets_[row + 1] - offsets_[row]);
  }

  // The cols x rows matrix with the same entries.
  SparseRows Transpose() const;

 private:
  int64_t cols_ = 0;
  std::vector<int64_t> offsets_{0};
  std::vector<uint32_t> indices_;
  std::vector<float> values_;
};

}  // namespace recsys::core

#endif  // RECSYS_CORE_SPARSE_H_
