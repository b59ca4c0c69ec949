#include "trainer/quality.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/artist_features_import.h"
#include "core/content.h"
#include "core/lastfm_import.h"
#include "core/offline_models.h"
#include "core/spotify_songs_import.h"
#include "core/status_macros.h"

namespace recsys::trainer {
namespace {

// Validation folds model selection averages over, and ALS fits per model.
constexpr int kValidationFolds = 2;
constexpr int kAlsBags = 5;
// spotify-playlists: every eligible playlist is a test playlist in one of
// this many runs, whose results are averaged (one run's 90-odd test
// playlists are too few to rank models that are close).
constexpr int kPlaylistFolds = 5;

using core::EvalOptions;
using core::EvalResult;
using core::EvalSplit;
using core::FactorMatrix;
using core::HybridModel;
using core::OfflineRecommender;
using core::SparseEntry;
using core::SparseRows;

// Item and user side information aligned with a split's indices.
struct SideInfo {
  SparseRows item_text;  // items x terms, TF-IDF (tags, artist names)
  FactorMatrix content;  // items x d, core::ContentVectors
  std::vector<float> catalog_popularity;  // a popularity known without plays
  std::vector<std::vector<uint32_t>> friends;  // by user
  SparseRows user_text;  // users x terms: terms the user applied (tags)
  // By item: the artist it belongs to, when items are tracks (empty when
  // items are artists already).
  std::vector<uint32_t> item_artist;
  int64_t excluded_tag_rows = 0;
  core::ArtistJoinReport artist_join;
};

// A suite's data: the split, raw ids for top-list output, and its side
// information, computed with every (user, item) pair of the `hidden`
// matrices kept out of it.
struct SuiteData {
  std::shared_ptr<const core::Dataset> dataset;  // the whole data set
  std::string import_report;
  EvalSplit split;
  std::vector<std::string> user_ids;
  std::vector<std::string> item_ids;
  std::vector<std::string> notes;
  std::function<absl::StatusOr<SideInfo>(
      const std::vector<const SparseRows*>& hidden)>
      side;
  // The suite's own validation split of split.train, when a random holdout
  // would not pose the same task as the test.
  std::function<EvalSplit(int fold)> validation;
};

// TF-IDF rows: log(1 + count) x log(items / items with the term).
SparseRows TfIdf(
    int64_t items, int64_t terms,
    const std::vector<std::vector<std::pair<uint32_t, float>>>& counts) {
  std::vector<int64_t> df(terms, 0);
  for (const auto& row : counts) {
    for (const auto& [t, c] : row) ++df[t];
  }
  std::vector<SparseEntry> entries;
  for (int64_t i = 0; i < items; ++i) {
    for (const auto& [t, c] : counts[i]) {
      const float idf = std::log(static_cast<float>(items) / df[t]);
      const float w = std::log1p(c) * idf;
      if (w > 0) entries.push_back({static_cast<uint32_t>(i), t, w});
    }
  }
  return SparseRows::FromEntries(items, terms, std::move(entries));
}

SparseRows CountsMatrix(const core::Dataset& d) {
  std::vector<SparseEntry> entries;
  entries.reserve(d.interactions.size());
  for (const core::Interaction& x : d.interactions) {
    if (x.plays > 0)
      entries.push_back({x.user, x.track, static_cast<float>(x.plays)});
  }
  return SparseRows::FromEntries(d.users.size(), d.catalog.tracks.size(),
                                 std::move(entries));
}

// Every (user id, item id) test pair, for the importer to drop the user's
// own tags of it: a user who tagged an artist has listened to it, so those
// rows would leak the test pair into the tag features.
absl::flat_hash_set<std::pair<std::string, std::string>> HiddenPairs(
    const std::vector<const SparseRows*>& hidden,
    const std::vector<std::string>& user_ids,
    const std::vector<std::string>& item_ids) {
  absl::flat_hash_set<std::pair<std::string, std::string>> pairs;
  for (const SparseRows* m : hidden) {
    for (int64_t u = 0; u < m->rows(); ++u) {
      for (uint32_t i : m->RowIndices(u))
        pairs.emplace(user_ids[u], item_ids[i]);
    }
  }
  return pairs;
}

// Side information from Last.fm read with the hidden pairs excluded,
// aligned to the split's ids.
absl::StatusOr<SideInfo> LastfmSideInformation(
    const std::string& dir, const core::ArtistFeaturesData* features,
    const std::vector<std::string>& user_ids,
    const std::vector<std::string>& item_ids,
    const std::vector<const SparseRows*>& hidden) {
  core::LastfmOptions o;
  o.dir = dir;
  o.excluded_pairs = HiddenPairs(hidden, user_ids, item_ids);
  ASSIGN_OR_RETURN(core::LastfmData lastfm, core::ReadLastfm(o));
  SideInfo side;
  side.excluded_tag_rows = lastfm.report.excluded_tag_rows;
  absl::flat_hash_map<std::string, uint32_t> track_of;
  for (size_t t = 0; t < lastfm.dataset.catalog.tracks.size(); ++t)
    track_of[lastfm.dataset.catalog.tracks[t].id] = t;
  const int64_t items = item_ids.size();
  std::vector<std::vector<std::pair<uint32_t, float>>> tag_counts(items);
  core::Catalog catalog;
  catalog.genres = lastfm.dataset.catalog.genres;
  catalog.subgenres = lastfm.dataset.catalog.subgenres;
  catalog.tags = lastfm.dataset.catalog.tags;
  catalog.artists = lastfm.dataset.catalog.artists;
  catalog.tracks.resize(items);
  side.catalog_popularity.assign(items, 0.0f);
  for (int64_t i = 0; i < items; ++i) {
    const auto it = track_of.find(item_ids[i]);
    if (it == track_of.end()) continue;  // an artist without a row: no tags
    for (const auto& [tag, users] : lastfm.artist_tags[it->second]) {
      tag_counts[i].emplace_back(tag, static_cast<float>(users));
      side.catalog_popularity[i] += static_cast<float>(users);
    }
    catalog.tracks[i] = lastfm.dataset.catalog.tracks[it->second];
  }
  if (features != nullptr) {
    // Spotify's audio features and genres for the artists whose name
    // matches: the genres join the tags as text terms.
    side.artist_join = core::JoinArtistFeatures(*features, catalog);
    for (int64_t i = 0; i < items; ++i) {
      tag_counts[i].clear();
      for (const auto& [tag, count] : catalog.tracks[i].tags)
        tag_counts[i].emplace_back(tag, count);
    }
  }
  side.item_text = TfIdf(items, catalog.tags.size(), tag_counts);
  absl::flat_hash_map<std::string, uint32_t> user_of;
  for (size_t u = 0; u < user_ids.size(); ++u) user_of[user_ids[u]] = u;
  {
    std::vector<SparseEntry> entries;
    for (size_t lu = 0; lu < lastfm.user_tags.size(); ++lu) {
      const auto u = user_of.find(lastfm.dataset.users[lu].id);
      if (u == user_of.end()) continue;
      for (const auto& [tag, artists] : lastfm.user_tags[lu]) {
        entries.push_back(
            {u->second, tag, std::log1p(static_cast<float>(artists))});
      }
    }
    side.user_text = SparseRows::FromEntries(
        user_ids.size(), catalog.tags.size(), std::move(entries));
  }
  side.content = core::ContentVectors(catalog);
  side.friends.resize(user_ids.size());
  for (const auto& [a, b] : lastfm.friendships) {
    const auto ua = user_of.find(lastfm.dataset.users[a].id);
    const auto ub = user_of.find(lastfm.dataset.users[b].id);
    if (ua != user_of.end() && ub != user_of.end())
      side.friends[ua->second].push_back(ub->second);
  }
  return side;
}

absl::Status SetLastfmSide(const SuiteOptions& o, SuiteData* data) {
  std::shared_ptr<const core::ArtistFeaturesData> features;
  if (!o.artist_features_csv.empty()) {
    ASSIGN_OR_RETURN(core::ArtistFeaturesData f,
                     core::ReadArtistFeatures(o.artist_features_csv));
    data->notes.push_back(
        absl::StrCat("Spotify artist features: ", f.report.ToString()));
    features = std::make_shared<const core::ArtistFeaturesData>(std::move(f));
  }
  data->side =
      [dir = o.lastfm_dir, features, users = data->user_ids,
       items = data->item_ids](const std::vector<const SparseRows*>& hidden) {
        return LastfmSideInformation(dir, features.get(), users, items, hidden);
      };
  return absl::OkStatus();
}

absl::StatusOr<SuiteData> LoadLastfmFixed(const SuiteOptions& o) {
  if (o.split_dir.empty())
    return absl::InvalidArgumentError("lastfm-fixed needs --split_dir");
  SuiteData data;
  ASSIGN_OR_RETURN(data.split, core::ReadFixedSplit(o.split_dir, &data.user_ids,
                                                    &data.item_ids));
  core::LastfmOptions lo;
  lo.dir = o.lastfm_dir;
  ASSIGN_OR_RETURN(core::LastfmData lastfm, core::ReadLastfm(lo));
  data.import_report = lastfm.report.ToString();
  data.dataset = std::make_shared<core::Dataset>(std::move(lastfm.dataset));
  RETURN_IF_ERROR(SetLastfmSide(o, &data));
  return data;
}

absl::StatusOr<SuiteData> LoadLastfmResplit(const SuiteOptions& o) {
  core::LastfmOptions lo;
  lo.dir = o.lastfm_dir;
  ASSIGN_OR_RETURN(core::LastfmData lastfm, core::ReadLastfm(lo));
  const SparseRows all = CountsMatrix(lastfm.dataset);
  SuiteData data;
  data.import_report = lastfm.report.ToString();
  if (o.suite == "lastfm-random") {
    data.split = core::RandomHoldoutSplit(all, 0.2, o.seed);
  } else if (o.suite == "lastfm-leave-k") {
    data.split = core::LeaveKOutSplit(all, o.leave_k, o.seed);
  } else {
    data.split = core::ColdItemSplit(all, o.cold_fraction, o.seed);
  }
  for (const core::User& u : lastfm.dataset.users)
    data.user_ids.push_back(u.id);
  for (const core::Track& t : lastfm.dataset.catalog.tracks)
    data.item_ids.push_back(t.id);
  data.dataset = std::make_shared<core::Dataset>(std::move(lastfm.dataset));
  RETURN_IF_ERROR(SetLastfmSide(o, &data));
  return data;
}

// Playlist continuation: a seeded 20% of the playlists with more than
// seed + 4 tracks are test playlists; their first `seed` tracks (file order)
// stay in train, the rest is the target; every other playlist is train
// whole. Validation asks the same of another 20% of the playlists, inside
// train. Content features come from the tracks' own metadata only: audio
// features, release year and artist; not the playlist genre labels, which
// the import takes from the (possibly test) playlist a track first appears
// in.
absl::StatusOr<SuiteData> LoadSpotifyPlaylists(const SuiteOptions& o) {
  if (o.spotify_csv.empty())
    return absl::InvalidArgumentError("spotify-playlists needs --spotify_csv");
  ASSIGN_OR_RETURN(core::SpotifySongsData songs,
                   core::ReadSpotifySongs(o.spotify_csv));
  SuiteData data;
  data.import_report = songs.report.ToString();
  data.dataset = std::make_shared<core::Dataset>(songs.dataset);
  const core::Dataset& d = *data.dataset;
  for (const core::User& u : d.users) data.user_ids.push_back(u.id);
  for (const core::Track& t : d.catalog.tracks) data.item_ids.push_back(t.id);
  const int seed_tracks = o.playlist_seed_tracks;
  // Test playlists: the eligible ones of a seeded fifth (o.test_fold);
  // validation folds draw a quarter each of the rest with their own seeds.
  const size_t n_playlists = songs.playlist_tracks.size();
  std::vector<bool> eligible(n_playlists), is_test(n_playlists, false);
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int64_t test_playlists = 0;
  for (size_t p = 0; p < n_playlists; ++p) {
    eligible[p] =
        static_cast<int>(songs.playlist_tracks[p].size()) > seed_tracks + 4;
    const int fold = static_cast<int>(uniform(rng) * kPlaylistFolds);
    if (eligible[p] && fold == o.test_fold) {
      is_test[p] = true;
      ++test_playlists;
    }
  }
  std::vector<SparseEntry> train, test;
  for (size_t p = 0; p < n_playlists; ++p) {
    const auto& tracks = songs.playlist_tracks[p];
    for (size_t k = 0; k < tracks.size(); ++k) {
      const SparseEntry e{static_cast<uint32_t>(p), tracks[k], 1.0f};
      (is_test[p] && static_cast<int>(k) >= seed_tracks ? test : train)
          .push_back(e);
    }
  }
  const int64_t users = n_playlists, items = d.catalog.tracks.size();
  data.split.train = SparseRows::FromEntries(users, items, std::move(train));
  data.split.test = SparseRows::FromEntries(users, items, std::move(test));
  data.validation = [users, items, seed_tracks, eligible, is_test,
                     tracks = songs.playlist_tracks, seed = o.seed](int fold) {
    std::mt19937_64 fold_rng(seed + 1000 * fold);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<SparseEntry> val_train, val_test;
    for (size_t p = 0; p < tracks.size(); ++p) {
      const bool held = eligible[p] && !is_test[p] && u(fold_rng) < 0.25;
      const size_t n = is_test[p] ? seed_tracks : tracks[p].size();
      for (size_t k = 0; k < n; ++k) {
        const SparseEntry e{static_cast<uint32_t>(p), tracks[p][k], 1.0f};
        (held && static_cast<int>(k) >= seed_tracks ? val_test : val_train)
            .push_back(e);
      }
    }
    EvalSplit v;
    v.train = SparseRows::FromEntries(users, items, std::move(val_train));
    v.test = SparseRows::FromEntries(users, items, std::move(val_test));
    return v;
  };
  data.notes.push_back(absl::StrCat(
      test_playlists, " of ", users,
      " playlists are test playlists (a seeded fifth of those with more than ",
      seed_tracks + 4, " tracks): their first ", seed_tracks,
      " tracks in file order are the seed, the rest the target; all other "
      "playlists are train. Validation folds hold out a further quarter of "
      "the eligible train playlists the same way."));
  data.notes.push_back(
      "Content: audio features, release year and artist only; the genre and "
      "sub-genre columns are labels of the playlist a track was collected "
      "from, so they would leak the target playlist and are left out.");
  // Content vectors without the playlist-derived genre blocks; the artist
  // is a text term, so tracks of the same artist are alike.
  core::Catalog catalog = d.catalog;
  for (core::Track& t : catalog.tracks) {
    t.genre = 0;
    t.subgenre = 0;
    t.tags.clear();
  }
  catalog.genres = {""};
  catalog.subgenres = {""};
  std::vector<std::vector<std::pair<uint32_t, float>>> terms(
      catalog.tracks.size());
  for (size_t t = 0; t < catalog.tracks.size(); ++t)
    terms[t].emplace_back(catalog.tracks[t].artist, 1.0f);
  auto side = std::make_shared<SideInfo>();
  side->item_text =
      TfIdf(catalog.tracks.size(), d.catalog.artists.size(), terms);
  core::ContentOptions co;
  co.genre_weight = 0;
  co.subgenre_weight = 0;
  side->content = core::ContentVectors(catalog, co);
  side->catalog_popularity.resize(catalog.tracks.size());
  for (size_t t = 0; t < catalog.tracks.size(); ++t)
    side->catalog_popularity[t] = catalog.tracks[t].popularity;
  side->friends.resize(d.users.size());
  for (const core::Track& t : d.catalog.tracks)
    side->item_artist.push_back(t.artist);
  side->user_text =
      SparseRows::FromEntries(d.users.size(), d.catalog.artists.size(), {});
  // Nothing here comes from playlist membership, so nothing to hide.
  data.side = [side](const std::vector<const SparseRows*>&)
      -> absl::StatusOr<SideInfo> { return *side; };
  return data;
}

// Settings of the ALS of the peer comparison (../shared/eval/README.md).
core::AlsModelOptions PeerAls(const SuiteOptions& o) {
  core::AlsModelOptions a;
  a.als.factors = 32;
  a.als.regularization = 0.01f;
  a.als.alpha = 1.0f;
  a.als.iterations = 15;
  a.als.cg_steps = 3;
  a.als.num_threads = o.threads;
  a.als.seed = o.seed;
  a.weighting.weighting = core::Weighting::kLog1p;
  return a;
}

// The peer's BM25 row: K1 100, B 0.8, 128 factors, reg 0.01.
core::AlsModelOptions Bm25Als(const SuiteOptions& o) {
  core::AlsModelOptions a = PeerAls(o);
  a.als.factors = 128;
  a.weighting.weighting = core::Weighting::kBm25;
  return a;
}

std::string AlsDescription(const core::AlsModelOptions& a) {
  return absl::StrFormat(
      "ALS %s, %d factors, reg %g, alpha %g, %d it.%s",
      a.weighting.weighting == core::Weighting::kBm25
          ? absl::StrFormat("bm25 (K1 %g, B %g)", a.weighting.bm25_k1,
                            a.weighting.bm25_b)
      : a.weighting.weighting == core::Weighting::kLog1p ? "log1p"
                                                         : "linear",
      a.als.factors, a.als.regularization, a.als.alpha, a.als.iterations,
      a.side_rows_weight > 0
          ? absl::StrFormat(", text rows x %g", a.side_rows_weight)
          : "");
}

// Models fitted on one train matrix, shared by the validation and the final
// fit so both see the same recipe.
struct Fitted {
  std::shared_ptr<const OfflineRecommender> als;     // with text rows
  std::shared_ptr<const OfflineRecommender> als_cf;  // without
  std::shared_ptr<const OfflineRecommender> item_knn;
  std::shared_ptr<const OfflineRecommender> text_knn;
  std::shared_ptr<const OfflineRecommender> content;
  std::shared_ptr<const OfflineRecommender> social;
  std::shared_ptr<const OfflineRecommender> user_tags;
  std::shared_ptr<const OfflineRecommender> artist_knn;
};

struct Recipe {
  core::AlsModelOptions als;
  core::ItemKnnOptions item_knn;
  core::ItemKnnOptions text_knn;
  core::AlsModelOptions cf_als;     // als without side rows
  bool project_cold_items = false;  // content->CF projection for ALS
  int als_bags = 1;
};

// ALS, with content->CF projected vectors for items without plays when
// `project`.
absl::StatusOr<std::unique_ptr<core::FactorModel>> FitCf(
    const SparseRows& train, const SideInfo& side,
    const core::AlsModelOptions& options, bool project) {
  core::AlsModelOptions o = options;
  if (o.side_rows_weight > 0) o.side_rows = side.item_text.Transpose();
  ASSIGN_OR_RETURN(std::unique_ptr<core::FactorModel> als,
                   core::FitAlsModel(train, o));
  if (project) {
    std::vector<bool> has_cf(train.cols(), false);
    for (int64_t u = 0; u < train.rows(); ++u) {
      for (uint32_t i : train.RowIndices(u)) has_cf[i] = true;
    }
    FactorMatrix projected = core::ProjectContentToCf(
        side.content, als->item_factors(), has_cf, 1.0f);
    als = std::make_unique<core::FactorModel>(als->user_factors(),
                                              std::move(projected));
  }
  return als;
}

// The average of `r.als_bags` ALS fits that differ only in their seed: one
// fit's ranking depends noticeably on its random start on data this small,
// and averaging removes that noise.
absl::StatusOr<std::shared_ptr<const OfflineRecommender>> FitBaggedCf(
    const SparseRows& train, const SideInfo& side,
    const core::AlsModelOptions& als, const Recipe& r) {
  // The fits' factors side by side: one dot product then sums the fits'
  // scores, at the cost of one wide model rather than `als_bags` narrow ones.
  FactorMatrix users, items;
  for (int b = 0; b < r.als_bags; ++b) {
    core::AlsModelOptions a = als;
    a.als.seed += 1000 * b;
    ASSIGN_OR_RETURN(std::unique_ptr<core::FactorModel> m,
                     FitCf(train, side, a, r.project_cold_items));
    const int64_t k = m->user_factors().cols();
    if (b == 0) {
      users.resize(m->user_factors().rows(), k * r.als_bags);
      items.resize(m->item_factors().rows(), k * r.als_bags);
    }
    users.middleCols(b * k, k) = m->user_factors();
    items.middleCols(b * k, k) = m->item_factors();
  }
  return std::make_shared<core::FactorModel>(std::move(users),
                                             std::move(items));
}

absl::StatusOr<Fitted> FitAll(const SparseRows& train, const SideInfo& side,
                              const Recipe& r) {
  Fitted f;
  const SparseRows log_weights = core::ApplyWeighting(train, {});
  ASSIGN_OR_RETURN(f.als, FitBaggedCf(train, side, r.als, r));
  if (r.als.side_rows_weight > 0) {
    ASSIGN_OR_RETURN(f.als_cf, FitBaggedCf(train, side, r.cf_als, r));
  } else {
    f.als_cf = f.als;
  }
  const SparseRows binary =
      core::ApplyWeighting(train, {.weighting = core::Weighting::kBinary});
  f.item_knn = core::FitItemKnn(binary.Transpose(), log_weights, r.item_knn);
  f.text_knn = core::FitItemKnn(side.item_text, log_weights, r.text_knn);
  f.content = core::MakeContentModel(side.content, log_weights);
  f.social = core::MakeSocialModel(side.friends, log_weights);
  f.user_tags = core::MakeProfileMatchModel(side.user_text, side.item_text);
  if (!side.item_artist.empty()) {
    // Co-listening at the artist level: a track's profile is the set of
    // train users (playlists) holding any track of its artist, so tracks
    // seen once still have collaborative neighbours.
    std::vector<std::vector<uint32_t>> artist_users(
        *std::max_element(side.item_artist.begin(), side.item_artist.end()) +
        1);
    for (int64_t u = 0; u < train.rows(); ++u) {
      for (uint32_t i : train.RowIndices(u))
        artist_users[side.item_artist[i]].push_back(u);
    }
    std::vector<SparseEntry> entries;
    for (size_t i = 0; i < side.item_artist.size(); ++i) {
      for (uint32_t u : artist_users[side.item_artist[i]])
        entries.push_back({static_cast<uint32_t>(i), u, 1.0f});
    }
    const SparseRows profiles = SparseRows::FromEntries(
        side.item_artist.size(), train.rows(), std::move(entries));
    f.artist_knn = core::FitItemKnn(profiles, log_weights, r.item_knn);
  } else {
    f.artist_knn = f.item_knn;
  }
  return f;
}

// Blend parts, indexed by these constants.
enum : int {
  kAls,
  kAlsCf,
  kItemKnn,
  kTextKnn,
  kContent,
  kSocial,
  kUserTags,
  kArtistKnn,
  kNumComponents
};

// Every part with its weight from `weights` (kNumComponents values).
std::vector<HybridModel::Component> Components(
    const Fitted& f, const std::vector<float>& weights) {
  std::vector<HybridModel::Component> c = {
      {"als-text", f.als},        {"als", f.als_cf},
      {"item-knn", f.item_knn},   {"text-knn", f.text_knn},
      {"content", f.content},     {"social", f.social},
      {"user-tags", f.user_tags}, {"artist-knn", f.artist_knn}};
  for (size_t i = 0; i < c.size(); ++i) c[i].weight = weights[i];
  return c;
}

double ValidationNdcg(const OfflineRecommender& m, const EvalSplit& val,
                      const SuiteOptions& o) {
  EvalOptions eo;
  eo.num_threads = o.threads;
  eo.ranking_only = true;
  eo.curve_length = 20;
  return core::Evaluate(m, val, eo).metrics.at("ndcg@10");
}

// A validation fold: a split of the suite's train side and the side
// information built without the fold's validation pairs.
struct Fold {
  EvalSplit split;
  SideInfo side;
};

// NDCG@10 of the model built by `fit` on each fold, averaged.
absl::StatusOr<double> FoldsNdcg(
    const std::vector<Fold>& folds, const SuiteOptions& o,
    const std::function<absl::StatusOr<std::unique_ptr<OfflineRecommender>>(
        const Fold&)>& fit) {
  double v = 0;
  for (const Fold& fold : folds) {
    ASSIGN_OR_RETURN(const std::unique_ptr<OfflineRecommender> m, fit(fold));
    v += ValidationNdcg(*m, fold.split, o) / folds.size();
  }
  return v;
}

// ALS hyper-parameters on validation, in two stages to bound the work:
// factors, regularisation and alpha with the text rows at a middle weight,
// then the text rows' weight. The pure-CF ALS keeps the first stage's
// settings without text rows.
absl::Status TuneAls(const std::vector<Fold>& folds, bool cold,
                     const SuiteOptions& o, Recipe& recipe) {
  double best = -1;
  auto consider = [&](const core::AlsModelOptions& a) -> absl::Status {
    ASSIGN_OR_RETURN(
        const double v,
        FoldsNdcg(folds, o,
                  [&](const Fold& fold)
                      -> absl::StatusOr<std::unique_ptr<OfflineRecommender>> {
                    return FitCf(fold.split.train, fold.side, a, cold);
                  }));
    if (o.progress) {
      o.progress(
          absl::StrFormat("validation %s: ndcg@10 %.4f", AlsDescription(a), v));
    }
    if (v > best) {
      best = v;
      recipe.als = a;
    }
    return absl::OkStatus();
  };
  const core::AlsModelOptions start = recipe.als;
  for (int factors : {32, 64}) {
    for (float reg : {0.01f, 1.0f, 10.0f}) {
      for (float alpha : {1.0f, 2.0f}) {
        core::AlsModelOptions a = start;
        a.als.factors = factors;
        a.als.regularization = reg;
        a.als.alpha = alpha;
        a.side_rows_weight = 0.3f;
        RETURN_IF_ERROR(consider(a));
      }
    }
  }
  recipe.cf_als = recipe.als;
  recipe.cf_als.side_rows_weight = 0.0f;
  for (float side_weight : {0.0f, 0.1f, 1.0f}) {
    core::AlsModelOptions a = recipe.cf_als;
    a.side_rows_weight = side_weight;
    RETURN_IF_ERROR(consider(a));
  }
  return absl::OkStatus();
}

// How far to normalise the text neighbours' similarity, on validation.
void TuneTextKnn(const std::vector<Fold>& folds, const SuiteOptions& o,
                 Recipe& recipe) {
  double best = -1;
  for (float normalization : {0.5f, 1.0f}) {
    core::ItemKnnOptions k = recipe.text_knn;
    k.normalization = normalization;
    const double v =
        *FoldsNdcg(folds, o,
                   [&](const Fold& fold)
                       -> absl::StatusOr<std::unique_ptr<OfflineRecommender>> {
                     return core::FitItemKnn(
                         fold.side.item_text,
                         core::ApplyWeighting(fold.split.train, {}), k);
                   });
    if (o.progress) {
      o.progress(
          absl::StrFormat("validation text-knn normalization %g: ndcg@10 %.4f",
                          normalization, v));
    }
    if (v > best) {
      best = v;
      recipe.text_knn = k;
    }
  }
}

}  // namespace

const std::vector<std::string>& SuiteNames() {
  static const auto* names = new std::vector<std::string>{
      "lastfm-fixed", "lastfm-random", "lastfm-leave-k", "lastfm-cold",
      "spotify-playlists"};
  return *names;
}

absl::StatusOr<SuiteResult> RunSplit(const SuiteOptions& o) {
  const auto& names = SuiteNames();
  if (std::find(names.begin(), names.end(), o.suite) == names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown suite '", o.suite, "'"));
  }
  const bool lastfm = o.suite.rfind("lastfm", 0) == 0;
  if (lastfm && o.lastfm_dir.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(o.suite, " needs --lastfm_dir"));
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };

