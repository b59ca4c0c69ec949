// The product surfaces behave like the features listeners know, on the demo
// world: Discover Weekly, daily mixes, filters, reasons, cold start from
// declared likes, and radio stations that continue across pages.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/in_memory_store.h"
#include "core/recommender.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_world.h"

namespace recsys::core {
namespace {

constexpr int64_t kMonday = 1764547200;  // 2025-12-01T00:00:00Z, a Monday
constexpr int64_t kDay = 86400;

// Every test runs against both serving paths: exhaustive scoring and the
// two-stage path through the track indexes (forced on this small catalog).
class SurfacesTest : public ::testing::TestWithParam<bool> {
 protected:
  const ServingModel& model() const {
    return *testing::SmallServingModel(GetParam());
  }
  const Catalog& catalog() const { return model().catalog(); }
  const TrainedModel& trained() const { return testing::SmallTrainedModel(); }
  const Track& track(uint32_t t) const { return catalog().tracks[t]; }

  std::set<uint32_t> HeardBy(int user) const {
    auto row = trained().history.RowIndices(user);
    return std::set<uint32_t>(row.begin(), row.end());
  }
  std::set<uint32_t> ArtistsOf(int user) const {
    std::set<uint32_t> artists;
    for (uint32_t t : HeardBy(user)) artists.insert(track(t).artist);
    return artists;
  }
  // The genre the user played most.
  uint16_t TopGenre(int user) const {
    std::map<uint16_t, float> plays;
    const auto tracks = trained().history.RowIndices(user);
    const auto values = trained().history.RowValues(user);
    for (size_t k = 0; k < tracks.size(); ++k) {
      if (values[k] > 0) plays[track(tracks[k]).genre] += values[k];
    }
    return std::max_element(
               plays.begin(), plays.end(),
               [](auto& a, auto& b) { return a.second < b.second; })
        ->first;
  }

  RecommendResult MustRecommend(const RecommendQuery& q) const {
    absl::StatusOr<RecommendResult> r = Recommend(model(), q);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : RecommendResult();
  }

