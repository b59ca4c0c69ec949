#include "core/sparse.h"

#include <algorithm>

namespace recsys::core {

SparseRows SparseRows::FromEntries(int64_t rows, int64_t cols,
                                   std::vector<SparseEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const SparseEntry& a, const SparseEntry& b) {
              return a.row != b.row ? a.row < b.row : a.col < b.col;
            });
  SparseRows m;
  m.cols_ = cols;
  m.offsets_.assign(rows + 1, 0);
  m.indices_.reserve(entries.size());
  m.values_.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const SparseEntry& e = entries[i];
    if (i > 0 && entries[i - 1].row == e.row && entries[i - 1].col == e.col) {
      m.values_.back() += e.value;
      continue;
    }
    m.indices_.push_back(e.col);
    m.values_.push_back(e.value);
    ++m.offsets_[e.row + 1];
  }
  for (int64_t r = 0; r < rows; ++r) m.offsets_[r + 1] += m.offsets_[r];
  return m;
}

SparseRows SparseRows::Transpose() const {
  SparseRows t;
  t.cols_ = rows();
  t.offsets_.assign(cols_ + 1, 0);
  for (uint32_t c : indices_) ++t.offsets_[c + 1];
  for (int64_t c = 0; c < cols_; ++c) t.offsets_[c + 1] += t.offsets_[c];
  t.indices_.resize(indices_.size());
  t.values_.resize(values_.size());
  std::vector<int64_t> cursor(t.offsets_.begin(), t.offsets_.end() - 1);
  // Rows are visited in order, so each transposed row comes out sorted.
  for (int64_t r = 0; r < rows(); ++r) {
    for (int64_t k = offsets_[r]; k < offsets_[r + 1]; ++k) {
      const int64_t dst = cursor[indices_[k]]++;
      t.indices_[dst] = static_cast<uint32_t>(r);
      t.values_[dst] = values_[k];
    }
  }
  return t;
}

}  // namespace recsys::core
