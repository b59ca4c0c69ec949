#include "storage/rocksdb_model_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/codec.h"
#include "tests/test_world.h"

namespace recsys::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// A path that does not exist yet, in a directory of this test process.
std::string FreshDir(const std::string& name) {
  return (fs::path(testing::FreshTempDir("store")) / name).string();
}

TEST(RocksDbModelStoreTest, EmptyStoreHasNoCurrentVersion) {
  auto store = RocksDbModelStore::Open(FreshDir("empty"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->CurrentVersion().status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(*(*store)->ListVersions(), ::testing::IsEmpty());
  EXPECT_EQ((*store)->OpenVersion("v000001").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(RocksDbModelStoreTest, PublishRoundTripsEverything) {
  auto store = RocksDbModelStore::Open(FreshDir("roundtrip"));
  ASSERT_TRUE(store.ok());
  const core::TrainedModel& model = testing::SmallTrainedModel();
  absl::StatusOr<std::string> version = (*store)->Publish(model);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, "v000001");
  EXPECT_EQ(*(*store)->CurrentVersion(), "v000001");

  auto opened = (*store)->OpenVersion(*version);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const core::ModelMetadata& meta = (*opened)->metadata();
  EXPECT_EQ(meta.version, "v000001");
  EXPECT_EQ(meta.num_tracks,
            static_cast<int64_t>(model.tracks.catalog.tracks.size()));
  EXPECT_EQ(meta.num_users, static_cast<int64_t>(model.users.size()));
  EXPECT_EQ(meta.cf_dimensions, model.tracks.cf.cols());
  EXPECT_EQ(meta.metrics, model.metadata.metrics);
  EXPECT_EQ(meta.training, model.metadata.training);
  EXPECT_FLOAT_EQ(meta.blend.content, model.metadata.blend.content);

  absl::StatusOr<core::TrackSide> side = (*opened)->LoadTrackSide();
  ASSERT_TRUE(side.ok()) << side.status();
  EXPECT_TRUE(side->cf.isApprox(model.tracks.cf));
  EXPECT_TRUE(side->content.isApprox(model.tracks.content));
  EXPECT_EQ(side->popularity.global, model.tracks.popularity.global);
  EXPECT_EQ(side->popularity.listeners, model.tracks.popularity.listeners);
  EXPECT_EQ(side->popularity.regional.size(),
            model.tracks.popularity.regional.size());
  EXPECT_EQ(side->catalog.genres, model.tracks.catalog.genres);
  EXPECT_EQ(side->catalog.market_sets, model.tracks.catalog.market_sets);
  EXPECT_GT(side->catalog.market_sets.size(), 1u);
  ASSERT_EQ(side->catalog.tracks.size(), model.tracks.catalog.tracks.size());
  const core::Track& a = side->catalog.tracks[17];
  const core::Track& b = model.tracks.catalog.tracks[17];
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.artist, b.artist);
  EXPECT_EQ(a.release_year, b.release_year);
  EXPECT_EQ(a.audio, b.audio);
  for (size_t t = 0; t < side->catalog.tracks.size(); ++t) {
    ASSERT_EQ(side->catalog.tracks[t].markets,
              model.tracks.catalog.tracks[t].markets);
  }
  EXPECT_EQ(side->catalog.artists[3].name,
            model.tracks.catalog.artists[3].name);

  absl::StatusOr<core::UserRecord> user = (*opened)->GetUser(model.users[5].id);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->country, model.users[5].country);
  ASSERT_EQ(user->history.size(), model.history.RowIndices(5).size());
  EXPECT_EQ(user->history[0].track, model.history.RowIndices(5)[0]);
  EXPECT_FLOAT_EQ(user->factors[2], model.user_factors(5, 2));
  EXPECT_EQ((*opened)->GetUser("nobody").status().code(),
            absl::StatusCode::kNotFound);
}

// SmallTrainedModel() with a candidate list per user: user u gets u % 7
// tracks, so some lists are empty.
core::TrainedModel WithCandidateLists() {
  core::TrainedModel model = testing::SmallTrainedModel();
  const uint32_t tracks = model.tracks.catalog.tracks.size();
  model.candidates.offsets.push_back(0);
  for (size_t u = 0; u < model.users.size(); ++u) {
    for (uint32_t k = 0; k < u % 7; ++k) {
      model.candidates.tracks.push_back((u * 31 + k * 17) % tracks);
    }
    model.candidates.offsets.push_back(model.candidates.tracks.size());
  }
  return model;
}

TEST(RocksDbModelStoreTest, CandidateListsRoundTrip) {
  auto store = RocksDbModelStore::Open(FreshDir("candidates"));
  ASSERT_TRUE(store.ok());
  const core::TrainedModel model = WithCandidateLists();
  ASSERT_TRUE((*store)->Publish(model).ok());
  auto opened = (*store)->OpenVersion("v000001");
  ASSERT_TRUE(opened.ok()) << opened.status();
  for (size_t u : {0, 1, 6, 7, 13}) {
    absl::StatusOr<core::UserRecord> user =
        (*opened)->GetUser(model.users[u].id);
    ASSERT_TRUE(user.ok()) << user.status();
    const auto expected = model.candidates.Row(u);
    EXPECT_THAT(user->candidates,
                ::testing::ElementsAreArray(expected.begin(), expected.end()))
        << "user " << u;
    EXPECT_EQ(user->history.size(), model.history.RowIndices(u).size());
  }
}

TEST(RocksDbModelStoreTest, BadCandidateListsAreNotPublished) {
  auto store = RocksDbModelStore::Open(FreshDir("bad-candidates"));
  ASSERT_TRUE(store.ok());
  core::TrainedModel unknown_track = WithCandidateLists();
  unknown_track.candidates.tracks.back() =
      unknown_track.tracks.catalog.tracks.size();
  absl::StatusOr<std::string> published = (*store)->Publish(unknown_track);
  EXPECT_EQ(published.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(published.status().message(),
              ::testing::HasSubstr("candidate list names track"));
  core::TrainedModel short_lists = WithCandidateLists();
  short_lists.candidates.offsets.pop_back();
  EXPECT_EQ((*store)->Publish(short_lists).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(*(*store)->ListVersions(), ::testing::IsEmpty());
}

// Overwrites keys of the published version `root`/versions/v000001, as a
// raw RocksDB database: (column family, key, value) triples.
void OverwriteKeys(
    const std::string& root,
    const std::vector<std::tuple<std::string, std::string, std::string>>&
        puts) {
  const std::string path = (fs::path(root) / "versions" / "v000001").string();
  const std::vector<std::string> names = {
      "default",    "meta",          "tracks",
      "artists",    "track_vectors", "content_vectors",
      "popularity", "user_vectors",  "user_history"};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw)
          .ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (const auto& [family, key, value] : puts) {
    const size_t cf =
        std::find(names.begin(), names.end(), family) - names.begin();
    ASSERT_LT(cf, names.size()) << family;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[cf], key, value).ok());
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
}

// User u's history record as format 1 wrote it (record version 1), or as
// format 2 does with `candidates` appended (version 2).
std::string HistoryRecord(const core::TrainedModel& model, size_t u,
                          std::optional<std::vector<uint32_t>> candidates) {
  Encoder e;
  e.PutU8(candidates ? 2 : 1);
  e.PutString(model.users[u].country);
  const auto tracks = model.history.RowIndices(u);
  const auto strengths = model.history.RowValues(u);
  e.PutU32(static_cast<uint32_t>(tracks.size()));
  for (size_t k = 0; k < tracks.size(); ++k) {
    e.PutU32(tracks[k]);
    e.PutF32(strengths[k]);
  }
  if (candidates) {
    e.PutU32(static_cast<uint32_t>(candidates->size()));
    for (uint32_t t : *candidates) e.PutU32(t);
  }
  return e.Release();
}

// SmallTrainedModel() published as v000001 of a fresh store `name`, with
// `puts` written over it (OverwriteKeys), then opened again; null (and a
// test failure) when any step fails.
std::unique_ptr<core::ModelVersion> PublishOverwriteAndOpen(
    const std::string& name,
    const std::vector<std::tuple<std::string, std::string, std::string>>&
        puts) {
  const std::string root = FreshDir(name);
  {
    auto store = RocksDbModelStore::Open(root);
    if (!store.ok() || !(*store)->Publish(testing::SmallTrainedModel()).ok()) {
      ADD_FAILURE() << "cannot publish into " << root;
      return nullptr;
    }
  }
  OverwriteKeys(root, puts);
  auto store = RocksDbModelStore::Open(root);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  auto opened = (*store)->OpenVersion("v000001");
  if (!opened.ok()) {
    ADD_FAILURE() << opened.status();
    return nullptr;
  }
  return *std::move(opened);
}

// Versions of format 1 (before candidate lists) are still served: a new
// server reads what an older trainer published.
TEST(RocksDbModelStoreTest, ReadsFormatOneVersions) {
  const core::TrainedModel& model = testing::SmallTrainedModel();
  const std::unique_ptr<core::ModelVersion> opened = PublishOverwriteAndOpen(
      "format1", {{"meta", "format_version", "1"},
                  {"user_history", model.users[3].id,
                   HistoryRecord(model, 3, std::nullopt)}});
  ASSERT_NE(opened, nullptr);
  absl::StatusOr<core::UserRecord> user = opened->GetUser(model.users[3].id);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->country, model.users[3].country);
  EXPECT_EQ(user->history.size(), model.history.RowIndices(3).size());
  EXPECT_THAT(user->candidates, ::testing::IsEmpty());
}

