#include "core/recommender.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "core/demo_world.h"
#include "core/in_memory_store.h"
#include "core/training.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

// Every test runs against both serving paths: exhaustive scoring and the
// two-stage path through the track indexes (forced on this small catalog).
class RecommenderTest : public ::testing::TestWithParam<bool> {
 protected:
  const ServingModel& model() const {
    return *testing::SmallServingModel(GetParam());
  }
  const Catalog& catalog() const { return model().catalog(); }
  const TrainedModel& trained() const { return testing::SmallTrainedModel(); }

  // Ids of tracks in the user's stored history.
  absl::flat_hash_set<std::string> Heard(int user) const {
    absl::flat_hash_set<std::string> heard;
    for (uint32_t t : trained().history.RowIndices(user)) {
      heard.insert(catalog().tracks[t].id);
    }
    return heard;
  }
};

INSTANTIATE_TEST_SUITE_P(Serving, RecommenderTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "TwoStage" : "Exhaustive";
                         });

TEST_P(RecommenderTest, RecommendNeverReturnsHeardTracks) {
  for (int u = 0; u < 50; ++u) {
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    q.count = 30;
    absl::StatusOr<RecommendResult> r = Recommend(model(), q);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->cold_start);
    EXPECT_EQ(r->items.size(), 30u);
    const auto heard = Heard(u);
    for (const ScoredTrack& item : r->items) {
      EXPECT_FALSE(heard.contains(catalog().tracks[item.track].id));
      EXPECT_THAT(item.reason.text, Not(IsEmpty()));
    }
  }
}

TEST_P(RecommenderTest, RecommendHonoursExclusionsAndArtistCap) {
  RecommendQuery q;
  q.user_id = trained().users[3].id;
  q.count = 40;
  absl::StatusOr<RecommendResult> first = Recommend(model(), q);
  ASSERT_TRUE(first.ok());
  ASSERT_GE(first->items.size(), 3u);
  q.exclude_track_ids = {catalog().tracks[first->items[0].track].id};
  const uint32_t banned_artist = catalog().tracks[first->items[1].track].artist;
  q.exclude_artist_ids = {catalog().artists[banned_artist].id};
  q.max_per_artist = 1;
  absl::StatusOr<RecommendResult> r = Recommend(model(), q);
  ASSERT_TRUE(r.ok());
  std::map<uint32_t, int> per_artist;
  for (const ScoredTrack& item : r->items) {
    EXPECT_NE(item.track, first->items[0].track);
    EXPECT_NE(catalog().tracks[item.track].artist, banned_artist);
    EXPECT_LE(++per_artist[catalog().tracks[item.track].artist], 1);
  }
}

TEST_P(RecommenderTest, RecommendIsPersonal) {
  // Two users with different top genres get lists dominated by their genres.
  auto top_genre_share = [&](int u) {
    std::map<uint16_t, float> plays;
    const auto tracks = trained().history.RowIndices(u);
    const auto values = trained().history.RowValues(u);
    for (size_t k = 0; k < tracks.size(); ++k) {
      if (values[k] > 0) plays[catalog().tracks[tracks[k]].genre] += values[k];
    }
    uint16_t best = 0;
    for (const auto& [g, p] : plays) {
      if (p > plays[best]) best = g;
    }
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    absl::StatusOr<RecommendResult> r = Recommend(model(), q);
    EXPECT_TRUE(r.ok());
    int in_genre = 0;
    for (const ScoredTrack& item : r->items) {
      in_genre += catalog().tracks[item.track].genre == best;
    }
    return static_cast<double>(in_genre) / r->items.size();
  };
  double total = 0;
  for (int u = 0; u < 40; ++u) total += top_genre_share(u);
  // A genre has about 1/10 of the catalog; a personal list is far above that.
  EXPECT_GT(total / 40, 0.35);
}

TEST_P(RecommenderTest, UnknownUserGetsRegionalPopularity) {
  RecommendQuery q;
  q.user_id = "never-seen";
  q.country = "SE";
  absl::StatusOr<RecommendResult> r = Recommend(model(), q);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cold_start);
  ASSERT_EQ(r->items.size(), 20u);
  for (const ScoredTrack& item : r->items) {
    EXPECT_EQ(item.reason.kind, ReasonKind::kPopularInRegion);
    EXPECT_EQ(item.reason.country, "SE");
  }
}

