#include "core/track_index.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

#include "Eigen/Core"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/parallel.h"
#include "hnswlib/hnswlib.h"

namespace recsys::core {
namespace {

// The header file beside a saved graph. All integers little-endian.
//   0  magic "RSYSHNSW"          8 bytes
//   8  format version            u32 (kFormatVersion)
//  12  dimensions                u32 (of the rows, before the reduction)
//  16  rows                      u64
//  24  reserved                  u32 (0)
//  28  m                         u32 (informational)
//  32  graph file bytes          u64
//  40  graph file CRC-32         u32
//  44  CRC-32 of bytes 0..43     u32
constexpr char kMagic[8] = {'R', 'S', 'Y', 'S', 'H', 'N', 'S', 'W'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 48;

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
      space_(std::make_unique<hnswlib::InnerProductSpace>(dimensions)) {}

HnswIndex::~HnswIndex() = default;

absl::StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Build(
    const FactorMatrix& rows, const HnswOptions& options) {
  if (options.m < 2 || options.m > 256 || options.ef_construction < 1 ||
      options.ef_search < 1 || options.threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HNSW options out of range: m=", options.m,
        " ef_construction=", options.ef_construction,
        " ef_search=", options.ef_search, " threads=", options.threads));
  }
  if (!rows.allFinite()) {
    return absl::InvalidArgumentError("cannot index non-finite vectors");
  }
  const int d = static_cast<int>(rows.cols());
  const int64_t n = rows.rows();
  std::unique_ptr<HnswIndex> index(new HnswIndex(d, n, options.ef_search));
  index->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      index->space_.get(), std::max<int64_t>(1, n), options.m,
      options.ef_construction, options.seed);
  index->graph_->setEf(options.ef_search);

  absl::Mutex mu;
  std::string error;
  ParallelFor(n, options.threads, 256, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      try {
        index->graph_->addPoint(rows.row(i).data(), static_cast<size_t>(i));
      } catch (const std::exception& e) {
        absl::MutexLock lock(&mu);
        if (error.empty()) error = e.what();
        return;
      }
    }
  });
  if (!error.empty()) {
    return absl::InternalError(
        absl::StrCat("building the HNSW graph: ", error));
  }
  return index;
}

absl::Status HnswIndex::Save(const std::string& path) const {
  try {
    graph_->saveIndex(path);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", e.what()));
  }
  absl::StatusOr<std::pair<uint32_t, uint64_t>> crc = FileCrc(path);
  if (!crc.ok()) return absl::InternalError(crc.status().message());
  std::array<char, kHeaderBytes> header{};
  std::memcpy(header.data(), kMagic, sizeof(kMagic));
  Put<uint32_t>(header, 8, kFormatVersion);
  Put<uint32_t>(header, 12, static_cast<uint32_t>(dimensions_));
  Put<uint64_t>(header, 16, static_cast<uint64_t>(size_));
  Put<uint32_t>(header, 24, 0);
  Put<uint32_t>(header, 28, static_cast<uint32_t>(graph_->M_));
  Put<uint64_t>(header, 32, crc->second);
  Put<uint32_t>(header, 40, crc->first);
  Put<uint32_t>(header, 44, Crc(header.data(), 44));
  const std::string header_path = path + ".header";
  FILE* f = std::fopen(header_path.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", header_path));
  }
  const bool written =
      std::fwrite(header.data(), 1, header.size(), f) == header.size();
  if (std::fclose(f) != 0 || !written) {
    return absl::InternalError(absl::StrCat("cannot write ", header_path));
  }
  return absl::OkStatus();
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
  if (Get<uint32_t>(header, 44) != Crc(header.data(), 44)) {
    return corrupt("the header's checksum does not match");
  }
  const uint32_t version = Get<uint32_t>(header, 8);
  if (version != kFormatVersion) {
    return corrupt(absl::StrCat("format version ", version,
                                ", this build reads ", kFormatVersion));
  }
  const int d = static_cast<int>(Get<uint32_t>(header, 12));
  const int64_t n = static_cast<int64_t>(Get<uint64_t>(header, 16));
  if (d < 1 || d > 4096 || n < 0 || n > (int64_t{1} << 32)) {
    return corrupt("implausible sizes in the header");
  }
  absl::StatusOr<std::pair<uint32_t, uint64_t>> crc = FileCrc(path);
  if (!crc.ok()) return corrupt(crc.status().message());
  if (crc->second != Get<uint64_t>(header, 32)) {
    return corrupt(absl::StrCat("the graph file has ", crc->second,
                                " bytes, the header says ",
                                Get<uint64_t>(header, 32)));
  }
  if (crc->first != Get<uint32_t>(header, 40)) {
    return corrupt("the graph file's checksum does not match");
  }

  std::unique_ptr<HnswIndex> index(new HnswIndex(d, n, std::max(1, ef_search)));
  try {
    index->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        index->space_.get(), path);
  } catch (const std::exception& e) {
    return corrupt(e.what());
  }
  const hnswlib::HierarchicalNSW<float>& g = *index->graph_;
  if (static_cast<int64_t>(g.cur_element_count) != std::max<int64_t>(n, 0) ||
      g.label_offset_ - g.offsetData_ != d * sizeof(float)) {
    return corrupt("the graph does not match the header's sizes");
  }
  index->graph_->setEf(index->ef_search_);
  return index;
}

int64_t HnswIndex::memory_bytes() const {
  const hnswlib::HierarchicalNSW<float>& g = *graph_;
  int64_t bytes =
      static_cast<int64_t>(g.max_elements_ * g.size_data_per_element_);
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    bytes +=
        static_cast<int64_t>(g.element_levels_[i] * g.size_links_per_element_);
  }
  // Per element: the level, its locks and the label lookup.
  bytes += static_cast<int64_t>(g.max_elements_) *
           (sizeof(int) + sizeof(std::mutex) + sizeof(char*) + 32);
  return bytes;
}

std::vector<Neighbor> HnswIndex::Search(absl::Span<const float> query,
                                        int k) const {
  std::vector<Neighbor> out;
  if (k <= 0 || size_ == 0) return out;
  auto found = graph_->searchKnn(query.data(), static_cast<size_t>(k));
  out.resize(found.size());
  // The queue pops the farthest first; the distance is 1 - q·x.
  for (size_t i = found.size(); i-- > 0;) {
    const auto& [distance, label] = found.top();
    out[i] = {static_cast<uint32_t>(label), 1.0f - distance};
    found.pop();
  }
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