TEST(RocksDbModelStoreTest, DamagedCandidateListsAreDataLoss) {
  const core::TrainedModel& model = testing::SmallTrainedModel();
  const uint32_t tracks = model.tracks.catalog.tracks.size();
  std::string truncated = HistoryRecord(model, 2, {{1, 2, 3}});
  truncated.resize(truncated.size() - 2);
  const std::unique_ptr<core::ModelVersion> opened = PublishOverwriteAndOpen(
      "bad-list-on-disk",
      {{"user_history", model.users[1].id,
        HistoryRecord(model, 1, {{5, tracks}})},  // names no track
       {"user_history", model.users[2].id, truncated},
       {"user_history", model.users[3].id,
        HistoryRecord(model, 3, {{7, 8}}) + "x"},  // trailing byte
       {"user_history", model.users[4].id, HistoryRecord(model, 4, {{9, 4}})}});
  ASSERT_NE(opened, nullptr);
  for (size_t u : {1, 2, 3}) {
    EXPECT_EQ(opened->GetUser(model.users[u].id).status().code(),
              absl::StatusCode::kDataLoss)
        << "user " << u;
  }
  absl::StatusOr<core::UserRecord> good = opened->GetUser(model.users[4].id);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_THAT(good->candidates, ElementsAre(9, 4));
}