TEST_P(RecommenderTest, ColdStartFromRecentTracksFollowsThem) {
  // An anonymous listener who played only tracks of one genre is answered
  // within that genre far more often than the popular list is.
  const uint16_t genre = catalog().tracks[0].genre;
  RecommendQuery q;
  for (size_t t = 0;
       t < catalog().tracks.size() && q.recent_track_ids.size() < 8; ++t) {
    if (catalog().tracks[t].genre == genre) {
      q.recent_track_ids.push_back(catalog().tracks[t].id);
    }
  }
  q.recent_track_ids.push_back("unknown-track");
  absl::StatusOr<RecommendResult> r = Recommend(model(), q);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cold_start);
  EXPECT_EQ(r->unknown_recent_tracks, 1);
  const std::set<std::string> recent(q.recent_track_ids.begin(),
                                     q.recent_track_ids.end());
  int in_genre = 0;
  for (const ScoredTrack& item : r->items) {
    EXPECT_FALSE(recent.count(catalog().tracks[item.track].id));
    in_genre += catalog().tracks[item.track].genre == genre;
  }
  EXPECT_GE(in_genre, 12) << "of " << r->items.size();
}

TEST_P(RecommenderTest, RadioFromTrackStaysInGenreAndSpacesArtists) {
  int in_genre = 0, total = 0;
  for (uint32_t seed = 0; seed < 200; seed += 20) {
    RadioQuery q;
    q.seed_track_id = catalog().tracks[seed].id;
    q.count = 25;
    q.artist_spacing = 3;
    absl::StatusOr<RadioResult> radio = Radio(model(), q);
    ASSERT_TRUE(radio.ok()) << radio.status();
    const std::vector<ScoredTrack>* r = &radio->items;
    EXPECT_EQ(r->size(), 25u);
    for (size_t i = 0; i < r->size(); ++i) {
      const uint32_t t = (*r)[i].track;
      EXPECT_NE(t, seed);
      in_genre += catalog().tracks[t].genre == catalog().tracks[seed].genre;
      ++total;
      for (size_t back = 1; back < 3 && back <= i; ++back) {
        EXPECT_NE(catalog().tracks[(*r)[i - back].track].artist,
                  catalog().tracks[t].artist);
      }
    }
  }
  EXPECT_GT(static_cast<double>(in_genre) / total, 0.7);
}

