#include "core/demo_world.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::core {
namespace {

using ::testing::HasSubstr;

Dataset Generate(const DemoWorldOptions& options) {
  absl::StatusOr<Dataset> dataset = GenerateDemoWorld(options);
  EXPECT_TRUE(dataset.ok()) << dataset.status();
  return dataset.ok() ? *std::move(dataset) : Dataset();
}

DemoWorldOptions SmallWorld() {
  DemoWorldOptions options;
  options.num_users = 300;
  options.num_tracks = 1000;
  options.mean_events_per_user = 25;
  return options;
}

int GenreIndex(const Catalog& catalog, absl::string_view name) {
  const auto it = std::find(catalog.genres.begin(), catalog.genres.end(), name);
  return it == catalog.genres.end() ? -1 : it - catalog.genres.begin();
}

// Field-by-field, so a failure names what differs.
void ExpectSameDataset(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.catalog.genres, b.catalog.genres);
  ASSERT_EQ(a.catalog.subgenres, b.catalog.subgenres);
  ASSERT_EQ(a.catalog.artists.size(), b.catalog.artists.size());
  for (size_t i = 0; i < a.catalog.artists.size(); ++i) {
    const Artist& x = a.catalog.artists[i];
    const Artist& y = b.catalog.artists[i];
    ASSERT_EQ(x.id, y.id);
    ASSERT_EQ(x.name, y.name) << x.id;
    ASSERT_EQ(x.genre, y.genre) << x.id;
  }
  ASSERT_EQ(a.catalog.tracks.size(), b.catalog.tracks.size());
  for (size_t i = 0; i < a.catalog.tracks.size(); ++i) {
    const Track& x = a.catalog.tracks[i];
    const Track& y = b.catalog.tracks[i];
    ASSERT_EQ(x.id, y.id);
    ASSERT_EQ(x.title, y.title) << x.id;
    ASSERT_EQ(x.artist, y.artist) << x.id;
    ASSERT_EQ(x.genre, y.genre) << x.id;
    ASSERT_EQ(x.subgenre, y.subgenre) << x.id;
    ASSERT_EQ(x.release_year, y.release_year) << x.id;
    ASSERT_EQ(x.kind, y.kind) << x.id;
    ASSERT_EQ(x.explicit_content, y.explicit_content) << x.id;
    ASSERT_EQ(x.popularity, y.popularity) << x.id;
    ASSERT_EQ(x.audio, y.audio) << x.id;
  }
  ASSERT_EQ(a.users.size(), b.users.size());
  for (size_t i = 0; i < a.users.size(); ++i) {
    ASSERT_EQ(a.users[i].id, b.users[i].id);
    ASSERT_EQ(a.users[i].country, b.users[i].country) << a.users[i].id;
  }
  ASSERT_EQ(a.interactions.size(), b.interactions.size());
  for (size_t i = 0; i < a.interactions.size(); ++i) {
    const Interaction& x = a.interactions[i];
    const Interaction& y = b.interactions[i];
    ASSERT_EQ(x.user, y.user) << "interaction " << i;
    ASSERT_EQ(x.track, y.track) << "interaction " << i;
    ASSERT_EQ(x.plays, y.plays) << "interaction " << i;
    ASSERT_EQ(x.skips, y.skips) << "interaction " << i;
    ASSERT_EQ(x.liked, y.liked) << "interaction " << i;
  }
}

TEST(DemoWorldTest, SameSeedGivesSameDataset) {
  const Dataset a = Generate(SmallWorld());
  const Dataset b = Generate(SmallWorld());
  ExpectSameDataset(a, b);
}

