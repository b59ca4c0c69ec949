#include "core/track_index.h"

#include <fcntl.h>
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

// Reads a file in order, keeping the CRC-32 and the number of the bytes read.
class CheckedReader {
 public:
  explicit CheckedReader(FILE* f) : f_(f) {}

  bool Read(void* dst, size_t n) {
    char* out = static_cast<char*>(dst);
    while (n > 0) {
      const size_t piece = std::min<size_t>(n, size_t{1} << 26);
      if (std::fread(out, 1, piece, f_) != piece) return false;
      crc_ = Crc(out, piece, crc_);
      bytes_ += piece;
      out += piece;
      n -= piece;
    }
    return true;
  }
  template <typename T>
  bool Pod(T* value) {
    return Read(value, sizeof(T));
  }
  bool AtEnd() {
    char extra;
    return std::fread(&extra, 1, 1, f_) == 0 && std::ferror(f_) == 0;
  }
  // Reads the rest of the file, for its checksum.
  void Drain() {
    std::vector<char> block(1 << 20);
    size_t got;
    while ((got = std::fread(block.data(), 1, block.size(), f_)) > 0) {
      crc_ = Crc(block.data(), got, crc_);
      bytes_ += got;
    }
  }
  uint32_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }

 private:
  FILE* f_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
};

