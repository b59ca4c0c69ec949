#include "storage/rocksdb_model_store.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <system_error>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"

namespace recsys::storage {
namespace fs = std::filesystem;
namespace {

// Format 2 added the users' candidate lists (history records of version 2);
// format 1 versions are still read.
constexpr char kFormatVersion[] = "2";
constexpr char kOldestFormatVersion[] = "1";
constexpr uint8_t kRecordVersion = 1;
// A user_history value: version 1 is the country and the history; version 2
// appends the user's candidate list.
constexpr uint8_t kHistoryRecordVersion = 2;
constexpr char kVersionPrefix[] = "v";

enum Cf : size_t {
  kDefault = 0,
  kMeta,
  kTracks,
  kArtists,
  kTrackVectors,
  kContentVectors,
  kPopularity,
  kUserVectors,
  kUserHistory,
  kNumCfs,
};
constexpr const char* kCfNames[kNumCfs] = {
    "default",    "meta",          "tracks",
    "artists",    "track_vectors", "content_vectors",
    "popularity", "user_vectors",  "user_history"};

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::DataLossError(message);
  if (s.IsIOError()) return absl::DataLossError(message);
  return absl::InternalError(message);
}

absl::Status Corrupt(absl::string_view version, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("model version ", version, " is corrupt: ", what));
}

// A version's track indexes live beside its database, one graph file and
// one header file each (core/track_index.h): versions/<v>/index/<name>.
constexpr char kIndexDir[] = "index";

std::vector<std::pair<const char*, std::shared_ptr<const core::HnswIndex>*>>
IndexFiles(core::TrackIndexes& indexes) {
  return {{"personal.hnsw", &indexes.personal},
          {"station.hnsw", &indexes.station}};
}

// fsync of a file or directory, so a rename that follows is durable.
absl::Status SyncPath(const fs::path& path, bool directory) {
  const int fd =
      ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", path.string(), ": ", std::strerror(errno)));
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("fsync ", path.string(), ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool IsVersionName(absl::string_view name) {
  uint64_t number = 0;
  return absl::ConsumePrefix(&name, kVersionPrefix) && name.size() == 6 &&
         absl::SimpleAtoi(name, &number);
}

std::string EncodeTrack(const core::Track& t) {
  Encoder e;
  e.PutU8(kRecordVersion);
  e.PutString(t.id);
  e.PutString(t.title);
  e.PutU32(t.artist);
  e.PutU16(t.genre);
  e.PutU16(t.subgenre);
  e.PutI32(t.release_year);
  e.PutU8(static_cast<uint8_t>(t.kind));
  e.PutU8(t.explicit_content ? 1 : 0);
  e.PutF32(t.popularity);
  e.PutFloats(t.audio);
  e.PutU32(t.markets);
  return e.Release();
}

bool DecodeTrack(absl::string_view in, core::Track* t) {
  Decoder d(in);
  uint8_t version = 0, kind = 0, explicit_content = 0;
  int32_t year = 0;
  if (!d.GetU8(&version) || version != kRecordVersion || !d.GetString(&t->id) ||
      !d.GetString(&t->title) || !d.GetU32(&t->artist) ||
      !d.GetU16(&t->genre) || !d.GetU16(&t->subgenre) || !d.GetI32(&year) ||
      !d.GetU8(&kind) || !d.GetU8(&explicit_content) ||
      !d.GetF32(&t->popularity) ||
      !d.GetFloats(t->audio.data(), t->audio.size()) ||
      !d.GetU32(&t->markets) || !d.done() || kind > 2) {
    return false;
  }
  t->release_year = static_cast<int16_t>(year);
  t->kind = static_cast<core::ContentKind>(kind);
  t->explicit_content = explicit_content != 0;
  return true;
}

std::string EncodeArtist(const core::Artist& a) {
  Encoder e;
  e.PutU8(kRecordVersion);
  e.PutString(a.id);
  e.PutString(a.name);
  e.PutU16(a.genre);
  return e.Release();
}

bool DecodeArtist(absl::string_view in, core::Artist* a) {
  Decoder d(in);
  uint8_t version = 0;
  return d.GetU8(&version) && version == kRecordVersion &&
         d.GetString(&a->id) && d.GetString(&a->name) && d.GetU16(&a->genre) &&
         d.done();
}

std::string EncodeStrings(const std::vector<std::string>& strings) {
  Encoder e;
  e.PutU8(kRecordVersion);
  e.PutU32(static_cast<uint32_t>(strings.size()));
  for (const std::string& s : strings) e.PutString(s);
  return e.Release();
}

bool DecodeStrings(absl::string_view in, std::vector<std::string>* out) {
  Decoder d(in);
  uint8_t version = 0;
  uint32_t n = 0;
  if (!d.GetU8(&version) || version != kRecordVersion || !d.GetU32(&n) ||
      n > d.remaining()) {
    return false;
  }
  out->resize(n);
  for (std::string& s : *out) {
    if (!d.GetString(&s)) return false;
  }
  return d.done();
}

absl::string_view FloatBytes(const float* data, size_t n) {
  return absl::string_view(reinterpret_cast<const char*>(data),
                           n * sizeof(float));
}

// Reads `n` floats, all finite. False on a size mismatch or a NaN/inf.
bool DecodeVector(absl::string_view in, size_t n, float* out) {
  if (in.size() != n * sizeof(float)) return false;
  std::memcpy(out, in.data(), in.size());
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(out[i])) return false;
  }
  return true;
}