TEST(DemoWorldTest, DifferentSeedGivesDifferentDataset) {
  DemoWorldOptions options = SmallWorld();
  const Dataset a = Generate(options);
  options.seed = 43;
  const Dataset b = Generate(options);
  ASSERT_EQ(a.catalog.tracks.size(), b.catalog.tracks.size());
  int same_titles = 0;
  for (size_t i = 0; i < a.catalog.tracks.size(); ++i) {
    same_titles += a.catalog.tracks[i].title == b.catalog.tracks[i].title;
  }
  // 1024 possible titles: about one in a thousand match by chance.
  EXPECT_LT(same_titles, 50);
  int same_names = 0;
  for (size_t i = 0; i < a.catalog.artists.size(); ++i) {
    same_names += a.catalog.artists[i].name == b.catalog.artists[i].name;
  }
  EXPECT_LT(same_names, 5);
  EXPECT_NE(a.interactions.size(), b.interactions.size());
}

TEST(DemoWorldTest, ThreadCountDoesNotChangeTheDataset) {
  DemoWorldOptions options = SmallWorld();
  const Dataset one = Generate(options);
  options.num_threads = 2;
  ExpectSameDataset(one, Generate(options));
  // Uneven ranges, and more threads than some of the sizes.
  options.num_threads = 3;
  ExpectSameDataset(one, Generate(options));
  options.num_users = 2;
  options.num_threads = 1;
  const Dataset two_users = Generate(options);
  options.num_threads = 8;
  ExpectSameDataset(two_users, Generate(options));
}

TEST(DemoWorldTest, RejectsInvalidOptions) {
  const auto expect_invalid = [](const DemoWorldOptions& options,
                                 absl::string_view field) {
    const absl::StatusOr<Dataset> dataset = GenerateDemoWorld(options);
    EXPECT_EQ(dataset.status().code(), absl::StatusCode::kInvalidArgument)
        << field;
    EXPECT_THAT(dataset.status().message(), HasSubstr(std::string(field)));
  };
  DemoWorldOptions options;
  options.num_users = 0;
  expect_invalid(options, "num_users");
  options.num_users = (int64_t{1} << 31) + 1;
  expect_invalid(options, "num_users");
  options = DemoWorldOptions();
  options.num_tracks = -5;
  expect_invalid(options, "num_tracks");
  options.num_tracks = (int64_t{1} << 31) + 1;
  expect_invalid(options, "num_tracks");
  options = DemoWorldOptions();
  options.num_artists = -1;
  expect_invalid(options, "num_artists");
  options = DemoWorldOptions();
  options.mean_events_per_user = 0;
  expect_invalid(options, "mean_events_per_user");
  options.mean_events_per_user = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(options, "mean_events_per_user");
  options.mean_events_per_user = std::numeric_limits<double>::infinity();
  expect_invalid(options, "mean_events_per_user");
  options = DemoWorldOptions();
  options.num_threads = 0;
  expect_invalid(options, "num_threads");
}

TEST(DemoWorldTest, TinyWorldsAreValid) {
  DemoWorldOptions options;
  options.num_users = 1;
  options.num_tracks = 1;
  Dataset dataset = Generate(options);
  EXPECT_EQ(dataset.catalog.artists.size(), 1);
  EXPECT_EQ(dataset.catalog.tracks.size(), 1);
  EXPECT_EQ(dataset.users.size(), 1);
  EXPECT_TRUE(dataset.interactions.empty());  // at most num_tracks / 2

  // More artists than tracks: some artists stay without a track.
  options.num_users = 20;
  options.num_tracks = 10;
  options.num_artists = 30;
  dataset = Generate(options);
  EXPECT_EQ(dataset.catalog.artists.size(), 30);
  for (const Interaction& interaction : dataset.interactions) {
    ASSERT_LT(interaction.track, 10);
  }
  // Every user takes exactly num_tracks / 2 = 5 here (the minimum is 3).
  EXPECT_EQ(dataset.interactions.size(), 20 * 5);
}

class DefaultWorldTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Dataset> dataset = GenerateDemoWorld(DemoWorldOptions());
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    world_ = new Dataset(*std::move(dataset));
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }
  static const Dataset& world() { return *world_; }

  // Mean of `feature` over music tracks of `genre`.
  static double MeanFeature(absl::string_view genre, absl::string_view name) {
    const Catalog& catalog = world().catalog;
    const int g = GenreIndex(catalog, genre);
    const int f =
        std::find(kAudioFeatureNames.begin(), kAudioFeatureNames.end(), name) -
        kAudioFeatureNames.begin();
    double sum = 0;
    int count = 0;
    for (const Track& track : catalog.tracks) {
      if (track.genre != g) continue;
      sum += track.audio[f];
      ++count;
    }
    EXPECT_GT(count, 20) << genre;
    return count == 0 ? 0 : sum / count;
  }

 private:
  static Dataset* world_;
};

Dataset* DefaultWorldTest::world_ = nullptr;

TEST_F(DefaultWorldTest, HasTheDocumentedSizesAndIds) {
  const Dataset& dataset = world();
  EXPECT_EQ(dataset.users.size(), 2000);
  EXPECT_EQ(dataset.catalog.tracks.size(), 5000);
  EXPECT_EQ(dataset.catalog.artists.size(), 5000 / 8);
  EXPECT_EQ(dataset.catalog.artists[0].id, "ar000000");
  EXPECT_EQ(dataset.catalog.tracks[42].id, "tr000042");
  EXPECT_EQ(dataset.users[7].id, "u000007");
  // DemoId() names them without the world.
  EXPECT_EQ(DemoId("ar", 0, 625), dataset.catalog.artists[0].id);
  EXPECT_EQ(DemoId("tr", 4999, 5000), dataset.catalog.tracks[4999].id);
  EXPECT_EQ(DemoId("u", 7, 2000), dataset.users[7].id);
  EXPECT_EQ(DemoId("u", 42, 12345678), "u00000042");  // 8 digits for 12,345,677
  absl::flat_hash_set<std::string> ids;
  for (const Track& track : dataset.catalog.tracks) ids.insert(track.id);
  EXPECT_EQ(ids.size(), dataset.catalog.tracks.size());
  for (absl::string_view genre :
       {"pop", "rock", "rap", "r&b", "latin", "edm", "jazz", "classical",
        "podcast", "audiobook"}) {
    EXPECT_GE(GenreIndex(dataset.catalog, genre), 0) << genre;
  }
}