  SuiteData data;
  if (o.suite == "lastfm-fixed") {
    ASSIGN_OR_RETURN(data, LoadLastfmFixed(o));
  } else if (lastfm) {
    ASSIGN_OR_RETURN(data, LoadLastfmResplit(o));
  } else {
    ASSIGN_OR_RETURN(data, LoadSpotifyPlaylists(o));
  }
  const bool cold = o.suite == "lastfm-cold";
  SuiteResult result;
  result.suite = o.suite;
  result.description = absl::StrFormat(
      "%d users x %d items; %d train and %d test interactions%s",
      data.split.train.rows(), data.split.train.cols(), data.split.train.nnz(),
      data.split.test.nnz(),
      cold ? absl::StrFormat("; %d held-out items ranked",
                             data.split.candidates.size())
           : "");
  result.notes = data.notes;
  result.dataset = data.dataset;
  result.import_report = data.import_report;

  // Validation folds carved out of train only (test is never looked at
  // until the final scoring): seeded 20% holdouts of train; cold splits of
  // train for the cold suite and the suite's own continuation split for
  // playlists, so that tuning sees the task the test poses. Side information
  // never sees a test pair, and on a fold it does not see that fold's
  // validation pairs either, so tuning cannot learn to trust a signal that
  // would leak there and not on test.
  std::vector<Fold> folds;
  for (int f = 1; f <= kValidationFolds; ++f) {
    Fold fold;
    if (data.validation) {
      fold.split = data.validation(f);
    } else if (cold) {
      fold.split =
          core::ColdItemSplit(data.split.train, o.cold_fraction, o.seed + f);
    } else {
      fold.split = core::RandomHoldoutSplit(data.split.train, 0.2, o.seed + f);
    }
    ASSIGN_OR_RETURN(fold.side,
                     data.side({&data.split.test, &fold.split.test}));
    folds.push_back(std::move(fold));
  }
  ASSIGN_OR_RETURN(const SideInfo side, data.side({&data.split.test}));
  if (lastfm) {
    result.notes.push_back(absl::StrCat(
        "Tags: ", side.excluded_tag_rows,
        " user_taggedartists.dat rows in which a user tagged one of their own "
        "test artists were dropped before training, so no test pair reaches a "
        "model through any file."));
    if (side.artist_join.catalog_artists > 0) {
      result.notes.push_back(absl::StrCat(
          "Artists joined to Spotify artist features by normalised name: ",
          side.artist_join.ToString(), "."));
    }
  }
  Recipe recipe;
  recipe.als = PeerAls(o);
  recipe.item_knn.num_threads = recipe.text_knn.num_threads = o.threads;
  recipe.project_cold_items = cold;