// A load reads the track side whole on the idle-class reloader: it must not
// take the block cache's shard mutexes, which the request threads' user
// lookups share (storage/rocksdb_model_store.cc, CfOptions).
TEST(RocksDbModelStoreTest, LoadingTheTrackSideLeavesTheBlockCacheAlone) {
  auto store = RocksDbModelStore::Open(FreshDir("cache"));
  ASSERT_TRUE(store.ok());
  const core::TrainedModel& model = testing::SmallTrainedModel();
  absl::StatusOr<std::string> version = (*store)->Publish(model);
  ASSERT_TRUE(version.ok()) << version.status();
  auto opened = (*store)->OpenVersion(*version);
  ASSERT_TRUE(opened.ok()) << opened.status();

  const BlockCacheStats before = (*store)->CacheStats();
  ASSERT_TRUE((*opened)->LoadTrackSide().ok());
  const BlockCacheStats loaded = (*store)->CacheStats();
  EXPECT_EQ(loaded.hits, before.hits);
  EXPECT_EQ(loaded.misses, before.misses);
  EXPECT_EQ(loaded.usage_bytes, before.usage_bytes);

  // The user lookups do go through it.
  ASSERT_TRUE((*opened)->GetUser(model.users[5].id).ok());
  const BlockCacheStats looked_up = (*store)->CacheStats();
  EXPECT_GT(looked_up.hits + looked_up.misses, loaded.hits + loaded.misses);
}