TEST_F(DefaultWorldTest, IndicesAndValuesAreInRange) {
  const Catalog& catalog = world().catalog;
  for (const Artist& artist : catalog.artists) {
    ASSERT_LT(artist.genre, catalog.genres.size()) << artist.id;
    ASSERT_FALSE(artist.name.empty()) << artist.id;
  }
  // A sub-genre belongs to exactly one genre.
  std::map<uint16_t, uint16_t> genre_of_subgenre;
  for (const Track& track : catalog.tracks) {
    ASSERT_LT(track.artist, catalog.artists.size()) << track.id;
    ASSERT_LT(track.genre, catalog.genres.size()) << track.id;
    ASSERT_LT(track.subgenre, catalog.subgenres.size()) << track.id;
    const auto [it, inserted] =
        genre_of_subgenre.emplace(track.subgenre, track.genre);
    ASSERT_EQ(it->second, track.genre)
        << track.id << " subgenre " << catalog.subgenres[track.subgenre];
    const absl::string_view genre = catalog.genres[track.genre];
    const ContentKind expected_kind = genre == "podcast" ? ContentKind::kPodcast
                                      : genre == "audiobook"
                                          ? ContentKind::kAudiobook
                                          : ContentKind::kMusic;
    ASSERT_EQ(track.kind, expected_kind) << track.id;
    ASSERT_GE(track.release_year, 1960) << track.id;
    ASSERT_LE(track.release_year, 2026) << track.id;
    ASSERT_GE(track.popularity, 1) << track.id;
    ASSERT_LE(track.popularity, 100) << track.id;
    ASSERT_FALSE(track.title.empty()) << track.id;
    for (int f = 0; f < kNumAudioFeatures; ++f) {
      const absl::string_view name = kAudioFeatureNames[f];
      const float low = name == "loudness" ? -60 : name == "tempo" ? 50 : 0;
      const float high = name == "loudness" ? 0 : name == "tempo" ? 220 : 1;
      ASSERT_GE(track.audio[f], low) << track.id << " " << name;
      ASSERT_LE(track.audio[f], high) << track.id << " " << name;
    }
  }
  // Known pairs, and every genre has two to four sub-genres.
  const auto genre_named = [&](absl::string_view subgenre) {
    const int s = std::find(catalog.subgenres.begin(), catalog.subgenres.end(),
                            subgenre) -
                  catalog.subgenres.begin();
    const auto it = genre_of_subgenre.find(s);
    return it == genre_of_subgenre.end() ? std::string()
                                         : catalog.genres[it->second];
  };
  EXPECT_EQ(genre_named("trap"), "rap");
  EXPECT_EQ(genre_named("indie rock"), "rock");
  EXPECT_EQ(genre_named("dance pop"), "pop");
  std::map<uint16_t, int> subgenres_per_genre;
  for (const auto& [subgenre, genre] : genre_of_subgenre) {
    ++subgenres_per_genre[genre];
  }
  for (const auto& [genre, count] : subgenres_per_genre) {
    EXPECT_GE(count, 2) << catalog.genres[genre];
    EXPECT_LE(count, 4) << catalog.genres[genre];
  }
  for (const User& user : world().users) {
    ASSERT_EQ(user.country.size(), 2) << user.id;
  }
  // An artist's first track is in the artist's genre (what dataset files
  // assume); later ones may cross over.
  std::vector<bool> seen(catalog.artists.size(), false);
  int crossovers = 0;
  for (const Track& track : catalog.tracks) {
    if (!seen[track.artist]) {
      seen[track.artist] = true;
      ASSERT_EQ(track.genre, catalog.artists[track.artist].genre) << track.id;
    } else {
      crossovers += track.genre != catalog.artists[track.artist].genre;
    }
  }
  EXPECT_GT(crossovers, 0);
  EXPECT_LT(crossovers, 0.1 * catalog.tracks.size());
}

TEST_F(DefaultWorldTest, InteractionsAreDistinctSortedAndMeaningful) {
  const Dataset& dataset = world();
  int64_t skip_only = 0;
  int64_t liked = 0;
  for (size_t i = 0; i < dataset.interactions.size(); ++i) {
    const Interaction& x = dataset.interactions[i];
    ASSERT_LT(x.user, dataset.users.size());
    ASSERT_LT(x.track, dataset.catalog.tracks.size());
    ASSERT_TRUE(x.plays > 0 || x.skips > 0) << "interaction " << i;
    if (i > 0) {
      const Interaction& previous = dataset.interactions[i - 1];
      // Sorted by (user, track) strictly: no pair twice.
      ASSERT_LT(std::make_pair(previous.user, previous.track),
                std::make_pair(x.user, x.track))
          << "interaction " << i;
    }
    skip_only += x.plays == 0;
    liked += x.liked;
    if (x.plays == 0) {
      ASSERT_FALSE(x.liked) << "interaction " << i;
    }
  }
  const double n = dataset.interactions.size();
  EXPECT_GT(skip_only / n, 0.02);
  EXPECT_LT(skip_only / n, 0.3);
  EXPECT_GT(liked / n, 0.05);
  EXPECT_LT(liked / n, 0.6);
}

TEST_F(DefaultWorldTest, ActivityIsAroundTheMean) {
  const Dataset& dataset = world();
  std::vector<int> per_user(dataset.users.size(), 0);
  for (const Interaction& x : dataset.interactions) ++per_user[x.user];
  const double mean =
      static_cast<double>(dataset.interactions.size()) / dataset.users.size();
  EXPECT_NEAR(mean, 40, 6);
  EXPECT_GE(*std::min_element(per_user.begin(), per_user.end()), 3);
  // Lognormal: a long tail of heavy users.
  EXPECT_GT(*std::max_element(per_user.begin(), per_user.end()), 150);
}

