#include "core/track_index.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <utility>

#include "Eigen/Core"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
// hnswlib 0.6.2's SSE path prefetches the entry one past the end of a link
// list: a harmless hint (a prefetch never faults), but a read past a
// malloc'd block to AddressSanitizer. Sanitizer builds use the scalar path.
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif
#include "hnswlib/hnswlib.h"

namespace recsys::core {
namespace {

// The header file beside a saved index. All integers little-endian.
//   0  magic "RSYSHNSW"          8 bytes
//   8  format version            u32 (kFormatVersion)
//  12  dimensions                u32
//  16  rows                      u64 (head + tail)
//  24  head rows                 u64
//  32  m                         u32 (informational)
//  36  the tail's largest norm   f32
//  40  graph file bytes          u64
//  48  graph file CRC-32         u32
//  52  head file CRC-32          u32 (its length follows from the sizes)
//  56  reserved                  u32 (0)
//  60  CRC-32 of bytes 0..59     u32
// The head file: head rows x u32 row ids, then head rows x dimensions f32.
constexpr char kMagic[8] = {'R', 'S', 'Y', 'S', 'H', 'N', 'S', 'W'};
constexpr uint32_t kFormatVersion = 2;
constexpr size_t kHeaderBytes = 64;

template <typename T>
void Put(std::array<char, kHeaderBytes>& buf, size_t at, T value) {
  std::memcpy(buf.data() + at, &value, sizeof(T));
}
template <typename T>
T Get(const std::array<char, kHeaderBytes>& buf, size_t at) {
  T value;
  std::memcpy(&value, buf.data() + at, sizeof(T));
  return value;
}

uint32_t Crc(const char* data, size_t n, uint32_t crc = 0) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

// CRC-32 and length of a whole file, read in blocks.
absl::StatusOr<std::pair<uint32_t, uint64_t>> FileCrc(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::DataLossError(absl::StrCat("cannot open ", path));
  }
  std::vector<char> block(1 << 20);
  uint32_t crc = 0;
  uint64_t bytes = 0;
  size_t got;
  while ((got = std::fread(block.data(), 1, block.size(), f)) > 0) {
    crc = Crc(block.data(), got, crc);
    bytes += got;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return std::make_pair(crc, bytes);
}

// Writes `parts` one after another into `path` (replacing it).
absl::Status WriteWhole(
    const std::string& path,
    std::initializer_list<std::pair<const char*, size_t>> parts) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", path));
  }
  bool written = true;
  for (const auto& [data, size] : parts) {
    written = written && std::fwrite(data, 1, size, f) == size;
  }
  if (std::fclose(f) != 0 || !written) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// The inner-product space of `dimensions`, made once per process: hnswlib
// 0.6.2's space constructor assigns global function pointers that every
// search reads, so constructing one while another thread searches is a data
// race. Never freed (graphs keep a pointer to their space).
hnswlib::SpaceInterface<float>* SharedSpace(int dimensions) {
  // A std::mutex (pthreads), which ThreadSanitizer sees; Debian's Abseil is
  // not built for it.
  static std::mutex mu;
  static auto* spaces =
      new std::map<int, std::unique_ptr<hnswlib::InnerProductSpace>>();
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<hnswlib::InnerProductSpace>& space = (*spaces)[dimensions];
  if (space == nullptr) {
    space = std::make_unique<hnswlib::InnerProductSpace>(dimensions);
  }
  return space.get();
}

}  // namespace

std::vector<Neighbor> ExactIndex::Search(absl::Span<const float> query,
                                         int k) const {
  const Eigen::Map<const Eigen::VectorXf> q(query.data(),
                                            static_cast<int>(query.size()));
  const Eigen::VectorXf scores = rows_ * q;
  std::vector<uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  const size_t keep = std::min(order.size(), static_cast<size_t>(k));
  auto better = [&](uint32_t a, uint32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  };
  std::partial_sort(order.begin(), order.begin() + keep, order.end(), better);
  std::vector<Neighbor> out;
  out.reserve(keep);
  for (size_t i = 0; i < keep; ++i) out.push_back({order[i], scores[order[i]]});
  return out;
}

HnswIndex::HnswIndex(int dimensions, int64_t size, int ef_search)
    : dimensions_(dimensions),
      size_(size),
      ef_search_(ef_search),
      space_(SharedSpace(dimensions)) {}

HnswIndex::~HnswIndex() = default;