  RETURN_IF_ERROR(TuneAls(folds, cold, o, recipe));
  TuneTextKnn(folds, o, recipe);
  recipe.als_bags = kAlsBags;
  std::vector<Fitted> on_folds;
  for (const Fold& fold : folds) {
    ASSIGN_OR_RETURN(Fitted f, FitAll(fold.split.train, fold.side, recipe));
    on_folds.push_back(std::move(f));
  }

  // Three blends, each with weights fitted on the folds: collaborative
  // parts only, content parts only, and everything.
  struct Blend {
    std::string name;
    std::vector<int> parts;  // indices into Components(); the first anchors
    std::vector<float> weights;
    std::string weight_text;
    double validation = 0;  // NDCG@10 on the folds
  };
  std::vector<Blend> blends = {
      {"cf-only", lastfm ? std::vector<int>{kAlsCf, kItemKnn, kSocial}
                         : std::vector<int>{kAlsCf, kItemKnn, kArtistKnn}},
      {"content-only", lastfm ? std::vector<int>{kTextKnn, kContent, kUserTags}
                              : std::vector<int>{kTextKnn, kContent}},
      {"hybrid", lastfm ? std::vector<int>{kAls, kAlsCf, kItemKnn, kTextKnn,
                                           kContent, kSocial, kUserTags}
                        : std::vector<int>{kAls, kAlsCf, kItemKnn, kArtistKnn,
                                           kTextKnn, kContent}},
  };
  // Each fold's components, scored once per user for all the weightings
  // the three blend searches try.
  std::vector<std::unique_ptr<core::HybridScoreCache>> caches;
  for (size_t f = 0; f < folds.size(); ++f) {
    std::vector<std::shared_ptr<const OfflineRecommender>> parts;
    for (const auto& c :
         Components(on_folds[f], std::vector<float>(kNumComponents, 0.0f))) {
      parts.push_back(c.model);
    }
    caches.push_back(std::make_unique<core::HybridScoreCache>(
        std::move(parts), folds[f].split.train.rows(),
        folds[f].split.train.cols(), o.blend_cache_bytes));
  }
  for (Blend& blend : blends) {
    auto expand = [&](const std::vector<float>& sub) {
      std::vector<float> w(kNumComponents, 0.0f);
      for (size_t k = 0; k < sub.size(); ++k) w[blend.parts[k]] = sub[k];
      return w;
    };
    auto evaluate = [&](const std::vector<float>& w) {
      double v = 0;
      for (size_t f = 0; f < folds.size(); ++f) {
        v += ValidationNdcg(*caches[f]->Blend(expand(w)), folds[f].split, o) /
             folds.size();
      }
      say(absl::StrFormat("validation %s %s: ndcg@10 %.4f", blend.name,
                          absl::StrJoin(w, " "), v));
      return v;
    };
    // The family blends start from their first part alone; the hybrid
    // starts from the better of the two (so on validation it can only
    // improve on both) and searches from there.
    std::vector<float> initial(blend.parts.size(), 0.0f);
    if (&blend == &blends.back()) {
      const Blend& start =
          blends[0].validation > blends[1].validation ? blends[0] : blends[1];
      for (size_t k = 0; k < blend.parts.size(); ++k)
        initial[k] = start.weights[blend.parts[k]];
    } else {
      initial[0] = 1.0f;
    }
    const std::vector<float> sub = core::FitBlendWeights(initial, evaluate);
    blend.validation = evaluate(sub);
    blend.weights = expand(sub);
    for (const auto& c : Components(on_folds[0], blend.weights)) {
      if (c.weight == 0.0f) continue;
      if (!blend.weight_text.empty()) blend.weight_text += ", ";
      absl::StrAppend(&blend.weight_text, c.name, " ", c.weight);
    }
  }
  caches.clear();  // their memory, before the final fits
  result.notes.push_back(absl::StrCat(
      "Chosen on ", folds.size(),
      " validation fold(s) carved out of train: ", AlsDescription(recipe.als),
      ", averaged over ", kAlsBags, " seeds; blend weights: ",
      absl::StrJoin(blends, "; ",
                    [](std::string* out, const Blend& b) {
                      absl::StrAppend(out, b.name, " ", b.weight_text);
                    }),
      "."));