TEST(RocksDbModelStoreTest, VersionsAccumulateAndRollBack) {
  auto store = RocksDbModelStore::Open(FreshDir("versions"));
  ASSERT_TRUE(store.ok());
  const core::TrainedModel& model = testing::SmallTrainedModel();
  ASSERT_TRUE((*store)->Publish(model).ok());
  ASSERT_TRUE((*store)->Publish(model).ok());
  EXPECT_THAT(*(*store)->ListVersions(), ElementsAre("v000001", "v000002"));
  EXPECT_EQ(*(*store)->CurrentVersion(), "v000002");
  ASSERT_TRUE((*store)->SetCurrent("v000001").ok());
  EXPECT_EQ(*(*store)->CurrentVersion(), "v000001");
  EXPECT_EQ((*store)->SetCurrent("v000009").code(),
            absl::StatusCode::kNotFound);
  // A reopened store sees the same state.
  auto again = RocksDbModelStore::Open((*store)->root());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->CurrentVersion(), "v000001");
}

TEST(RocksDbModelStoreTest, LeftoversOfACrashedPublishAreInvisible) {
  const std::string root = FreshDir("crash");
  auto store = RocksDbModelStore::Open(root);
  ASSERT_TRUE(store.ok());
  // A publication that died half-way leaves a .tmp directory from a pid
  // that no longer runs.
  const fs::path leftover = fs::path(root) / "versions" / ".tmp-999999999-0";
  fs::create_directories(leftover);
  std::ofstream(leftover / "000001.sst") << "partial";
  EXPECT_THAT(*(*store)->ListVersions(), ::testing::IsEmpty());
  ASSERT_TRUE((*store)->Publish(testing::SmallTrainedModel()).ok());
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_THAT(*(*store)->ListVersions(), ElementsAre("v000001"));
}

TEST(RocksDbModelStoreTest, CorruptVersionIsDataLoss) {
  const std::string root = FreshDir("corrupt");
  auto store = RocksDbModelStore::Open(root);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Publish(testing::SmallTrainedModel()).ok());
  // Overwrite the middle of every table file.
  for (const auto& entry :
       fs::directory_iterator(fs::path(root) / "versions" / "v000001")) {
    if (entry.path().extension() != ".sst") continue;
    std::fstream f(entry.path(),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(entry.path()) / 2));
    f << std::string(64, '\x5a');
  }
  absl::StatusOr<std::unique_ptr<core::ModelVersion>> opened =
      (*store)->OpenVersion("v000001");
  absl::Status status = opened.status();
  if (opened.ok()) status = (*opened)->LoadTrackSide().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(RocksDbModelStoreTest, GarbageCurrentFileIsDataLoss) {
  const std::string root = FreshDir("garbage");
  auto store = RocksDbModelStore::Open(root);
  ASSERT_TRUE(store.ok());
  std::ofstream(fs::path(root) / "CURRENT") << "../../etc\n";
  EXPECT_EQ((*store)->CurrentVersion().status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RocksDbModelStoreTest, RootThatIsAFileIsRejected) {
  const std::string path = FreshDir("file");
  std::ofstream(path) << "x";
  EXPECT_EQ(RocksDbModelStore::Open(path).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace recsys::storage