TEST_P(RecommenderTest, RadioExcludesPlayedTracksAndRejectsBadSeeds) {
  RadioQuery q;
  q.seed_genre = catalog().genres[0];
  absl::StatusOr<RadioResult> first = Radio(model(), q);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->items.empty());
  for (const ScoredTrack& item : first->items) {
    q.exclude_track_ids.push_back(catalog().tracks[item.track].id);
  }
  absl::StatusOr<RadioResult> next = Radio(model(), q);
  ASSERT_TRUE(next.ok());
  const std::set<std::string> played(q.exclude_track_ids.begin(),
                                     q.exclude_track_ids.end());
  for (const ScoredTrack& item : next->items) {
    EXPECT_FALSE(played.count(catalog().tracks[item.track].id));
  }

  RadioQuery unknown;
  unknown.seed_artist_id = "no-such-artist";
  EXPECT_EQ(Radio(model(), unknown).status().code(),
            absl::StatusCode::kNotFound);
  RadioQuery two;
  two.seed_genre = catalog().genres[0];
  two.seed_track_id = catalog().tracks[0].id;
  EXPECT_EQ(Radio(model(), two).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(RecommenderTest, RelatedArtistsShareGenreMoreThanChance) {
  int same = 0, total = 0;
  for (uint32_t a = 0; a < 60; a += 3) {
    absl::StatusOr<std::vector<ScoredArtist>> r =
        RelatedArtists(model(), catalog().artists[a].id, 10);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const ScoredArtist& item : *r) {
      EXPECT_NE(item.artist, a);
      same +=
          catalog().artists[item.artist].genre == catalog().artists[a].genre;
      ++total;
    }
  }
  // Chance is about 1 / number of genres.
  const double chance = 1.0 / catalog().genres.size();
  EXPECT_GT(static_cast<double>(same) / total, 3 * chance);
  EXPECT_EQ(RelatedArtists(model(), "nobody", 5).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RecommenderTest, NowPlayingNeverReturnsCurrentOrRecentTracks) {
  for (uint32_t t = 5; t < 400; t += 37) {
    NowPlayingQuery q;
    q.current_track_id = catalog().tracks[t].id;
    q.user_id = trained().users[t % 50].id;
    q.recent_track_ids = {catalog().tracks[t + 1].id,
                          catalog().tracks[t + 2].id};
    absl::StatusOr<NowPlayingResult> r = NowPlaying(model(), q);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->up_next.size(), 10u);
    EXPECT_FALSE(r->related_artists.empty());
    const std::set<uint32_t> banned = {t, t + 1, t + 2};
    for (const ScoredTrack& item : r->up_next)
      EXPECT_FALSE(banned.count(item.track));
    for (const ScoredTrack& item : r->more_by_artist) {
      EXPECT_FALSE(banned.count(item.track));
      EXPECT_EQ(catalog().tracks[item.track].artist,
                catalog().tracks[t].artist);
    }
    for (const ScoredArtist& a : r->related_artists) {
      EXPECT_NE(a.artist, catalog().tracks[t].artist);
    }
  }
  NowPlayingQuery bad;
  bad.current_track_id = "nope";
  EXPECT_EQ(NowPlaying(model(), bad).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RecommenderTest, AddPopularityMatchesPopularityFor) {
  ASSERT_FALSE(model().tracks().popularity.regional.empty());
  const std::string with_table =
      model().tracks().popularity.regional.begin()->first;
  for (const std::string& country :
       {with_table, std::string("ZZ"), std::string()}) {
    std::vector<float> scores(catalog().tracks.size(), 1.0f);
    model().AddPopularity(country, 0.5f, absl::MakeSpan(scores));
    for (uint32_t t = 0; t < scores.size(); ++t) {
      ASSERT_FLOAT_EQ(scores[t],
                      1.0f + 0.5f * model().PopularityFor(t, country))
          << "track " << t << " country '" << country << "'";
    }
  }
}

TEST_P(RecommenderTest, ModelBeatsPopularityOnHoldout) {
  const auto& m = trained().metadata.metrics;
  ASSERT_TRUE(m.count("ndcg@10") && m.count("popularity/ndcg@10"));
  EXPECT_GT(m.at("ndcg@10"), 1.5 * m.at("popularity/ndcg@10"));
  EXPECT_GT(m.at("recall@20"), m.at("popularity/recall@20"));
}

}  // namespace
}  // namespace recsys::core

namespace recsys::core {
namespace {

// Two-stage serving against exhaustive scoring on a catalog ten times the
// candidates the first stage asks for, so that agreement is not a given.
class TwoStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DemoWorldOptions world;
    world.num_users = 3000;
    world.num_tracks = 30000;
    world.mean_events_per_user = 60;
    world.seed = 11;
    TrainingOptions training;
    training.als.factors = 16;
    training.als.iterations = 5;
    training.holdout_fraction = 0;
    absl::StatusOr<Dataset> dataset = GenerateDemoWorld(world);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    absl::StatusOr<TrainedModel> trained = TrainModel(*dataset, training);
    ASSERT_TRUE(trained.ok()) << trained.status();
    absl::StatusOr<TrackIndexes> indexes =
        BuildTrackIndexes(trained->tracks, {});
    ASSERT_TRUE(indexes.ok()) << indexes.status();
    trained->indexes = *std::move(indexes);
    users_ = new std::vector<std::string>();
    for (int u = 0; u < 100; ++u) users_->push_back(trained->users[u].id);
    store_ = new InMemoryModelStore();
    ASSERT_TRUE(store_->Publish(*trained).ok());
    trained_ = new TrainedModel(*std::move(trained));
    for (bool two_stage : {false, true}) {
      ServingOptions options;
      options.exhaustive_max_tracks = two_stage ? 0 : 1 << 30;
      auto model =
          ServingModel::Create(*store_->OpenVersion("v000001"), options);
      ASSERT_TRUE(model.ok()) << model.status();
      models_[two_stage] = new std::shared_ptr<const ServingModel>(*model);
    }
  }