  // Final fits on the whole train side, then the test scoring.
  ASSIGN_OR_RETURN(const Fitted final_fit,
                   FitAll(data.split.train, side, recipe));
  ASSIGN_OR_RETURN(std::unique_ptr<core::FactorModel> peer_als,
                   core::FitAlsModel(data.split.train, PeerAls(o)));
  ASSIGN_OR_RETURN(std::unique_ptr<core::FactorModel> bm25_als,
                   core::FitAlsModel(data.split.train, Bm25Als(o)));

  struct Candidate {
    std::string name, description;
    std::shared_ptr<const OfflineRecommender> model;
  };
  const std::string projection = cold ? " + content->CF projection" : "";
  std::vector<Candidate> candidates = {
      {"random", "uniform random scores",
       core::MakeRandomModel(data.split.train.cols(), o.seed)},
      {"popularity",
       cold ? "catalog popularity: distinct users who tagged the artist "
              "(known without plays)"
            : "distinct train listeners",
       cold ? core::MakeItemPriorModel(side.catalog_popularity)
            : core::MakePopularityModel(data.split.train)},
      {"als-peer", AlsDescription(PeerAls(o)) + " (the peer's settings)",
       std::move(peer_als)},
      {"als-bm25", AlsDescription(Bm25Als(o)) + " (the peer's BM25 row)",
       std::move(bm25_als)},
      {"als", AlsDescription(recipe.cf_als) + projection + ", 5 seeds",
       final_fit.als_cf},
      {"als-text", AlsDescription(recipe.als) + projection + ", 5 seeds",
       final_fit.als},
      {"item-knn",
       absl::StrFormat("cosine on binary co-listening, %d neighbours",
                       recipe.item_knn.neighbours),
       final_fit.item_knn},
      {"text-knn",
       absl::StrFormat("cosine on TF-IDF %s (normalisation %g), %d neighbours",
                       lastfm ? "tags" : "artist terms",
                       recipe.text_knn.normalization,
                       recipe.text_knn.neighbours),
       final_fit.text_knn},
      {"content", "profile of content vectors (core/content.h)",
       final_fit.content},
  };
  if (lastfm) {
    candidates.push_back({"social",
                          "friends' listening (Last.fm user_friends.dat)",
                          final_fit.social});
    candidates.push_back({"user-tags",
                          "cosine of the user's own tags and the artist's",
                          final_fit.user_tags});
  }
  if (!lastfm) {
    candidates.push_back({"artist-knn",
                          "cosine on co-listening of the tracks' artists",
                          final_fit.artist_knn});
  }
  for (const Blend& blend : blends) {
    candidates.push_back(
        {blend.name, "blend, weights " + blend.weight_text,
         std::make_shared<HybridModel>(Components(final_fit, blend.weights))});
  }