absl::StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Build(
    const FactorMatrix& rows, const HnswOptions& options) {
  if (options.m < 2 || options.m > 256 || options.ef_construction < 1 ||
      options.ef_search < 1 || options.head_rows < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HNSW options out of range: head_rows=", options.head_rows,
        " m=", options.m, " ef_construction=", options.ef_construction,
        " ef_search=", options.ef_search));
  }
  if (!rows.allFinite()) {
    return absl::InvalidArgumentError("cannot index non-finite vectors");
  }
  const int d = static_cast<int>(rows.cols());
  const int64_t n = rows.rows();
  std::unique_ptr<HnswIndex> index(new HnswIndex(d, n, options.ef_search));

  // Rows by norm, largest first: the head is the prefix.
  const Eigen::VectorXf norms = rows.rowwise().norm();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return norms[a] > norms[b]; });
  const int64_t head = std::min(n, options.head_rows);
  index->head_ids_.assign(order.begin(), order.begin() + head);
  index->head_.resize(head, d);
  for (int64_t i = 0; i < head; ++i) index->head_.row(i) = rows.row(order[i]);
  const int64_t tail = n - head;
  index->tail_max_norm_ = tail > 0 ? norms[order[head]] : 0.0f;

  index->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      index->space_, std::max<int64_t>(1, tail), options.m,
      options.ef_construction, options.seed);
  index->graph_->setEf(options.ef_search);
  // One inserting thread: hnswlib 0.6.2 draws each new row's level from one
  // unguarded generator inside addPoint(), a data race when threads insert
  // concurrently. BuildTrackIndexes() builds its indexes side by side instead.
  // Labels are the rows' own numbers.
  for (int64_t i = 0; i < tail; ++i) {
    const uint32_t row = order[head + i];
    try {
      index->graph_->addPoint(rows.row(row).data(), row);
    } catch (const std::exception& e) {
      return absl::InternalError(
          absl::StrCat("building the HNSW graph: ", e.what()));
    }
  }
  return index;
}

absl::Status HnswIndex::Save(const std::string& path) const {
  try {
    graph_->saveIndex(path);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", e.what()));
  }
  absl::StatusOr<std::pair<uint32_t, uint64_t>> graph_crc = FileCrc(path);
  if (!graph_crc.ok()) return absl::InternalError(graph_crc.status().message());

  const std::string head_path = path + ".head";
  const size_t id_bytes = head_ids_.size() * sizeof(uint32_t);
  const size_t row_bytes = static_cast<size_t>(head_.size()) * sizeof(float);
  uint32_t head_crc =
      Crc(reinterpret_cast<const char*>(head_ids_.data()), id_bytes);
  head_crc =
      Crc(reinterpret_cast<const char*>(head_.data()), row_bytes, head_crc);
  RETURN_IF_ERROR(WriteWhole(
      head_path, {{reinterpret_cast<const char*>(head_ids_.data()), id_bytes},
                  {reinterpret_cast<const char*>(head_.data()), row_bytes}}));

  std::array<char, kHeaderBytes> header{};
  std::memcpy(header.data(), kMagic, sizeof(kMagic));
  Put<uint32_t>(header, 8, kFormatVersion);
  Put<uint32_t>(header, 12, static_cast<uint32_t>(dimensions_));
  Put<uint64_t>(header, 16, static_cast<uint64_t>(size_));
  Put<uint64_t>(header, 24, static_cast<uint64_t>(head_ids_.size()));
  Put<uint32_t>(header, 32, static_cast<uint32_t>(graph_->M_));
  Put<float>(header, 36, tail_max_norm_);
  Put<uint64_t>(header, 40, graph_crc->second);
  Put<uint32_t>(header, 48, graph_crc->first);
  Put<uint32_t>(header, 52, head_crc);
  Put<uint32_t>(header, 56, 0);
  Put<uint32_t>(header, 60, Crc(header.data(), 60));
  return WriteWhole(path + ".header", {{header.data(), header.size()}});
}