  static const ServingModel& exhaustive() { return *models_[0]->get(); }
  static const ServingModel& two_stage() { return *models_[1]->get(); }

  static double Overlap(const std::vector<ScoredTrack>& a,
                        const std::vector<ScoredTrack>& b) {
    if (a.empty()) return b.empty() ? 1.0 : 0.0;
    std::set<uint32_t> in_a;
    for (const ScoredTrack& item : a) in_a.insert(item.track);
    int shared = 0;
    for (const ScoredTrack& item : b) shared += in_a.count(item.track);
    return static_cast<double>(shared) / a.size();
  }

  static InMemoryModelStore* store_;
  static TrainedModel* trained_;
  static std::vector<std::string>* users_;
  static std::shared_ptr<const ServingModel>* models_[2];
};

InMemoryModelStore* TwoStageTest::store_ = nullptr;
TrainedModel* TwoStageTest::trained_ = nullptr;
std::vector<std::string>* TwoStageTest::users_ = nullptr;
std::shared_ptr<const ServingModel>* TwoStageTest::models_[2] = {nullptr,
                                                                 nullptr};

TEST_F(TwoStageTest, RecommendFindsWhatExhaustiveScoringFinds) {
  ASSERT_TRUE(two_stage().two_stage());
  ASSERT_FALSE(exhaustive().two_stage());
  double overlap = 0;
  for (const std::string& user : *users_) {
    RecommendQuery q;
    q.user_id = user;
    q.count = 20;
    absl::StatusOr<RecommendResult> a = Recommend(exhaustive(), q);
    absl::StatusOr<RecommendResult> b = Recommend(two_stage(), q);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(b->items.size(), 20u);
    overlap += Overlap(a->items, b->items);
  }
  // Measured 0.93 with the serving defaults (192 candidates or more,
  // search list 128). The misses are mostly where the regional half of
  // popularity, which the index cannot hold, lifts a track past others;
  // the demo world's tracks also sit in tight genre clusters, the hard case
  // for a graph.
  EXPECT_GE(overlap / users_->size(), 0.91);
}