  for (const Candidate& c : candidates) {
    if (!o.models.empty() &&
        std::find(o.models.begin(), o.models.end(), c.name) == o.models.end())
      continue;
    EvalOptions eo;
    eo.num_threads = o.threads;
    eo.seed = o.seed;
    eo.diversity_vectors = side.content;
    if (o.on_list) {
      eo.on_list = [&](uint32_t user, absl::Span<const uint32_t> items,
                       absl::Span<const float> scores) {
        for (size_t r = 0; r < items.size(); ++r) {
          o.on_list(c.name, data.user_ids[user], static_cast<int>(r) + 1,
                    data.item_ids[items[r]], scores[r]);
        }
      };
    }
    EvalResult r = core::Evaluate(*c.model, data.split, eo);
    say(absl::StrFormat("%s %s: ndcg@10 %.4f recall@20 %.4f", o.suite, c.name,
                        r.metrics["ndcg@10"], r.metrics["recall@20"]));
    result.rows.push_back({c.name, c.description, std::move(r)});
  }
  return result;
}

absl::StatusOr<SuiteResult> RunSuite(const SuiteOptions& o) {
  if (o.suite != "spotify-playlists" || o.test_fold >= 0) return RunSplit(o);
  // Cross-validation over playlists: the mean over the folds, weighting
  // each fold by its evaluated users. Notes every fold shares are kept once,
  // the others (tuning choices, fold sizes) once per fold.
  std::vector<SuiteResult> folds;
  for (int fold = 0; fold < kPlaylistFolds; ++fold) {
    SuiteOptions fo = o;
    fo.test_fold = fold;
    ASSIGN_OR_RETURN(SuiteResult r, RunSplit(fo));
    folds.push_back(std::move(r));
  }
  SuiteResult total = folds[0];
  total.notes.clear();
  for (size_t m = 0; m < total.rows.size(); ++m) {
    EvalResult& sum = total.rows[m].result;
    for (auto& [k, v] : sum.metrics) v = 0;
    std::fill(sum.recall_curve.begin(), sum.recall_curve.end(), 0.0);
    double users = 0;
    for (const SuiteResult& r : folds) {
      const EvalResult& part = r.rows[m].result;
      const double n = part.metrics.at("users");
      users += n;
      for (auto& [k, v] : sum.metrics) v += part.metrics.at(k) * n;
      for (size_t k = 0; k < sum.recall_curve.size(); ++k)
        sum.recall_curve[k] += part.recall_curve[k] * n;
    }
    const double divisor = std::max(1.0, users);
    for (auto& [k, v] : sum.metrics) v = k == "users" ? users : v / divisor;
    for (double& x : sum.recall_curve) x /= divisor;
  }
  for (const std::string& note : folds[0].notes) {
    const bool shared =
        std::all_of(folds.begin(), folds.end(), [&](const SuiteResult& r) {
          return std::find(r.notes.begin(), r.notes.end(), note) !=
                 r.notes.end();
        });
    if (shared) total.notes.push_back(note);
  }
  for (size_t f = 0; f < folds.size(); ++f) {
    for (const std::string& note : folds[f].notes) {
      if (std::find(total.notes.begin(), total.notes.end(), note) ==
          total.notes.end()) {
        total.notes.push_back(absl::StrCat("Fold ", f, ": ", note));
      }
    }
  }
  total.description = absl::StrCat(
      total.description.substr(0, total.description.find(';')),
      "; every playlist with more than ", o.playlist_seed_tracks + 4,
      " tracks is a test playlist once over ", kPlaylistFolds,
      " folds (its first ", o.playlist_seed_tracks,
      " tracks in file order the seed, the rest the target; all other "
      "playlists train); metrics are the mean over all test playlists");
  return total;
}

}  // namespace recsys::trainer