absl::StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Load(
    const std::string& path, int ef_search) {
  const std::string header_path = path + ".header";
  FILE* f = std::fopen(header_path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("no index header ", header_path));
  }
  std::array<char, kHeaderBytes + 1> raw{};
  const size_t got = std::fread(raw.data(), 1, raw.size(), f);
  std::fclose(f);
  std::array<char, kHeaderBytes> header{};
  std::memcpy(header.data(), raw.data(), kHeaderBytes);
  auto corrupt = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("track index ", path, ": ", what));
  };
  if (got != kHeaderBytes) return corrupt("the header has the wrong length");
  if (std::memcmp(header.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("not a track index (bad magic)");
  }
  if (Get<uint32_t>(header, 60) != Crc(header.data(), 60)) {
    return corrupt("the header's checksum does not match");
  }
  const uint32_t version = Get<uint32_t>(header, 8);
  if (version != kFormatVersion) {
    return corrupt(absl::StrCat("format version ", version,
                                ", this build reads ", kFormatVersion));
  }
  const int d = static_cast<int>(Get<uint32_t>(header, 12));
  const int64_t n = static_cast<int64_t>(Get<uint64_t>(header, 16));
  const int64_t head = static_cast<int64_t>(Get<uint64_t>(header, 24));
  const float tail_max_norm = Get<float>(header, 36);
  if (d < 1 || d > 4096 || n < 0 || n > (int64_t{1} << 32) || head < 0 ||
      head > n || !std::isfinite(tail_max_norm)) {
    return corrupt("implausible sizes in the header");
  }

  absl::StatusOr<std::pair<uint32_t, uint64_t>> crc = FileCrc(path);
  if (!crc.ok()) return corrupt(crc.status().message());
  if (crc->second != Get<uint64_t>(header, 40)) {
    return corrupt(absl::StrCat("the graph file has ", crc->second,
                                " bytes, the header says ",
                                Get<uint64_t>(header, 40)));
  }
  if (crc->first != Get<uint32_t>(header, 48)) {
    return corrupt("the graph file's checksum does not match");
  }

  std::unique_ptr<HnswIndex> index(new HnswIndex(d, n, std::max(1, ef_search)));
  index->tail_max_norm_ = tail_max_norm;
  index->head_ids_.resize(head);
  index->head_.resize(head, d);
  {
    const std::string head_path = path + ".head";
    const size_t id_bytes = static_cast<size_t>(head) * sizeof(uint32_t);
    const size_t row_bytes = static_cast<size_t>(head) * d * sizeof(float);
    FILE* h = std::fopen(head_path.c_str(), "rb");
    if (h == nullptr) return corrupt(absl::StrCat("cannot open ", head_path));
    char extra;
    const bool complete =
        std::fread(index->head_ids_.data(), 1, id_bytes, h) == id_bytes &&
        std::fread(index->head_.data(), 1, row_bytes, h) == row_bytes &&
        std::fread(&extra, 1, 1, h) == 0;
    std::fclose(h);
    if (!complete) return corrupt("the head file has the wrong length");
    uint32_t head_crc =
        Crc(reinterpret_cast<const char*>(index->head_ids_.data()), id_bytes);
    head_crc = Crc(reinterpret_cast<const char*>(index->head_.data()),
                   row_bytes, head_crc);
    if (head_crc != Get<uint32_t>(header, 52)) {
      return corrupt("the head file's checksum does not match");
    }
    for (uint32_t id : index->head_ids_) {
      if (id >= n) return corrupt("a head row id is out of range");
    }
  }

  try {
    index->graph_ =
        std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space_, path);
  } catch (const std::exception& e) {
    return corrupt(e.what());
  }
  const hnswlib::HierarchicalNSW<float>& g = *index->graph_;
  if (static_cast<int64_t>(g.cur_element_count) != n - head ||
      g.label_offset_ - g.offsetData_ != d * sizeof(float)) {
    return corrupt("the graph does not match the header's sizes");
  }
  index->graph_->setEf(index->ef_search_);
  return index;
}

std::vector<Neighbor> HnswIndex::Search(absl::Span<const float> query,
                                        int k) const {
  std::vector<Neighbor> out;
  if (k <= 0 || size_ == 0) return out;
  const Eigen::Map<const Eigen::VectorXf> q(query.data(), dimensions_);
  // The head, exactly.
  if (head_.rows() > 0) {
    const Eigen::VectorXf scores = head_ * q;
    std::vector<uint32_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0u);
    const size_t keep = std::min(order.size(), static_cast<size_t>(k));
    std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                      [&](uint32_t a, uint32_t b) {
                        return scores[a] != scores[b] ? scores[a] > scores[b]
                                                      : a < b;
                      });
    out.reserve(keep);
    for (size_t i = 0; i < keep; ++i) {
      out.push_back({head_ids_[order[i]], scores[order[i]]});
    }
  }
  const int64_t tail = size_ - head_rows();
  if (tail == 0) return out;
  // No tail row can beat the head's k-th: |q·x| <= |q| |x|.
  if (static_cast<int>(out.size()) == k &&
      out.back().score >= q.norm() * tail_max_norm_) {
    return out;
  }
  auto found = graph_->searchKnn(query.data(), static_cast<size_t>(k));
  // The queue pops the farthest first; the distance is 1 - q·x.
  for (; !found.empty(); found.pop()) {
    const auto& [distance, label] = found.top();
    out.push_back({static_cast<uint32_t>(label), 1.0f - distance});
  }
  std::sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  });
  if (static_cast<int>(out.size()) > k) out.resize(k);
  return out;
}

double RecallAt(const std::vector<Neighbor>& found,
                const std::vector<Neighbor>& exact) {
  if (exact.empty()) return 1.0;
  absl::flat_hash_set<uint32_t> truth;
  for (const Neighbor& n : exact) truth.insert(n.row);
  int64_t hit = 0;
  for (const Neighbor& n : found) hit += truth.contains(n.row);
  return static_cast<double>(hit) / static_cast<double>(exact.size());
}

}  // namespace recsys::core