TEST_F(TwoStageTest, PersonalIndexQueryScoresAsRecommendDoes) {
  // The personal index's rows times this vector are Recommend's scores, but
  // for the regional half of popularity, which the index cannot hold.
  const ServingModel& model = exhaustive();
  const FactorMatrix rows = IndexRows(model.tracks(), /*unit_cf=*/false);
  const float popularity = model.metadata().blend.popularity;
  for (int u = 0; u < 10; ++u) {
    const std::string& user = (*users_)[u];
    absl::StatusOr<Eigen::VectorXf> v = PersonalIndexQuery(model, user);
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_EQ(v->size(), rows.cols());
    absl::StatusOr<UserRecord> record = model.GetUser(user);
    ASSERT_TRUE(record.ok());
    const float global_share =
        model.HasRegionalPopularity(record->country) ? 0.5f : 1.0f;
    RecommendQuery q;
    q.user_id = user;
    q.count = 10;
    absl::StatusOr<RecommendResult> result = Recommend(model, q);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_FALSE(result->items.empty());
    for (const ScoredTrack& item : result->items) {
      const float rest =
          popularity *
          (model.PopularityFor(item.track, record->country) -
           global_share * model.tracks().popularity.global[item.track]);
      EXPECT_NEAR(rows.row(item.track).dot(*v) + rest, item.score,
                  1e-4f * (1 + std::abs(item.score)))
          << user << " track " << item.track;
    }
  }
  EXPECT_EQ(PersonalIndexQuery(model, "no-such-user").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TwoStageTest, RadioFindsWhatExhaustiveScoringFinds) {
  double overlap = 0;
  const int seeds = 50;
  for (int s = 0; s < seeds; ++s) {
    RadioQuery q;
    q.seed_track_id = exhaustive().catalog().tracks[s * 577].id;
    q.user_id = (*users_)[s];
    absl::StatusOr<RadioResult> a = Radio(exhaustive(), q);
    absl::StatusOr<RadioResult> b = Radio(two_stage(), q);
    ASSERT_TRUE(a.ok() && b.ok());
    overlap += Overlap(a->items, b->items);
  }
  EXPECT_GE(overlap / seeds, 0.9);
}

TEST_F(TwoStageTest, ThinnedCandidatesWidenTheSearchBeforeScoringEveryTrack) {
  // The release year closest to 3% of the tracks: a first stage sized for
  // 20 results holds too few of them, and one kWidenFactor (8) times wider
  // holds enough.
  std::map<int, int> per_year;
  for (const Track& t : two_stage().catalog().tracks) {
    if (t.release_year > 0) ++per_year[t.release_year];
  }
  const double tracks = two_stage().catalog().tracks.size();
  const auto common = std::min_element(
      per_year.begin(), per_year.end(), [&](const auto& a, const auto& b) {
        return std::abs(a.second / tracks - 0.03) <
               std::abs(b.second / tracks - 0.03);
      });
  const double share = common->second / tracks;
  ASSERT_GT(share, 0.005);
  ASSERT_LT(share, 0.06);
  const int64_t widened = two_stage().widened_first_stages();
  const int64_t exhaustive_before = two_stage().exhaustive_fallbacks();
  double overlap = 0;
  const int users = 20;
  for (int u = 0; u < users; ++u) {
    RecommendQuery q;
    q.user_id = (*users_)[u];
    q.count = 20;
    q.filter.released_after_year = common->first;
    q.filter.released_before_year = common->first;
    absl::StatusOr<RecommendResult> a = Recommend(exhaustive(), q);
    absl::StatusOr<RecommendResult> b = Recommend(two_stage(), q);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(b->items.size(), 20u);
    for (const ScoredTrack& item : b->items) {
      EXPECT_EQ(two_stage().catalog().tracks[item.track].release_year,
                common->first);
    }
    overlap += Overlap(a->items, b->items);
  }
  const int64_t widened_calls = two_stage().widened_first_stages() - widened;
  EXPECT_GE(widened_calls, users / 2);
  EXPECT_LT(two_stage().exhaustive_fallbacks() - exhaustive_before,
            widened_calls / 4);
  EXPECT_GE(overlap / users, 0.9);
}

TEST_F(TwoStageTest, StrictFiltersFallBackToScoringEveryTrack) {
  // Find a release year few tracks have: the candidates will hold too few.
  std::map<int, int> per_year;
  for (const Track& t : two_stage().catalog().tracks) {
    if (t.release_year > 0) ++per_year[t.release_year];
  }
  ASSERT_FALSE(per_year.empty());
  const auto rare = std::min_element(
      per_year.begin(), per_year.end(),
      [](const auto& a, const auto& b) { return a.second < b.second; });
  RecommendQuery q;
  q.user_id = (*users_)[0];
  q.count = std::min(rare->second, 5);
  q.max_per_artist = 5;
  q.filter.released_after_year = rare->first;
  q.filter.released_before_year = rare->first;
  const int64_t before = two_stage().exhaustive_fallbacks();
  absl::StatusOr<RecommendResult> a = Recommend(exhaustive(), q);
  absl::StatusOr<RecommendResult> b = Recommend(two_stage(), q);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(two_stage().exhaustive_fallbacks(), before);
  ASSERT_FALSE(b->items.empty());
  EXPECT_EQ(Overlap(a->items, b->items), 1.0);
  for (const ScoredTrack& item : b->items) {
    EXPECT_EQ(two_stage().catalog().tracks[item.track].release_year,
              rare->first);
  }
}

// The model of the fixture with `lists` as its candidate lists, served
// two-stage.
std::shared_ptr<const ServingModel> ServeWithLists(const TrainedModel& trained,
                                                   CandidateLists lists) {
  auto with_lists = std::make_shared<TrainedModel>(trained);
  with_lists->candidates = std::move(lists);
  ServingOptions options;
  options.exhaustive_max_tracks = 0;
  absl::StatusOr<std::shared_ptr<const ServingModel>> model =
      ServingModel::Create(InMemoryVersion("lists", with_lists), options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *model : nullptr;
}

// Candidate lists of the fixture's first 100 users (the ones the tests
// query), and empty rows for the other users: computing all 3,000 would
// take most of a sanitizer run's time for these tests.
absl::StatusOr<CandidateLists> ListsOfTheFirstUsers(
    const ServingModel& model, const TrainedModel& trained) {
  const std::vector<User> first(trained.users.begin(),
                                trained.users.begin() + 100);
  absl::StatusOr<CandidateLists> lists =
      ComputeCandidateLists(model, first, 256, 2);
  if (lists.ok() && !lists->empty()) {
    const uint64_t end = lists->offsets.back();  // not a reference into it
    lists->offsets.resize(trained.users.size() + 1, end);
  }
  return lists;
}

TEST_F(TwoStageTest, CandidateListsHoldThePersonalIndexAnswer) {
  absl::StatusOr<CandidateLists> lists =
      ListsOfTheFirstUsers(two_stage(), *trained_);
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->offsets.size(), trained_->users.size() + 1);
  // Each row is as long as the candidates beyond the user's history.
  size_t longest = 0;
  for (size_t u = 0; u < 100; ++u) {
    absl::StatusOr<UserRecord> record =
        two_stage().GetUser(trained_->users[u].id);
    ASSERT_TRUE(record.ok());
    const size_t length = 256 + record->history.size();
    ASSERT_EQ(lists->Row(u).size(), length) << u;
    longest = std::max(longest, length);
    if (u != 0 && u != 17 && u != 99) continue;
    absl::StatusOr<Eigen::VectorXf> v =
        PersonalIndexQuery(two_stage(), trained_->users[u].id);
    ASSERT_TRUE(v.ok());
    std::vector<uint32_t> searched;
    for (const Neighbor& n : two_stage().indexes().personal->Search(
             absl::MakeConstSpan(v->data(), v->size()),
             static_cast<int>(length))) {
      searched.push_back(n.row);
    }
    const auto row = lists->Row(u);
    EXPECT_EQ(std::vector<uint32_t>(row.begin(), row.end()), searched);
  }
  EXPECT_GT(longest, 256u + 4 * 20);
  EXPECT_EQ(CandidateListLength(256, 100), 356u);
  EXPECT_EQ(CandidateListLength(256, 10000), 4096u);
  // Served exhaustively, a model has no use for lists and gets none.
  absl::StatusOr<CandidateLists> none =
      ComputeCandidateLists(exhaustive(), trained_->users, 256, 2);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(TwoStageTest, RecommendTakesTheStoredListForTheUsersOwnQuery) {
  absl::StatusOr<CandidateLists> lists =
      ListsOfTheFirstUsers(two_stage(), *trained_);
  ASSERT_TRUE(lists.ok()) << lists.status();
  const std::shared_ptr<const ServingModel> served =
      ServeWithLists(*trained_, *lists);
  ASSERT_NE(served, nullptr);
  // As good as searching per request, against exhaustive scoring.
  double with_lists = 0, searched = 0;
  // Users whose first stage would not fit in lists of 256 for everyone:
  // long histories. Their lists are longer.
  int64_t long_histories = 0;
  for (const std::string& user : *users_) {
    absl::StatusOr<UserRecord> record = served->GetUser(user);
    ASSERT_TRUE(record.ok());
    long_histories += 4 * 20 + record->history.size() > 256;
    RecommendQuery q;
    q.user_id = user;
    q.count = 20;
    absl::StatusOr<RecommendResult> a = Recommend(exhaustive(), q);
    absl::StatusOr<RecommendResult> b = Recommend(*served, q);
    absl::StatusOr<RecommendResult> c = Recommend(two_stage(), q);
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    ASSERT_EQ(b->items.size(), 20u);
    with_lists += Overlap(a->items, b->items);
    searched += Overlap(a->items, c->items);
  }
  EXPECT_GE(with_lists, searched - 0.01 * users_->size());
  EXPECT_GT(long_histories, 0);
  EXPECT_EQ(served->precomputed_first_stages(),
            static_cast<int64_t>(users_->size()));
  EXPECT_EQ(two_stage().precomputed_first_stages(), 0);

  // Anything beyond the user changes the query: the index is searched.
  const std::string& user = (*users_)[0];
  std::vector<RecommendQuery> other_queries(5);
  for (RecommendQuery& q : other_queries) q.user_id = user;
  other_queries[0].recent_track_ids = {served->catalog().tracks[5].id};
  other_queries[1].liked_artist_ids = {served->catalog().artists[2].id};
  other_queries[2].blend.content = 0.9f;
  other_queries[3].country = "ZZ";
  other_queries[4].count = 65;  // 4 x 65 beyond the history: over 256
  const int64_t before = served->precomputed_first_stages();
  for (const RecommendQuery& q : other_queries) {
    ASSERT_TRUE(Recommend(*served, q).ok());
  }
  EXPECT_EQ(served->precomputed_first_stages(), before);
}

TEST_F(TwoStageTest, TheStoredListIsTheFirstStage) {
  // Give user 0 a list of tracks from one genre the user's own answer does
  // not favour: Recommend's answer then comes from that list (and the
  // country's popular tracks, which the first stage always adds).
  const std::string& user = (*users_)[0];
  absl::StatusOr<UserRecord> record = two_stage().GetUser(user);
  ASSERT_TRUE(record.ok());
  // The first stage's k for count 20 (core/recommender.cc, RankTracks).
  const int k = std::max<int>(192, 4 * 20 + record->history.size());
  const absl::flat_hash_set<uint32_t> popular = [&] {
    std::vector<uint32_t> v = two_stage().PopularTracks(record->country, k);
    return absl::flat_hash_set<uint32_t>(v.begin(), v.end());
  }();
  absl::flat_hash_set<uint32_t> heard;
  for (const HistoryEntry& e : record->history) heard.insert(e.track);
  std::vector<uint32_t> planted;
  for (uint32_t t = 0;
       planted.size() < 300 && t < two_stage().catalog().tracks.size(); ++t) {
    if (two_stage().catalog().tracks[t].genre == 1 && !heard.contains(t) &&
        !popular.contains(t)) {
      planted.push_back(t);
    }
  }
  ASSERT_EQ(planted.size(), 300u);
  CandidateLists lists;
  lists.offsets.assign(trained_->users.size() + 1, planted.size());
  lists.offsets[0] = 0;
  lists.tracks = planted;  // user 0's row; the others are empty
  ASSERT_EQ(trained_->users[0].id, user);
  const std::shared_ptr<const ServingModel> served =
      ServeWithLists(*trained_, std::move(lists));
  ASSERT_NE(served, nullptr);
  RecommendQuery q;
  q.user_id = user;
  q.count = 20;
  q.max_per_artist = 20;
  absl::StatusOr<RecommendResult> r = Recommend(*served, q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->items.size(), 20u);
  const absl::flat_hash_set<uint32_t> in_list(planted.begin(), planted.end());
  for (const ScoredTrack& item : r->items) {
    EXPECT_TRUE(in_list.contains(item.track) || popular.contains(item.track))
        << item.track;
  }
  // Searched, the answer has tracks from neither: the check above can fail.
  absl::StatusOr<RecommendResult> searched = Recommend(two_stage(), q);
  ASSERT_TRUE(searched.ok());
  int elsewhere = 0;
  for (const ScoredTrack& item : searched->items) {
    elsewhere += !in_list.contains(item.track) && !popular.contains(item.track);
  }
  EXPECT_GT(elsewhere, 0);
  // A user whose row is empty is searched for as before.
  RecommendQuery other;
  other.user_id = (*users_)[1];
  const int64_t before = served->precomputed_first_stages();
  ASSERT_TRUE(Recommend(*served, other).ok());
  EXPECT_EQ(served->precomputed_first_stages(), before);
}

}  // namespace
}  // namespace recsys::core