  std::vector<uint32_t> Tracks(const std::vector<ScoredTrack>& items) const {
    std::vector<uint32_t> out;
    for (const ScoredTrack& item : items) out.push_back(item.track);
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Serving, SurfacesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "TwoStage" : "Exhaustive";
                         });

TEST_P(SurfacesTest, DiscoverWeeklyIsUnheardWithNewArtistsAndOnePerArtist) {
  int new_at_low_share = 0, new_at_high_share = 0;
  for (int u = 0; u < 30; ++u) {
    for (double share : {0.2, 0.8}) {
      RecommendQuery q;
      q.user_id = trained().users[u].id;
      q.surface = Surface::kDiscoverWeekly;
      q.count = 20;
      q.max_per_artist = 1;
      q.new_artist_share = share;
      q.now_seconds = kMonday;
      const RecommendResult r = MustRecommend(q);
      ASSERT_EQ(r.items.size(), 20u);
      const std::set<uint32_t> heard = HeardBy(u);
      const std::set<uint32_t> known_artists = ArtistsOf(u);
      std::set<uint32_t> artists;
      int new_artists = 0;
      for (const ScoredTrack& item : r.items) {
        EXPECT_FALSE(heard.count(item.track));
        EXPECT_TRUE(artists.insert(track(item.track).artist).second)
            << "two tracks of one artist";
        new_artists += !known_artists.count(track(item.track).artist);
      }
      // At least the requested share is new; more only when the user's own
      // artists have too few unheard tracks left.
      EXPECT_GE(new_artists, std::lround(share * 20)) << "user " << u;
      (share < 0.5 ? new_at_low_share : new_at_high_share) += new_artists;
    }
  }
  EXPECT_LT(new_at_low_share, new_at_high_share);
}

TEST_P(SurfacesTest, DiscoverWeeklyIsStableForAWeekAndChangesTheNext) {
  double overlap_next_week = 0;
  for (int u = 0; u < 20; ++u) {
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    q.surface = Surface::kDiscoverWeekly;
    q.max_per_artist = 1;
    q.now_seconds = kMonday + 3600;
    const std::vector<uint32_t> monday = Tracks(MustRecommend(q).items);
    q.now_seconds = kMonday + 6 * kDay + 80000;  // Sunday night
    EXPECT_EQ(Tracks(MustRecommend(q).items), monday) << "user " << u;
    q.now_seconds = kMonday + 7 * kDay + 10;  // next Monday
    const std::vector<uint32_t> next = Tracks(MustRecommend(q).items);
    const std::set<uint32_t> a(monday.begin(), monday.end());
    int shared = 0;
    for (uint32_t t : next) shared += a.count(t);
    overlap_next_week += static_cast<double>(shared) / monday.size();
  }
  // A fresh list, drawn from the same taste: some overlap, mostly new.
  EXPECT_LT(overlap_next_week / 20, 0.7);
}

TEST_P(SurfacesTest, DailyMixesFollowClustersOfTaste) {
  double dominant_share = 0;
  int mixes_seen = 0;
  for (int u = 0; u < 20; ++u) {
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    q.surface = Surface::kDailyMix;
    q.num_mixes = 3;
    q.count = 15;
    const RecommendResult r = MustRecommend(q);
    EXPECT_TRUE(r.items.empty());
    ASSERT_FALSE(r.mixes.empty());
    EXPECT_LE(r.mixes.size(), 3u);
    std::set<uint32_t> seen;
    for (const Mix& mix : r.mixes) {
      EXPECT_THAT(mix.title, ::testing::StartsWith("Daily Mix "));
      EXPECT_FALSE(mix.description.empty());
      EXPECT_EQ(mix.items.size(), 15u);
      std::map<uint16_t, int> genres;
      for (const ScoredTrack& item : mix.items) {
        EXPECT_TRUE(seen.insert(item.track).second) << "track in two mixes";
        ++genres[track(item.track).genre];
      }
      int top = 0;
      for (const auto& [g, n] : genres) top = std::max(top, n);
      dominant_share += static_cast<double>(top) / mix.items.size();
      ++mixes_seen;
    }
  }
  // Each mix is built around one cluster: mostly one genre.
  EXPECT_GT(dominant_share / mixes_seen, 0.6);
}

TEST_P(SurfacesTest, FiltersApplyToEveryItem) {
  RecommendQuery q;
  q.user_id = trained().users[1].id;
  q.count = 30;
  q.filter.released_after_year = 2010;
  q.filter.released_before_year = 2020;
  q.filter.exclude_explicit = true;
  for (const ScoredTrack& item : MustRecommend(q).items) {
    EXPECT_GE(track(item.track).release_year, 2010);
    EXPECT_LE(track(item.track).release_year, 2020);
    EXPECT_FALSE(track(item.track).explicit_content);
  }
  q.filter = TrackFilter();
  q.filter.kind = ContentKind::kPodcast;
  const RecommendResult podcasts = MustRecommend(q);
  EXPECT_FALSE(podcasts.items.empty());
  for (const ScoredTrack& item : podcasts.items) {
    EXPECT_EQ(track(item.track).kind, ContentKind::kPodcast);
  }
}

TEST_P(SurfacesTest, TracksNotAvailableInTheCountryAreNeverReturned) {
  // Every track restricted to markets other than JP.
  std::set<uint32_t> unavailable;
  for (uint32_t t = 0; t < catalog().tracks.size(); ++t) {
    if (!AvailableIn(catalog(), track(t), "JP")) unavailable.insert(t);
  }
  ASSERT_FALSE(unavailable.empty());
  ASSERT_TRUE(AvailableIn(catalog(), track(*unavailable.begin()), ""));
  for (int u = 0; u < 30; ++u) {
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    q.country = "JP";
    q.count = 50;
    for (const ScoredTrack& item : MustRecommend(q).items) {
      EXPECT_FALSE(unavailable.count(item.track));
    }
    RadioQuery radio;
    radio.seed_track_id = catalog().tracks[u].id;
    radio.country = "JP";
    absl::StatusOr<RadioResult> station = Radio(model(), radio);
    ASSERT_TRUE(station.ok());
    for (const ScoredTrack& item : station->items) {
      EXPECT_FALSE(unavailable.count(item.track));
    }
  }
}

TEST_P(SurfacesTest, NewListenerWithCountryAndLikedArtistsGetsThatTaste) {
  // Three artists of one genre, declared by a listener the model never saw.
  const uint16_t genre = catalog().artists[0].genre;
  RecommendQuery q;
  q.user_id = "brand-new-listener";
  q.country = "SE";
  for (uint32_t a = 0;
       a < catalog().artists.size() && q.liked_artist_ids.size() < 3; ++a) {
    if (catalog().artists[a].genre == genre &&
        model().artist_listeners(a) > 5) {
      q.liked_artist_ids.push_back(catalog().artists[a].id);
    }
  }
  ASSERT_EQ(q.liked_artist_ids.size(), 3u);
  const RecommendResult r = MustRecommend(q);
  EXPECT_TRUE(r.cold_start);
  ASSERT_EQ(r.items.size(), 20u);
  int in_genre = 0, artist_reasons = 0;
  for (const ScoredTrack& item : r.items) {
    in_genre += track(item.track).genre == genre;
    artist_reasons += item.reason.kind == ReasonKind::kSimilarToArtistsYouLike;
  }
  // About a tenth of the catalog is in any one genre.
  EXPECT_GE(in_genre, 12);
  EXPECT_GT(artist_reasons, 0);

  // Without likes the same listener gets the country's popular tracks.
  q.liked_artist_ids.clear();
  for (const ScoredTrack& item : MustRecommend(q).items) {
    EXPECT_EQ(item.reason.kind, ReasonKind::kPopularInRegion);
  }
}

TEST_P(SurfacesTest, LikedTracksPersonaliseAndAreNotRepeated) {
  RecommendQuery q;
  q.country = "US";
  std::set<std::string> liked;
  const uint16_t genre = track(7).genre;
  for (uint32_t t = 0; t < catalog().tracks.size() && liked.size() < 5; ++t) {
    if (track(t).genre == genre) {
      q.liked_track_ids.push_back(track(t).id);
      liked.insert(track(t).id);
    }
  }
  const RecommendResult r = MustRecommend(q);
  int in_genre = 0;
  for (const ScoredTrack& item : r.items) {
    EXPECT_FALSE(liked.count(track(item.track).id));
    in_genre += track(item.track).genre == genre;
  }
  EXPECT_GE(in_genre, 12);
}

TEST_P(SurfacesTest, KnownUsersRecentPlaysPersonaliseInRealTime) {
  // A user who just played tracks of a genre they rarely listen to gets
  // more of that genre than their stored taste alone would give.
  int before = 0, after = 0;
  for (int u = 0; u < 20; ++u) {
    const uint16_t top = TopGenre(u);
    const uint16_t other = top == 0 ? 1 : 0;
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    auto count_other = [&](const RecommendResult& r) {
      int n = 0;
      for (const ScoredTrack& item : r.items)
        n += track(item.track).genre == other;
      return n;
    };
    before += count_other(MustRecommend(q));
    for (uint32_t t = 0;
         t < catalog().tracks.size() && q.recent_track_ids.size() < 10; ++t) {
      if (track(t).genre == other) q.recent_track_ids.push_back(track(t).id);
    }
    const RecommendResult r = MustRecommend(q);
    EXPECT_FALSE(r.cold_start);
    after += count_other(r);
  }
  EXPECT_GT(after, before + 20);
}

TEST_P(SurfacesTest, KnownUsersGetPersonalReasons) {
  int personal = 0, total = 0;
  for (int u = 0; u < 20; ++u) {
    RecommendQuery q;
    q.user_id = trained().users[u].id;
    for (const ScoredTrack& item : MustRecommend(q).items) {
      ++total;
      if (item.reason.kind == ReasonKind::kBecauseYouListened) {
        ++personal;
        ASSERT_TRUE(item.reason.source_track.has_value());
        EXPECT_TRUE(HeardBy(u).count(*item.reason.source_track));
        EXPECT_THAT(item.reason.text,
                    ::testing::StartsWith("Because you listened to "));
      } else if (item.reason.kind == ReasonKind::kSimilarToArtistsYouLike) {
        ++personal;
        ASSERT_TRUE(item.reason.source_artist.has_value());
        EXPECT_TRUE(ArtistsOf(u).count(*item.reason.source_artist));
      } else {
        EXPECT_EQ(item.reason.kind, ReasonKind::kPopularInRegion);
      }
    }
  }
  EXPECT_GT(personal, 0) << "of " << total;
}

// Five pages of one station, each continuing the session of the last.
std::vector<RadioResult> Pages(const ServingModel& model, RadioQuery q,
                               int pages) {
  std::vector<RadioResult> out;
  for (int p = 0; p < pages; ++p) {
    absl::StatusOr<RadioResult> page = Radio(model, q);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    q.session = page->session;
    q.skipped_track_ids.clear();
    q.liked_track_ids.clear();
    out.push_back(*std::move(page));
  }
  return out;
}

TEST_P(SurfacesTest, RadioContinuesWithoutRepeatsAndKeepsArtistsApart) {
  for (uint32_t seed : {3u, 40u, 99u}) {
    RadioQuery q;
    q.seed_track_id = track(seed).id;
    q.count = 10;
    q.artist_spacing = 3;
    const std::vector<RadioResult> pages = Pages(model(), q, 5);
    ASSERT_EQ(pages.size(), 5u);
    std::vector<uint32_t> played;
    for (const RadioResult& page : pages) {
      EXPECT_EQ(page.items.size(), 10u);
      for (const ScoredTrack& item : page.items) played.push_back(item.track);
    }
    EXPECT_EQ(std::set<uint32_t>(played.begin(), played.end()).size(),
              played.size())
        << "a track repeated within the station";
    for (size_t i = 1; i < played.size(); ++i) {
      for (size_t back = 1; back < 3 && back <= i; ++back) {
        EXPECT_NE(track(played[i]).artist, track(played[i - back]).artist)
            << "position " << i << " (page boundary every 10)";
      }
    }
    // It drifts gently: the fifth page still sounds like the seed.
    int in_genre = 0;
    for (const ScoredTrack& item : pages[4].items) {
      in_genre += track(item.track).genre == track(seed).genre;
    }
    EXPECT_GE(in_genre, 6) << "seed " << seed;
    EXPECT_EQ(pages[4].session.played.size(), 50u);
  }
}

TEST_P(SurfacesTest, RadioSteersAwayFromSkipsAndTowardLikes) {
  // Seeded by a genre with several sub-genres: skip every track of the
  // first page's most common sub-genre, like every track of another.
  RadioQuery q;
  q.seed_genre = "rock";
  q.count = 20;
  q.artist_spacing = 1;
  absl::StatusOr<RadioResult> first = Radio(model(), q);
  ASSERT_TRUE(first.ok());
  std::map<uint16_t, int> subgenres;
  for (const ScoredTrack& item : first->items)
    ++subgenres[track(item.track).subgenre];
  ASSERT_GE(subgenres.size(), 2u);
  const uint16_t skipped =
      std::max_element(subgenres.begin(), subgenres.end(),
                       [](auto& a, auto& b) { return a.second < b.second; })
          ->first;
  uint16_t liked = 0;
  int liked_count = 1 << 30;
  for (const auto& [s, n] : subgenres) {
    if (s != skipped && n < liked_count) {
      liked = s;
      liked_count = n;
    }
  }
  RadioQuery next = q;
  next.session = first->session;
  for (const ScoredTrack& item : first->items) {
    if (track(item.track).subgenre == skipped)
      next.skipped_track_ids.push_back(track(item.track).id);
    if (track(item.track).subgenre == liked)
      next.liked_track_ids.push_back(track(item.track).id);
  }
  absl::StatusOr<RadioResult> steered = Radio(model(), next);
  RadioQuery plain = q;
  plain.session = first->session;
  absl::StatusOr<RadioResult> unsteered = Radio(model(), plain);
  ASSERT_TRUE(steered.ok() && unsteered.ok());
  auto count = [&](const RadioResult& r, uint16_t s) {
    int n = 0;
    for (const ScoredTrack& item : r.items)
      n += track(item.track).subgenre == s;
    return n;
  };
  EXPECT_LT(count(*steered, skipped), count(*unsteered, skipped));
  EXPECT_GT(count(*steered, liked), count(*unsteered, liked));
  EXPECT_EQ(steered->session.skipped.size(), next.skipped_track_ids.size());
}

TEST_P(SurfacesTest, OneSkipSteersWithoutMakingTheStationJump) {
  // Skipping a track typical of the station (the top track of the first
  // page) must not throw the next page out of the seed's genre.
  int in_genre = 0, total = 0;
  for (uint32_t seed : {3u, 40u, 99u, 150u, 222u}) {
    RadioQuery q;
    q.seed_track_id = track(seed).id;
    q.count = 10;
    absl::StatusOr<RadioResult> first = Radio(model(), q);
    ASSERT_TRUE(first.ok() && !first->items.empty());
    q.session = first->session;
    q.skipped_track_ids = {track(first->items[0].track).id};
    absl::StatusOr<RadioResult> next = Radio(model(), q);
    ASSERT_TRUE(next.ok());
    for (const ScoredTrack& item : next->items) {
      in_genre += track(item.track).genre == track(seed).genre;
      ++total;
    }
  }
  EXPECT_GE(in_genre, total * 7 / 10) << in_genre << " of " << total;
}

TEST_P(SurfacesTest, PassesFilterChecksEveryRule) {
  Catalog c;
  c.genres = {"pop"};
  c.subgenres = {""};
  MarketSetInterner markets(&c);
  Track t;
  t.release_year = 2015;
  t.markets = markets.Intern({"SE", "NO"});
  EXPECT_EQ(markets.Intern({"NO", "SE", "SE"}), t.markets);
  EXPECT_TRUE(PassesFilter(c, t, {}, "SE"));
  EXPECT_FALSE(PassesFilter(c, t, {}, "US"));
  EXPECT_TRUE(PassesFilter(c, t, {}, ""));
  TrackFilter f;
  f.released_after_year = 2016;
  EXPECT_FALSE(PassesFilter(c, t, f, ""));
  f.released_after_year = 2015;
  f.released_before_year = 2015;
  EXPECT_TRUE(PassesFilter(c, t, f, ""));
  t.release_year = 0;
  EXPECT_FALSE(PassesFilter(c, t, f, ""));
  f = TrackFilter();
  f.kind = ContentKind::kAudiobook;
  EXPECT_FALSE(PassesFilter(c, t, f, ""));
  t.explicit_content = true;
  f = TrackFilter();
  f.exclude_explicit = true;
  EXPECT_FALSE(PassesFilter(c, t, f, ""));
}

}  // namespace
}  // namespace recsys::core