TEST_F(DefaultWorldTest, AudioFeaturesFollowGenre) {
  EXPECT_GT(MeanFeature("edm", "energy"),
            MeanFeature("classical", "energy") + 0.3);
  EXPECT_GT(MeanFeature("classical", "acousticness"),
            MeanFeature("edm", "acousticness") + 0.5);
  EXPECT_GT(MeanFeature("classical", "instrumentalness"),
            MeanFeature("pop", "instrumentalness") + 0.5);
  EXPECT_GT(MeanFeature("rap", "speechiness"),
            MeanFeature("rock", "speechiness") + 0.1);
  EXPECT_GT(MeanFeature("edm", "loudness"),
            MeanFeature("classical", "loudness") + 8);
  EXPECT_GT(MeanFeature("edm", "tempo"),
            MeanFeature("classical", "tempo") + 10);
  EXPECT_GT(MeanFeature("podcast", "speechiness"), 0.8);
}

TEST_F(DefaultWorldTest, GenresShapeYearsExplicitnessAndKinds) {
  const Catalog& catalog = world().catalog;
  std::vector<double> year_sum(catalog.genres.size(), 0);
  std::vector<double> explicit_sum(catalog.genres.size(), 0);
  std::vector<int> count(catalog.genres.size(), 0);
  int podcasts = 0, audiobooks = 0;
  for (const Track& track : catalog.tracks) {
    year_sum[track.genre] += track.release_year;
    explicit_sum[track.genre] += track.explicit_content;
    ++count[track.genre];
    podcasts += track.kind == ContentKind::kPodcast;
    audiobooks += track.kind == ContentKind::kAudiobook;
  }
  const auto mean = [&](const std::vector<double>& sums, absl::string_view g) {
    const int i = GenreIndex(catalog, g);
    return sums[i] / count[i];
  };
  EXPECT_LT(mean(year_sum, "classical"), mean(year_sum, "pop") - 5);
  EXPECT_LT(mean(year_sum, "jazz"), mean(year_sum, "rap") - 5);
  EXPECT_GT(mean(explicit_sum, "rap"), 0.4);
  EXPECT_GT(mean(explicit_sum, "rap"), 3 * mean(explicit_sum, "pop"));
  EXPECT_LT(mean(explicit_sum, "classical"), 0.02);
  // About 2% podcasts and 1% audiobooks; loose bounds as popular artists own
  // many tracks.
  EXPECT_GT(podcasts, 0);
  EXPECT_GT(audiobooks, 0);
  EXPECT_LT(podcasts + audiobooks, 0.1 * catalog.tracks.size());
}