std::string EncodeHistory(absl::string_view country,
                          absl::Span<const uint32_t> tracks,
                          absl::Span<const float> strengths,
                          absl::Span<const uint32_t> candidates) {
  Encoder e;
  e.PutU8(kHistoryRecordVersion);
  e.PutString(country);
  e.PutU32(static_cast<uint32_t>(tracks.size()));
  for (size_t k = 0; k < tracks.size(); ++k) {
    e.PutU32(tracks[k]);
    e.PutF32(strengths[k]);
  }
  e.PutU32(static_cast<uint32_t>(candidates.size()));
  for (uint32_t t : candidates) e.PutU32(t);
  return e.Release();
}

// Everything a version's RocksDB handle needs, closed in the right order.
struct OpenDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> cfs;

  ~OpenDb() {
    cfs.clear();  // handles must go before the database
    db.reset();
  }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return cfs[which].get(); }
};

rocksdb::ColumnFamilyOptions CfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  if (point_lookups) {
    table.block_cache = cache;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // The user tables' index and filter blocks grow with the number of
    // users: they go through the bounded block cache too, so the server's
    // memory does not (max_open_files bounds the table readers).
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
  } else {
    // Read whole, once per load (BulkRead), by the reloader, which runs in
    // the idle scheduling class: even a read that does not fill the cache
    // looks every block up in it, under the mutex of one of its shards. A
    // loader preempted inside that lock (any request waking on its CPU
    // preempts it) kept the request threads that wanted the same shard
    // waiting until the idle class got a CPU again: calls stalled for tens
    // of milliseconds in the middle of loads (docs/BENCHMARKS.md, "Loads
    // that no longer touch the block cache"). These tables bypass the cache.
    table.no_block_cache = true;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kNoCompression;
  return options;
}

absl::StatusOr<std::unique_ptr<OpenDb>> OpenRocks(
    const fs::path& path, const std::shared_ptr<rocksdb::Cache>& cache,
    const std::shared_ptr<rocksdb::Statistics>& statistics, bool read_only) {
  rocksdb::DBOptions db_options;
  db_options.statistics = statistics;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  db_options.paranoid_checks = true;
  db_options.max_open_files = 256;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kNumCfs; ++i) {
    const bool point = i == kUserVectors || i == kUserHistory;
    descriptors.emplace_back(kCfNames[i], CfOptions(cache, point));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, path.string(),
                                               descriptors, &handles, &raw)
                : rocksdb::DB::Open(db_options, path.string(), descriptors,
                                    &handles, &raw);
  auto open = std::make_unique<OpenDb>();
  open->db.reset(raw);
  for (rocksdb::ColumnFamilyHandle* h : handles) open->cfs.emplace_back(h);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open ", path.string()));
  return open;
}

// Options for reading a whole column family once, at load: the blocks are
// read ahead in large pieces. The tables read this way have no block cache
// at all (CfOptions), so a load neither fills nor looks up the one the user
// lookups of the version being served use.
rocksdb::ReadOptions BulkRead() {
  rocksdb::ReadOptions read;
  read.readahead_size = 2 << 20;
  return read;
}

class RocksDbModelVersion : public core::ModelVersion {
 public:
  // `tables` holds the catalog's string tables (genres, sub-genres, market
  // sets); tracks and artists are read by LoadTrackSide().
  RocksDbModelVersion(std::unique_ptr<OpenDb> db, core::ModelMetadata metadata,
                      core::Catalog tables, fs::path path,
                      std::function<void()> loader_thread_init)
      : db_(std::move(db)),
        metadata_(std::move(metadata)),
        tables_(std::move(tables)),
        path_(std::move(path)),
        loader_thread_init_(std::move(loader_thread_init)) {}