// Reads into `g` (made with hnswlib's space-only constructor) a graph file
// that hnswlib 0.6.2's saveIndex() wrote, in one pass: its sizes are checked
// against the header's (`rows` in all, `count` in the graph) before anything
// is allocated, its length and CRC-32 at the end. hnswlib's own loadIndex()
// reads the file twice and asks the stream for its position (an lseek each)
// three times per element: about a fifth of the start-up of a 1M-track
// model (docs/BENCHMARKS.md). This sets the members searchKnn() reads: the
// graph is for searching only. loadIndex() also builds what adding points
// needs, a label lookup table and a lock per element (about 80 bytes a row,
// all allocated and zeroed at load); here they stay empty.
absl::Status ReadGraph(const std::string& path, int64_t rows, int64_t count,
                       uint64_t expected_bytes, uint32_t expected_crc,
                       hnswlib::SpaceInterface<float>* space,
                       hnswlib::HierarchicalNSW<float>* g) {
  using hnswlib::labeltype;
  using hnswlib::linklistsizeint;
  using hnswlib::tableint;
  // What the destructor frees, unset by that constructor.
  g->data_level0_memory_ = nullptr;
  g->linkLists_ = nullptr;
  g->visited_list_pool_ = nullptr;
  g->cur_element_count = 0;
  g->num_deleted_ = 0;

  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"),
                                          &std::fclose);
  if (f == nullptr) return absl::DataLossError("cannot open the graph file");
  std::setvbuf(f.get(), nullptr, _IOFBF, 1 << 20);
  // Read front to back: a larger read-ahead from a cold cache.
  ::posix_fadvise(::fileno(f.get()), 0, 0, POSIX_FADV_SEQUENTIAL);
  CheckedReader in(f.get());
  // A malformed graph is reported as a checksum mismatch when it is one (a
  // damaged file), as what is wrong with it otherwise.
  const auto bad = [&](absl::string_view what) {
    in.Drain();
    return absl::DataLossError(in.crc() != expected_crc ||
                                       in.bytes() != expected_bytes
                                   ? "the graph file's checksum does not match"
                                   : what);
  };
  size_t offset_level0, max_elements, elements, size_data, label_offset,
      offset_data, max_m, max_m0, m, ef_construction;
  int max_level;
  tableint entry;
  double mult;
  if (!(in.Pod(&offset_level0) && in.Pod(&max_elements) && in.Pod(&elements) &&
        in.Pod(&size_data) && in.Pod(&label_offset) && in.Pod(&offset_data) &&
        in.Pod(&max_level) && in.Pod(&entry) && in.Pod(&max_m) &&
        in.Pod(&max_m0) && in.Pod(&m) && in.Pod(&mult) &&
        in.Pod(&ef_construction))) {
    return bad("the graph file is truncated");
  }
  constexpr int kMaxLevel = 64;
  const size_t data_size = space->get_data_size();
  const size_t links0 = max_m0 * sizeof(tableint) + sizeof(linklistsizeint);
  const size_t links = max_m * sizeof(tableint) + sizeof(linklistsizeint);
  const size_t n = static_cast<size_t>(count);
  if (elements != n || max_elements != std::max<size_t>(1, n) ||
      offset_level0 != 0 || m < 2 || m > 10000 || max_m != m ||
      max_m0 != 2 * m || offset_data != links0 ||
      label_offset != offset_data + data_size ||
      size_data != label_offset + sizeof(labeltype) || !(mult > 0) ||
      !std::isfinite(mult) || max_level < (n == 0 ? -1 : 0) ||
      max_level > kMaxLevel || (n > 0 && entry >= n)) {
    return bad("the graph does not match the header's sizes");
  }

  g->offsetLevel0_ = offset_level0;
  g->max_elements_ = max_elements;
  g->size_data_per_element_ = size_data;
  g->label_offset_ = label_offset;
  g->offsetData_ = offset_data;
  g->maxlevel_ = max_level;
  g->enterpoint_node_ = entry;
  g->maxM_ = max_m;
  g->maxM0_ = max_m0;
  g->M_ = m;
  g->mult_ = mult;
  g->revSize_ = 1.0 / mult;
  g->ef_construction_ = ef_construction;
  g->ef_ = 10;
  g->data_size_ = data_size;
  g->fstdistfunc_ = space->get_dist_func();
  g->dist_func_param_ = space->get_dist_func_param();
  g->size_links_per_element_ = links;
  g->size_links_level0_ = links0;
  g->data_level0_memory_ =
      static_cast<char*>(std::malloc(max_elements * size_data));
  g->linkLists_ = static_cast<char**>(std::calloc(max_elements, sizeof(char*)));
  if (g->data_level0_memory_ == nullptr || g->linkLists_ == nullptr) {
    return absl::ResourceExhaustedError("no memory for the graph");
  }
  g->visited_list_pool_ = new hnswlib::VisitedListPool(1, max_elements);
  g->element_levels_.assign(max_elements, 0);
  // From here the destructor frees the link lists of the elements whose
  // level is set.
  g->cur_element_count = n;

  if (!in.Read(g->data_level0_memory_, n * size_data)) {
    return bad("the graph file is truncated");
  }
  for (size_t i = 0; i < n; ++i) {
    const labeltype label = g->getExternalLabel(static_cast<tableint>(i));
    if (label >= static_cast<labeltype>(rows)) {
      return bad("a graph row id is out of range");
    }
    if (g->isMarkedDeleted(static_cast<tableint>(i))) ++g->num_deleted_;
    uint32_t size;
    if (!in.Pod(&size)) return bad("the graph file is truncated");
    if (size == 0) continue;
    if (size % links != 0 || size / links > static_cast<size_t>(max_level)) {
      return bad("a link list of the graph is malformed");
    }
    g->linkLists_[i] = static_cast<char*>(std::malloc(size));
    if (g->linkLists_[i] == nullptr) {
      return absl::ResourceExhaustedError("no memory for the graph");
    }
    g->element_levels_[i] = static_cast<int>(size / links);
    if (!in.Read(g->linkLists_[i], size)) {
      return bad("the graph file is truncated");
    }
  }
  if (!in.AtEnd()) {
    return absl::DataLossError("the graph file goes on after the graph");
  }
  if (in.bytes() != expected_bytes) {
    return absl::DataLossError(absl::StrCat("the graph file has ", in.bytes(),
                                            " bytes, the header says ",
                                            expected_bytes));
  }
  if (in.crc() != expected_crc) {
    return absl::DataLossError("the graph file's checksum does not match");
  }
  return absl::OkStatus();
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

  index->graph_ =
      std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space_);
  if (absl::Status read = ReadGraph(
          path, n, n - head, Get<uint64_t>(header, 40),
          Get<uint32_t>(header, 48), index->space_, index->graph_.get());
      !read.ok()) {
    return read.code() == absl::StatusCode::kDataLoss ? corrupt(read.message())
                                                      : read;
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