TEST_F(DefaultWorldTest, ArtistPopularityFollowsAPowerLaw) {
  const Dataset& dataset = world();
  const size_t num_artists = dataset.catalog.artists.size();
  std::vector<double> plays(num_artists, 0);
  std::vector<int> tracks(num_artists, 0);
  for (const Track& track : dataset.catalog.tracks) ++tracks[track.artist];
  double total = 0;
  for (const Interaction& x : dataset.interactions) {
    plays[dataset.catalog.tracks[x.track].artist] += x.plays;
    total += x.plays;
  }
  std::vector<size_t> order(num_artists);
  for (size_t a = 0; a < num_artists; ++a) order[a] = a;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return plays[x] > plays[y]; });
  const size_t top = num_artists / 10;
  double top_plays = 0;
  double top_tracks = 0;
  for (size_t i = 0; i < top; ++i) {
    top_plays += plays[order[i]];
    top_tracks += tracks[order[i]];
  }
  EXPECT_GT(top_plays / total, 0.6);
  // Popular artists have more tracks than the rest do on average.
  EXPECT_GT(top_tracks / top,
            2.0 * dataset.catalog.tracks.size() / num_artists);
  for (size_t a = 0; a < num_artists; ++a) {
    ASSERT_GE(tracks[a], 1) << dataset.catalog.artists[a].id;
  }
  // Track popularity follows plays.
  double popular_plays = 0, popular_count = 0, other_plays = 0, other_count = 0;
  std::vector<double> track_plays(dataset.catalog.tracks.size(), 0);
  for (const Interaction& x : dataset.interactions)
    track_plays[x.track] += x.plays;
  for (size_t t = 0; t < track_plays.size(); ++t) {
    if (dataset.catalog.tracks[t].popularity >= 70) {
      popular_plays += track_plays[t];
      ++popular_count;
    } else if (dataset.catalog.tracks[t].popularity <= 30) {
      other_plays += track_plays[t];
      ++other_count;
    }
  }
  ASSERT_GT(popular_count, 0);
  ASSERT_GT(other_count, 0);
  EXPECT_GT(popular_plays / popular_count, 5 * other_plays / other_count);
}

TEST_F(DefaultWorldTest, UsersListenMostlyInTheirTopGenre) {
  const Dataset& dataset = world();
  std::vector<std::map<uint16_t, double>> genre_plays(dataset.users.size());
  for (const Interaction& x : dataset.interactions) {
    genre_plays[x.user][dataset.catalog.tracks[x.track].genre] += x.plays;
  }
  double fraction_sum = 0;
  int users = 0;
  for (const auto& plays : genre_plays) {
    double total = 0, top = 0;
    for (const auto& [genre, count] : plays) {
      total += count;
      top = std::max(top, count);
    }
    if (total == 0) continue;
    fraction_sum += top / total;
    ++users;
  }
  EXPECT_GT(fraction_sum / users, 0.6);

  // Skips concentrate outside a user's top genre.
  double top_skips = 0, top_rows = 0, other_skips = 0, other_rows = 0;
  for (const Interaction& x : dataset.interactions) {
    const auto& plays = genre_plays[x.user];
    const auto top = std::max_element(
        plays.begin(), plays.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; });
    if (dataset.catalog.tracks[x.track].genre == top->first) {
      top_skips += x.skips;
      ++top_rows;
    } else {
      other_skips += x.skips;
      ++other_rows;
    }
  }
  EXPECT_GT(other_skips / other_rows, 1.5 * top_skips / top_rows);
}

TEST_F(DefaultWorldTest, CountriesAreWeightedAndBiasTaste) {
  const Dataset& dataset = world();
  absl::flat_hash_map<std::string, int> users_per_country;
  for (const User& user : dataset.users) ++users_per_country[user.country];
  EXPECT_GE(users_per_country.size(), 8);
  EXPECT_GT(users_per_country["US"], users_per_country["SE"]);
  // Latin listening share: Mexico well above Japan.
  const int latin = GenreIndex(dataset.catalog, "latin");
  absl::flat_hash_map<std::string, std::pair<double, double>> latin_share;
  for (const Interaction& x : dataset.interactions) {
    auto& [latin_plays, plays] = latin_share[dataset.users[x.user].country];
    latin_plays += dataset.catalog.tracks[x.track].genre == latin ? x.plays : 0;
    plays += x.plays;
  }
  const auto share = [&](const std::string& country) {
    const auto& [latin_plays, plays] = latin_share[country];
    return latin_plays / plays;
  };
  EXPECT_GT(share("MX"), 2 * share("JP"));
}

TEST_F(DefaultWorldTest, ArtistNamesAreMostlyDistinct) {
  const Catalog& catalog = world().catalog;
  std::set<std::string> names;
  for (const Artist& artist : catalog.artists) names.insert(artist.name);
  EXPECT_GT(names.size(), 0.95 * catalog.artists.size());
}

}  // namespace
}  // namespace recsys::core