  const core::ModelMetadata& metadata() const override { return metadata_; }

  absl::StatusOr<core::TrackSide> LoadTrackSide() const override;

  absl::StatusOr<core::TrackIndexes> LoadIndexes(int ef_search) const override {
    const fs::path dir = path_ / kIndexDir;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return core::TrackIndexes();
    core::TrackIndexes indexes;
    // One thread per index: reading and checking them is most of a large
    // version's start-up.
    const auto files = IndexFiles(indexes);
    std::vector<absl::StatusOr<std::unique_ptr<core::HnswIndex>>> loaded;
    for (size_t i = 0; i < files.size(); ++i) {
      loaded.emplace_back(absl::UnknownError("not loaded"));
    }
    std::vector<std::thread> threads;
    for (size_t i = 0; i < files.size(); ++i) {
      threads.emplace_back([&, i] {
        if (loader_thread_init_) loader_thread_init_();
        loaded[i] =
            core::HnswIndex::Load((dir / files[i].first).string(), ef_search);
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t i = 0; i < files.size(); ++i) {
      if (!loaded[i].ok()) {
        return Corrupt(metadata_.version,
                       absl::StrCat("index ", files[i].first, ": ",
                                    loaded[i].status().message()));
      }
      *files[i].second = *std::move(loaded[i]);
    }
    return indexes;
  }

  absl::StatusOr<core::UserRecord> GetUser(
      absl::string_view user_id) const override {
    const rocksdb::ReadOptions read;
    std::string vector_bytes, history_bytes;
    rocksdb::Status s = db_->db->Get(
        read, db_->cf(kUserVectors),
        rocksdb::Slice(user_id.data(), user_id.size()), &vector_bytes);
    if (s.IsNotFound()) {
      return absl::NotFoundError(
          absl::StrCat("unknown user_id '", user_id, "'"));
    }
    RETURN_IF_ERROR(FromRocks(s, "read user vector"));
    s = db_->db->Get(read, db_->cf(kUserHistory),
                     rocksdb::Slice(user_id.data(), user_id.size()),
                     &history_bytes);
    RETURN_IF_ERROR(FromRocks(s, "read user history"));
    core::UserRecord record;
    record.factors.resize(metadata_.cf_dimensions);
    if (!DecodeVector(vector_bytes, record.factors.size(),
                      record.factors.data())) {
      return Corrupt(metadata_.version, "bad user vector");
    }
    Decoder d(history_bytes);
    uint8_t version = 0;
    uint32_t n = 0;
    if (!d.GetU8(&version) || version < 1 || version > kHistoryRecordVersion ||
        !d.GetString(&record.country) || !d.GetU32(&n) || n > d.remaining()) {
      return Corrupt(metadata_.version, "bad user history");
    }
    record.history.resize(n);
    for (core::HistoryEntry& e : record.history) {
      if (!d.GetU32(&e.track) || !d.GetF32(&e.strength) ||
          e.track >= metadata_.num_tracks || !std::isfinite(e.strength)) {
        return Corrupt(metadata_.version, "bad user history entry");
      }
    }
    if (version >= 2) {
      if (!d.GetU32(&n) || n > d.remaining()) {
        return Corrupt(metadata_.version, "bad user candidates");
      }
      record.candidates.resize(n);
      for (uint32_t& t : record.candidates) {
        if (!d.GetU32(&t) || t >= metadata_.num_tracks) {
          return Corrupt(metadata_.version, "bad user candidate");
        }
      }
    }
    if (!d.done()) return Corrupt(metadata_.version, "bad user history size");
    return record;
  }

 private:
  // Reads every row of an index-keyed column family, checking that keys are
  // exactly 0..expected-1.
  template <typename RowFn>
  absl::Status ScanIndexed(Cf cf, int64_t expected, const RowFn& row) const {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db->NewIterator(BulkRead(), db_->cf(cf)));
    int64_t next = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint32_t index = 0;
      if (!ParseIndexKey(absl::string_view(it->key().data(), it->key().size()),
                         &index) ||
          index != next || next >= expected) {
        return Corrupt(metadata_.version,
                       absl::StrCat("unexpected key in ", kCfNames[cf]));
      }
      if (!row(index,
               absl::string_view(it->value().data(), it->value().size()))) {
        return Corrupt(metadata_.version,
                       absl::StrCat("bad row ", index, " in ", kCfNames[cf]));
      }
      ++next;
    }
    RETURN_IF_ERROR(
        FromRocks(it->status(), absl::StrCat("scan ", kCfNames[cf])));
    if (next != expected) {
      return Corrupt(metadata_.version,
                     absl::StrCat(kCfNames[cf], " has ", next,
                                  " rows, expected ", expected));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<OpenDb> db_;
  core::ModelMetadata metadata_;
  core::Catalog tables_;
  fs::path path_;                             // the version's directory
  std::function<void()> loader_thread_init_;  // RocksDbStoreOptions'
};

absl::StatusOr<core::TrackSide> RocksDbModelVersion::LoadTrackSide() const {
  core::TrackSide side;
  core::Catalog& c = side.catalog;
  c = tables_;
  const int64_t n = metadata_.num_tracks;
  c.artists.resize(metadata_.num_artists);
  RETURN_IF_ERROR(ScanIndexed(kArtists, metadata_.num_artists,
                              [&](uint32_t i, absl::string_view v) {
                                return DecodeArtist(v, &c.artists[i]) &&
                                       c.artists[i].genre < c.genres.size();
                              }));
  c.tracks.resize(n);
  RETURN_IF_ERROR(ScanIndexed(kTracks, n, [&](uint32_t i, absl::string_view v) {
    core::Track& t = c.tracks[i];
    return DecodeTrack(v, &t) && t.artist < c.artists.size() &&
           t.genre < c.genres.size() && t.markets < c.market_sets.size() &&
           (c.subgenres.empty() || t.subgenre < c.subgenres.size());
  }));
  side.cf.resize(n, metadata_.cf_dimensions);
  RETURN_IF_ERROR(
      ScanIndexed(kTrackVectors, n, [&](uint32_t i, absl::string_view v) {
        return DecodeVector(v, side.cf.cols(), side.cf.row(i).data());
      }));
  side.content.resize(n, metadata_.content_dimensions);
  RETURN_IF_ERROR(
      ScanIndexed(kContentVectors, n, [&](uint32_t i, absl::string_view v) {
        return DecodeVector(v, side.content.cols(), side.content.row(i).data());
      }));

  std::unique_ptr<rocksdb::Iterator> it(
      db_->db->NewIterator(BulkRead(), db_->cf(kPopularity)));
  bool have_global = false, have_listeners = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    absl::string_view value(it->value().data(), it->value().size());
    if (key == "global") {
      side.popularity.global.resize(n);
      if (!DecodeVector(value, n, side.popularity.global.data())) {
        return Corrupt(metadata_.version, "bad global popularity");
      }
      have_global = true;
    } else if (key == "listeners") {
      if (value.size() != n * sizeof(uint32_t)) {
        return Corrupt(metadata_.version, "bad listener counts");
      }
      side.popularity.listeners.resize(n);
      std::memcpy(side.popularity.listeners.data(), value.data(), value.size());
      have_listeners = true;
    } else if (absl::ConsumePrefix(&key, "country/")) {
      auto& top = side.popularity.regional[std::string(key)];
      Decoder d(value);
      uint32_t count = 0;
      if (!d.GetU32(&count) || count > d.remaining()) {
        return Corrupt(metadata_.version, "bad regional popularity");
      }
      top.resize(count);
      for (auto& [track, score] : top) {
        if (!d.GetU32(&track) || !d.GetF32(&score) || track >= n) {
          return Corrupt(metadata_.version, "bad regional popularity entry");
        }
      }
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scan popularity"));
  if (!have_global || !have_listeners) {
    return Corrupt(metadata_.version, "popularity is missing");
  }
  return side;
}

// Reads a version's metadata from its meta column family.
absl::StatusOr<core::ModelMetadata> ReadMetadata(const OpenDb& db,
                                                 absl::string_view version,
                                                 core::Catalog* tables) {
  std::map<std::string, std::string> meta;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(rocksdb::ReadOptions(), db.cf(kMeta)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    meta[it->key().ToString()] = it->value().ToString();
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scan meta"));
  auto get = [&](const std::string& key) -> absl::StatusOr<std::string> {
    auto found = meta.find(key);
    if (found == meta.end())
      return Corrupt(version, absl::StrCat("no meta '", key, "'"));
    return found->second;
  };
  ASSIGN_OR_RETURN(std::string format, get("format_version"));
  if (format != kFormatVersion && format != kOldestFormatVersion) {
    return Corrupt(version,
                   absl::StrCat("unsupported format_version ", format));
  }
  core::ModelMetadata m;
  m.version = std::string(version);
  auto get_int = [&](const std::string& key, int64_t* out) -> absl::Status {
    ASSIGN_OR_RETURN(std::string text, get(key));
    if (!absl::SimpleAtoi(text, out) || *out < 0) {
      return Corrupt(version, absl::StrCat("meta '", key, "' is not a count"));
    }
    return absl::OkStatus();
  };
  auto get_float = [&](const std::string& key, float* out) -> absl::Status {
    ASSIGN_OR_RETURN(std::string text, get(key));
    if (!absl::SimpleAtof(text, out) || !std::isfinite(*out)) {
      return Corrupt(version, absl::StrCat("meta '", key, "' is not a number"));
    }
    return absl::OkStatus();
  };
  int64_t cf_dims = 0, content_dims = 0;
  RETURN_IF_ERROR(get_int("created_at_seconds", &m.created_at_seconds));
  RETURN_IF_ERROR(get_int("num_users", &m.num_users));
  RETURN_IF_ERROR(get_int("num_tracks", &m.num_tracks));
  RETURN_IF_ERROR(get_int("num_artists", &m.num_artists));
  RETURN_IF_ERROR(get_int("num_interactions", &m.num_interactions));
  RETURN_IF_ERROR(get_int("cf_dimensions", &cf_dims));
  RETURN_IF_ERROR(get_int("content_dimensions", &content_dims));
  if (cf_dims < 1 || cf_dims > 4096 || content_dims > 1 << 16 ||
      m.num_tracks > UINT32_MAX || m.num_artists > UINT32_MAX) {
    return Corrupt(version, "dimensions or sizes out of range");
  }
  m.cf_dimensions = static_cast<int>(cf_dims);
  m.content_dimensions = static_cast<int>(content_dims);
  RETURN_IF_ERROR(get_float("alpha", &m.alpha));
  RETURN_IF_ERROR(get_float("regularization", &m.regularization));
  RETURN_IF_ERROR(get_float("blend/cf", &m.blend.cf));
  RETURN_IF_ERROR(get_float("blend/content", &m.blend.content));
  RETURN_IF_ERROR(get_float("blend/popularity", &m.blend.popularity));
  RETURN_IF_ERROR(get_float("cold_start_blend/cf", &m.cold_start_blend.cf));
  RETURN_IF_ERROR(
      get_float("cold_start_blend/content", &m.cold_start_blend.content));
  RETURN_IF_ERROR(
      get_float("cold_start_blend/popularity", &m.cold_start_blend.popularity));
  for (const auto& [key, value] : meta) {
    absl::string_view k = key;
    if (absl::ConsumePrefix(&k, "metric/")) {
      double v = 0;
      if (!absl::SimpleAtod(value, &v)) {
        return Corrupt(version,
                       absl::StrCat("metric '", k, "' is not a number"));
      }
      m.metrics[std::string(k)] = v;
    } else if (absl::ConsumePrefix(&k, "training/")) {
      m.training[std::string(k)] = value;
    }
  }
  ASSIGN_OR_RETURN(std::string genre_bytes, get("genres"));
  ASSIGN_OR_RETURN(std::string subgenre_bytes, get("subgenres"));
  ASSIGN_OR_RETURN(std::string market_bytes, get("market_sets"));
  std::vector<std::string> market_sets;
  if (!DecodeStrings(genre_bytes, &tables->genres) ||
      !DecodeStrings(subgenre_bytes, &tables->subgenres) ||
      !DecodeStrings(market_bytes, &market_sets) || tables->genres.empty() ||
      market_sets.empty() || !market_sets[0].empty()) {
    return Corrupt(version, "bad genre or market tables");
  }
  tables->market_sets.clear();
  for (const std::string& set : market_sets) {
    tables->market_sets.push_back(absl::StrSplit(set, ' ', absl::SkipEmpty()));
  }
  return m;
}

// Writes every key of `model` into the fresh database `db`.
absl::Status WriteModel(const OpenDb& db, const core::TrainedModel& model,
                        int batch_users) {
  const core::ModelMetadata& m = model.metadata;
  const core::Catalog& c = model.tracks.catalog;
  rocksdb::WriteOptions write;
  // The version is invisible until renamed, after a flush and fsync: a crash
  // before that leaves only a .tmp directory, so the WAL buys nothing.
  write.disableWAL = true;
  auto commit = [&](rocksdb::WriteBatch& batch) -> absl::Status {
    RETURN_IF_ERROR(FromRocks(db.db->Write(write, &batch), "write batch"));
    batch.Clear();
    return absl::OkStatus();
  };

  rocksdb::WriteBatch batch;
  auto put_meta = [&](absl::string_view key, absl::string_view value) {
    return batch.Put(db.cf(kMeta), rocksdb::Slice(key.data(), key.size()),
                     rocksdb::Slice(value.data(), value.size()));
  };
  put_meta("format_version", kFormatVersion);
  put_meta("created_at_seconds", absl::StrCat(m.created_at_seconds));
  put_meta("num_users", absl::StrCat(model.users.size()));
  put_meta("num_tracks", absl::StrCat(c.tracks.size()));
  put_meta("num_artists", absl::StrCat(c.artists.size()));
  put_meta("num_interactions", absl::StrCat(model.history.nnz()));
  put_meta("cf_dimensions", absl::StrCat(model.tracks.cf.cols()));
  put_meta("content_dimensions", absl::StrCat(model.tracks.content.cols()));
  put_meta("alpha", absl::StrFormat("%.9g", m.alpha));
  put_meta("regularization", absl::StrFormat("%.9g", m.regularization));
  put_meta("blend/cf", absl::StrFormat("%.9g", m.blend.cf));
  put_meta("blend/content", absl::StrFormat("%.9g", m.blend.content));
  put_meta("blend/popularity", absl::StrFormat("%.9g", m.blend.popularity));
  put_meta("cold_start_blend/cf",
           absl::StrFormat("%.9g", m.cold_start_blend.cf));
  put_meta("cold_start_blend/content",
           absl::StrFormat("%.9g", m.cold_start_blend.content));
  put_meta("cold_start_blend/popularity",
           absl::StrFormat("%.9g", m.cold_start_blend.popularity));
  for (const auto& [name, value] : m.metrics) {
    put_meta(absl::StrCat("metric/", name), absl::StrFormat("%.17g", value));
  }
  for (const auto& [name, value] : m.training) {
    put_meta(absl::StrCat("training/", name), value);
  }
  put_meta("genres", EncodeStrings(c.genres));
  put_meta("subgenres", EncodeStrings(c.subgenres));
  std::vector<std::string> market_sets;
  for (const auto& set : c.market_sets)
    market_sets.push_back(absl::StrJoin(set, " "));
  put_meta("market_sets", EncodeStrings(market_sets));
  RETURN_IF_ERROR(commit(batch));

  for (size_t a = 0; a < c.artists.size(); ++a) {
    batch.Put(db.cf(kArtists), IndexKey(a), EncodeArtist(c.artists[a]));
    if (batch.Count() >= 10000) RETURN_IF_ERROR(commit(batch));
  }
  for (size_t t = 0; t < c.tracks.size(); ++t) {
    const std::string key = IndexKey(t);
    batch.Put(db.cf(kTracks), key, EncodeTrack(c.tracks[t]));
    const auto cf =
        FloatBytes(model.tracks.cf.row(t).data(), model.tracks.cf.cols());
    batch.Put(db.cf(kTrackVectors), key, rocksdb::Slice(cf.data(), cf.size()));
    const auto content = FloatBytes(model.tracks.content.row(t).data(),
                                    model.tracks.content.cols());
    batch.Put(db.cf(kContentVectors), key,
              rocksdb::Slice(content.data(), content.size()));
    if (batch.Count() >= 30000) RETURN_IF_ERROR(commit(batch));
  }
  const core::Popularity& pop = model.tracks.popularity;
  const auto global = FloatBytes(pop.global.data(), pop.global.size());
  batch.Put(db.cf(kPopularity), "global",
            rocksdb::Slice(global.data(), global.size()));
  batch.Put(db.cf(kPopularity), "listeners",
            rocksdb::Slice(reinterpret_cast<const char*>(pop.listeners.data()),
                           pop.listeners.size() * sizeof(uint32_t)));
  for (const auto& [country, top] : pop.regional) {
    Encoder e;
    e.PutU32(static_cast<uint32_t>(top.size()));
    for (const auto& [track, score] : top) {
      e.PutU32(track);
      e.PutF32(score);
    }
    batch.Put(db.cf(kPopularity), absl::StrCat("country/", country), e.data());
  }
  RETURN_IF_ERROR(commit(batch));

  for (size_t u = 0; u < model.users.size(); ++u) {
    const std::string& id = model.users[u].id;
    const auto v =
        FloatBytes(model.user_factors.row(u).data(), model.user_factors.cols());
    batch.Put(db.cf(kUserVectors), id, rocksdb::Slice(v.data(), v.size()));
    batch.Put(
        db.cf(kUserHistory), id,
        EncodeHistory(model.users[u].country, model.history.RowIndices(u),
                      model.history.RowValues(u),
                      model.candidates.empty() ? absl::Span<const uint32_t>()
                                               : model.candidates.Row(u)));
    if (static_cast<int>(u % batch_users) == batch_users - 1) {
      RETURN_IF_ERROR(commit(batch));
    }
  }
  RETURN_IF_ERROR(commit(batch));
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (const auto& h : db.cfs) all.push_back(h.get());
  return FromRocks(db.db->Flush(flush, all), "flush");
}

absl::Status CheckModelShape(const core::TrainedModel& model) {
  const core::TrackSide& side = model.tracks;
  const size_t n = side.catalog.tracks.size();
  if (side.catalog.genres.empty()) {
    return absl::InvalidArgumentError("model has no genres");
  }
  if (static_cast<size_t>(side.cf.rows()) != n ||
      static_cast<size_t>(side.content.rows()) != n ||
      side.popularity.global.size() != n ||
      side.popularity.listeners.size() != n) {
    return absl::InvalidArgumentError(
        "track side arrays disagree on track count");
  }
  if (static_cast<size_t>(model.user_factors.rows()) != model.users.size() ||
      static_cast<size_t>(model.history.rows()) != model.users.size() ||
      model.user_factors.cols() != side.cf.cols()) {
    return absl::InvalidArgumentError("user side arrays disagree on shape");
  }
  const core::CandidateLists& lists = model.candidates;
  if (!lists.empty()) {
    if (lists.offsets.size() != model.users.size() + 1 ||
        lists.offsets.front() != 0 ||
        lists.offsets.back() != lists.tracks.size() ||
        !std::is_sorted(lists.offsets.begin(), lists.offsets.end())) {
      return absl::InvalidArgumentError(
          "candidate lists disagree with the users");
    }
    for (uint32_t t : lists.tracks) {
      if (t >= n) {
        return absl::InvalidArgumentError(
            absl::StrCat("candidate list names track ", t, " of ", n));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct RocksDbModelStore::Shared {
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::Statistics> statistics =
      rocksdb::CreateDBStatistics();
};

BlockCacheStats RocksDbModelStore::CacheStats() const {
  BlockCacheStats stats;
  stats.hits = static_cast<int64_t>(
      shared_->statistics->getTickerCount(rocksdb::BLOCK_CACHE_HIT));
  stats.misses = static_cast<int64_t>(
      shared_->statistics->getTickerCount(rocksdb::BLOCK_CACHE_MISS));
  stats.usage_bytes = static_cast<int64_t>(shared_->cache->GetUsage());
  stats.capacity_bytes = static_cast<int64_t>(shared_->cache->GetCapacity());
  return stats;
}

RocksDbModelStore::RocksDbModelStore(std::string root,
                                     RocksDbStoreOptions options)
    : root_(std::move(root)),
      options_(options),
      shared_(std::make_shared<Shared>()) {
  shared_->cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
}

RocksDbModelStore::~RocksDbModelStore() = default;

absl::StatusOr<std::unique_ptr<RocksDbModelStore>> RocksDbModelStore::Open(
    const std::string& root, const RocksDbStoreOptions& options) {
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model store ", root, " is not a directory"));
  }
  fs::create_directories(fs::path(root) / "versions", ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create model store ", root, ": ", ec.message()));
  }
  return std::unique_ptr<RocksDbModelStore>(
      new RocksDbModelStore(root, options));
}

absl::StatusOr<std::vector<std::string>> RocksDbModelStore::ListVersions()
    const {
  std::vector<std::string> versions;
  std::error_code ec;
  for (const auto& entry :
       fs::directory_iterator(fs::path(root_) / "versions", ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && IsVersionName(name)) versions.push_back(name);
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("list ", root_, ": ", ec.message()));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<std::string> RocksDbModelStore::CurrentVersion() const {
  const fs::path current = fs::path(root_) / "CURRENT";
  std::ifstream in(current);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("no model published yet in ", root_,
                                            " (no CURRENT file)"));
  }
  std::string version;
  std::getline(in, version);
  if (!IsVersionName(version)) {
    return absl::DataLossError(absl::StrCat(
        current.string(), " does not name a version: '", version, "'"));
  }
  return version;
}

absl::StatusOr<std::unique_ptr<core::ModelVersion>>
RocksDbModelStore::OpenVersion(absl::string_view version) const {
  if (!IsVersionName(version)) {
    return absl::NotFoundError(
        absl::StrCat("no model version '", version, "'"));
  }
  const fs::path path = fs::path(root_) / "versions" / std::string(version);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("no model version '", version, "'"));
  }
  absl::StatusOr<std::unique_ptr<OpenDb>> db =
      OpenRocks(path, shared_->cache, shared_->statistics, /*read_only=*/true);
  if (!db.ok()) {
    return absl::DataLossError(
        absl::StrCat("model version ", version,
                     " cannot be opened: ", db.status().message()));
  }
  core::Catalog tables;
  ASSIGN_OR_RETURN(core::ModelMetadata metadata,
                   ReadMetadata(**db, version, &tables));
  return std::unique_ptr<core::ModelVersion>(new RocksDbModelVersion(
      *std::move(db), std::move(metadata), std::move(tables), path,
      options_.loader_thread_init));
}

absl::Status RocksDbModelStore::SetCurrent(absl::string_view version) {
  const fs::path root(root_);
  std::error_code ec;
  if (!IsVersionName(version) ||
      !fs::is_directory(root / "versions" / std::string(version), ec)) {
    return absl::NotFoundError(
        absl::StrCat("no model version '", version, "'"));
  }
  const fs::path tmp = root / absl::StrCat("CURRENT.tmp-", ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << version << "\n";
    out.flush();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
    }
  }
  RETURN_IF_ERROR(SyncPath(tmp, /*directory=*/false));
  fs::rename(tmp, root / "CURRENT", ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("rename CURRENT: ", ec.message()));
  }
  return SyncPath(root, /*directory=*/true);
}

absl::StatusOr<std::string> RocksDbModelStore::Publish(
    const core::TrainedModel& model) {
  RETURN_IF_ERROR(CheckModelShape(model));
  const fs::path versions = fs::path(root_) / "versions";
  std::error_code ec;
  // Leftovers of publications that crashed. A concurrent publisher's
  // directory is recognised by its live pid and left alone.
  for (const auto& entry : fs::directory_iterator(versions, ec)) {
    const std::string name = entry.path().filename().string();
    int pid = 0;
    if (absl::StartsWith(name, ".tmp-") &&
        absl::SimpleAtoi(name.substr(5, name.find('-', 5) - 5), &pid) &&
        (pid == ::getpid() || ::kill(pid, 0) != 0)) {
      fs::remove_all(entry.path(), ec);
    }
  }
  static std::atomic<int> sequence{0};
  const fs::path tmp =
      versions / absl::StrCat(".tmp-", ::getpid(), "-", sequence++);
  {
    ASSIGN_OR_RETURN(std::unique_ptr<OpenDb> db,
                     OpenRocks(tmp, shared_->cache, shared_->statistics,
                               /*read_only=*/false));
    RETURN_IF_ERROR(WriteModel(*db, model, options_.publish_batch_users));
    RETURN_IF_ERROR(FromRocks(db->db->SyncWAL(), "sync"));
  }
  if (!model.indexes.empty()) {
    const fs::path dir = tmp / kIndexDir;
    core::TrackIndexes indexes = model.indexes;
    if (!fs::create_directory(dir, ec)) {
      return absl::InternalError(
          absl::StrCat("cannot create ", dir.string(), ": ", ec.message()));
    }
    for (auto& [name, index] : IndexFiles(indexes)) {
      if (*index == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("the model lacks its ", name, " index"));
      }
      RETURN_IF_ERROR((*index)->Save((dir / name).string()));
    }
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      RETURN_IF_ERROR(SyncPath(entry.path(), false));
    }
    RETURN_IF_ERROR(SyncPath(dir, /*directory=*/true));
  }
  for (const auto& entry : fs::directory_iterator(tmp, ec)) {
    if (entry.is_regular_file()) RETURN_IF_ERROR(SyncPath(entry.path(), false));
  }
  RETURN_IF_ERROR(SyncPath(tmp, /*directory=*/true));

  // rename(2) onto an existing non-empty directory fails, so two publishers
  // racing for one name cannot overwrite each other: the loser takes the next.
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<std::string> existing, ListVersions());
    int64_t next = 1;
    if (!existing.empty()) {
      int64_t last = 0;
      (void)absl::SimpleAtoi(absl::string_view(existing.back()).substr(1),
                             &last);
      next = last + 1;
    }
    const std::string name = absl::StrFormat("%s%06d", kVersionPrefix, next);
    if (::rename(tmp.c_str(), (versions / name).c_str()) == 0) {
      RETURN_IF_ERROR(SyncPath(versions, /*directory=*/true));
      RETURN_IF_ERROR(SetCurrent(name));
      return name;
    }
    if (errno != EEXIST && errno != ENOTEMPTY) {
      return absl::InternalError(
          absl::StrCat("rename ", tmp.string(), ": ", std::strerror(errno)));
    }
  }
  return absl::InternalError("could not find a free version name");
}

}  // namespace recsys::storage
