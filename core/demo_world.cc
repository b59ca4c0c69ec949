#include "core/demo_world.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/parallel.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// ---------------------------------------------------------------------------
// Randomness. Generator and distributions are our own because libstdc++'s
// distributions are implementation-defined, and a seed must name the same
// world on every build.

// SplitMix64's finalizer: a bijection that scrambles every input bit.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Independent random streams, so that artist 7 and track 7 do not share
// their randomness.
enum class Stream : uint64_t {
  kCatalog = 1,
  kArtist = 2,
  kTrack = 3,
  kUser = 4,
  kMarkets = 5,
};

// Every entity draws from its own stream seeded by (world seed, stream,
// index): the output then depends neither on generation order nor on the
// number of threads.
uint64_t StreamSeed(uint64_t seed, Stream stream, uint64_t index) {
  uint64_t h = Mix64(seed + kGolden);
  h = Mix64(h ^ (static_cast<uint64_t>(stream) * 0xd1b54a32d192ed03ULL));
  return Mix64(h + index * kGolden);
}

// xoshiro256** (Blackman and Vigna): small, fast and statistically sound.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    // The authors recommend SplitMix64 output as seed; it is never all zero.
    for (uint64_t& word : state_) {
      seed += kGolden;
      word = Mix64(seed);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // In [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // In [0, n), n > 0. Multiply-shift: the bias (n / 2^64) is irrelevant here.
  uint64_t UniformInt(uint64_t n) {
    return absl::Uint128High64(absl::uint128(Next()) * n);
  }

  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal by Box-Muller. The second variate is dropped so that
  // every call consumes the same amount of the stream.
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]: keeps log() finite
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

  // Lognormal with shape `sigma`, located so that its mean is `mean`.
  double LogNormalWithMean(double mean, double sigma) {
    return std::exp(std::log(mean) - 0.5 * sigma * sigma + sigma * Normal());
  }

  // Failures before the first success, with the given mean (>= 0).
  uint32_t Geometric(double mean) {
    if (mean <= 0) return 0;
    const double q = mean / (1.0 + mean);  // probability of one more failure
    const double k = std::floor(std::log(1.0 - Uniform()) / std::log(q));
    return static_cast<uint32_t>(std::min(k, 1e6));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> state_;
};

// Running sum of `weights`, the table SampleCumulative draws from.
std::vector<double> RunningSum(absl::Span<const double> weights) {
  std::vector<double> cumulative(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    total += weights[i];
    cumulative[i] = total;
  }
  return cumulative;
}

// Returns i with probability weights[i] / total, given the RunningSum of
// positive-total weights. O(log n): for small tables and one-off draws (the
// per-event draws use GuidedSampler).
size_t SampleCumulative(absl::Span<const double> cumulative, Rng& rng) {
  const double target = rng.Uniform() * cumulative.back();
  const size_t i =
      std::upper_bound(cumulative.begin(), cumulative.end(), target) -
      cumulative.begin();
  return std::min(i, cumulative.size() - 1);
}

// Draws index i with probability weights[i] / total in O(1) expected time:
// inverse CDF, started from a guide table (Chen and Asau) and finished by a
// short scan. Given weights sorted heaviest first, draws mostly touch the
// start of the table, which stays in cache; event generation over a
// million-track catalog is otherwise bound by memory latency.
class GuidedSampler {
 public:
  GuidedSampler() = default;
  // REQUIRES: weights non-negative with a positive total.
  explicit GuidedSampler(absl::Span<const double> weights)
      : cumulative_(RunningSum(weights)), guide_(weights.size()) {
    const double total = cumulative_.back();
    size_t i = 0;
    for (size_t j = 0; j < guide_.size(); ++j) {
      const double threshold =
          static_cast<double>(j) / static_cast<double>(guide_.size()) * total;
      while (i + 1 < cumulative_.size() && cumulative_[i] <= threshold) ++i;
      guide_[j] = static_cast<uint32_t>(i);
    }
  }

  bool empty() const { return cumulative_.empty(); }

  // REQUIRES: !empty().
  size_t Draw(Rng& rng) const {
    const double u = rng.Uniform();
    const double target = u * cumulative_.back();
    // min(): u * size can round up to size for u just below 1.
    size_t i = guide_[std::min(
        static_cast<size_t>(u * static_cast<double>(guide_.size())),
        guide_.size() - 1)];
    // The guide is exact up to rounding; both scans settle on the first
    // running sum above the target.
    while (i > 0 && cumulative_[i - 1] > target) --i;
    while (i + 1 < cumulative_.size() && cumulative_[i] <= target) ++i;
    return i;
  }

 private:
  std::vector<double> cumulative_;
  std::vector<uint32_t> guide_;  // bucket j of [0, 1) -> first candidate
};

// ---------------------------------------------------------------------------
// The shape of the world.

enum GenreIndex : uint16_t {
  kGenrePop,
  kGenreRock,
  kGenreRap,
  kGenreRnb,
  kGenreLatin,
  kGenreEdm,
  kGenreJazz,
  kGenreClassical,
  kGenreFolk,
  kGenreMetal,
  kGenrePodcast,
  kGenreAudiobook,
  kNumGenres,
};
constexpr int kNoGenre = -1;

struct GenreSpec {
  absl::string_view name;
  ContentKind kind;
  double artist_share;  // relative share of artists
  double taste_share;   // relative share of users' tastes
  std::array<absl::string_view, 4> subgenres;  // "" = unused slot
  std::array<int, 2> neighbours;  // where a crossover track lands, or kNoGenre
  double explicit_rate;           // mean share of explicit tracks
  double years_since_debut;       // mean; older for jazz and classical
  AudioFeatures mean_audio;       // in kAudioFeatureNames order
};

// Audio means follow published Spotify genre profiles closely enough for
// content models to find the genre signal. A table reads best as one: it is
// kept out of clang-format's line breaking.
// clang-format off
constexpr std::array<GenreSpec, kNumGenres> kGenres = {{
    // name, kind, artist share, taste share, sub-genres, neighbours,
    // explicit rate, years since debut,
    // audio: acoustic, dance, energy, instrumental, live, loud, speech, tempo, valence
    {"pop", ContentKind::kMusic, 0.20, 0.24,
     {"dance pop", "indie pop", "k-pop", "synthpop"}, {kGenreRnb, kGenreEdm},
     0.12, 10,
     {0.20f, 0.68f, 0.68f, 0.02f, 0.17f, -6.0f, 0.07f, 118, 0.55f}},
    {"rock", ContentKind::kMusic, 0.14, 0.14,
     {"indie rock", "classic rock", "alternative rock", "hard rock"}, {kGenreMetal, kGenreFolk},
     0.08, 22,
     {0.15f, 0.50f, 0.75f, 0.08f, 0.20f, -7.0f, 0.05f, 126, 0.50f}},
    {"rap", ContentKind::kMusic, 0.15, 0.17,
     {"trap", "hip hop", "drill", "conscious hip hop"}, {kGenreRnb, kGenrePop},
     0.65, 9,
     {0.15f, 0.76f, 0.65f, 0.01f, 0.20f, -6.5f, 0.28f, 112, 0.45f}},
    {"r&b", ContentKind::kMusic, 0.08, 0.09,
     {"contemporary r&b", "neo soul", "soul", ""}, {kGenrePop, kGenreRap},
     0.25, 15,
     {0.30f, 0.66f, 0.55f, 0.03f, 0.15f, -7.5f, 0.10f, 104, 0.50f}},
    {"latin", ContentKind::kMusic, 0.10, 0.09,
     {"reggaeton", "latin pop", "bachata", "salsa"}, {kGenrePop, kNoGenre},
     0.15, 10,
     {0.25f, 0.75f, 0.72f, 0.02f, 0.18f, -5.5f, 0.09f, 112, 0.68f}},
    {"edm", ContentKind::kMusic, 0.08, 0.08,
     {"house", "techno", "drum and bass", "dubstep"}, {kGenrePop, kNoGenre},
     0.06, 8,
     {0.05f, 0.70f, 0.85f, 0.45f, 0.20f, -5.0f, 0.07f, 128, 0.42f}},
    {"jazz", ContentKind::kMusic, 0.04, 0.04,
     {"bebop", "smooth jazz", "jazz fusion", ""}, {kGenreClassical, kGenreRnb},
     0.01, 30,
     {0.70f, 0.55f, 0.38f, 0.40f, 0.15f, -12.0f, 0.05f, 112, 0.50f}},
    {"classical", ContentKind::kMusic, 0.04, 0.04,
     {"baroque", "romantic era", "modern classical", "opera"}, {kGenreJazz, kNoGenre},
     0.0, 35,
     {0.92f, 0.28f, 0.15f, 0.85f, 0.12f, -20.0f, 0.04f, 100, 0.22f}},
    {"folk", ContentKind::kMusic, 0.05, 0.05,
     {"indie folk", "americana", "singer-songwriter", ""}, {kGenreRock, kNoGenre},
     0.03, 20,
     {0.70f, 0.52f, 0.40f, 0.05f, 0.15f, -10.0f, 0.04f, 115, 0.45f}},
    {"metal", ContentKind::kMusic, 0.06, 0.05,
     {"heavy metal", "death metal", "metalcore", ""}, {kGenreRock, kNoGenre},
     0.25, 18,
     {0.02f, 0.40f, 0.92f, 0.15f, 0.22f, -4.5f, 0.08f, 135, 0.30f}},
    {"podcast", ContentKind::kPodcast, 0.02, 0.03,
     {"news", "comedy", "true crime", ""}, {kNoGenre, kNoGenre},
     0.15, 4,
     {0.60f, 0.60f, 0.35f, 0.00f, 0.35f, -14.0f, 0.90f, 100, 0.50f}},
    {"audiobook", ContentKind::kAudiobook, 0.01, 0.01,
     {"fiction", "non-fiction", "", ""}, {kNoGenre, kNoGenre},
     0.03, 8,
     {0.80f, 0.55f, 0.20f, 0.00f, 0.20f, -16.0f, 0.93f, 95, 0.45f}},
}};
// clang-format on

constexpr AudioFeatures kAudioMin = {0, 0, 0, 0, 0, -60, 0, 50, 0};
constexpr AudioFeatures kAudioMax = {1, 1, 1, 1, 1, 0, 1, 220, 1};
// An artist has a sound of its own (offset from the genre mean), and its
// tracks vary around it.
constexpr AudioFeatures kArtistAudioSd = {0.08f, 0.07f, 0.07f, 0.08f, 0.04f,
                                          1.5f,  0.03f, 6,     0.10f};
constexpr AudioFeatures kTrackAudioSd = {0.10f, 0.08f, 0.09f, 0.12f, 0.10f,
                                         1.8f,  0.03f, 14,    0.15f};

struct GenreBoost {
  int genre;  // kNoGenre = unused slot
  double factor;
};

struct CountrySpec {
  absl::string_view code;
  double share;  // of users
  std::array<GenreBoost, 3> boosts;
};

constexpr std::array<CountrySpec, 10> kCountries = {{
    {"US", 0.30, {{{kGenreRap, 1.4}, {kGenreRnb, 1.3}, {kGenrePodcast, 1.5}}}},
    {"GB", 0.08, {{{kGenreRock, 1.3}, {kGenreEdm, 1.3}, {kNoGenre, 1}}}},
    {"DE", 0.07, {{{kGenreEdm, 1.8}, {kGenreMetal, 1.6}, {kNoGenre, 1}}}},
    {"SE", 0.04, {{{kGenreEdm, 1.6}, {kGenreMetal, 1.8}, {kGenrePop, 1.2}}}},
    {"BR", 0.12, {{{kGenreLatin, 2.5}, {kNoGenre, 1}, {kNoGenre, 1}}}},
    {"MX", 0.08, {{{kGenreLatin, 3.0}, {kNoGenre, 1}, {kNoGenre, 1}}}},
    {"JP", 0.07, {{{kGenrePop, 2.0}, {kGenreJazz, 1.6}, {kGenreRock, 1.2}}}},
    {"FR", 0.06, {{{kGenreRap, 1.6}, {kGenreEdm, 1.2}, {kNoGenre, 1}}}},
    {"IN",
     0.10,
     {{{kGenrePop, 1.5}, {kGenreFolk, 1.3}, {kGenreClassical, 1.2}}}},
    {"ES", 0.06, {{{kGenreLatin, 2.5}, {kNoGenre, 1}, {kNoGenre, 1}}}},
}};

constexpr int kLatestYear = 2026;
constexpr int kEarliestYear = 1960;
// Zipf exponent of artist popularity by rank.
constexpr double kArtistZipf = 1.2;
// Track counts grow with popularity, but much more slowly than plays do.
constexpr double kTrackCountExponent = 0.5;
// Zipf exponent of a track's share within its artist.
constexpr double kTrackZipf = 0.8;
constexpr double kCrossoverRate = 0.03;    // track in a neighbour genre
constexpr double kHomeSubgenreRate = 0.8;  // track in the artist's subgenre
constexpr double kExplorationRate = 0.10;  // pick by global popularity
constexpr double kActivitySigma = 0.8;     // lognormal shape of activity
constexpr int kMinTracksPerUser = 3;
constexpr int kPicksBeforeUniform = 8;

// How a user treats a track, by how it relates to their taste.
enum Affinity { kFavouriteGenre, kTasteGenre, kOtherGenre, kNumAffinities };

struct ListeningHabit {
  double skip_only_rate;    // tried and abandoned at once
  double extra_plays_mean;  // plays beyond the first
  double skips_mean;        // abandoned plays beside the completed ones
  double like_scale;        // scales the chance of liking
};

constexpr std::array<ListeningHabit, kNumAffinities> kHabits = {{
    {0.04, 6.0, 0.3, 1.0},
    {0.12, 2.5, 0.6, 0.7},
    {0.30, 0.8, 1.2, 0.4},
}};

// ---------------------------------------------------------------------------
// Names. Syllables make names pronounceable; word lists make titles readable.

// Clusters only open a word; inside it, single soft consonants keep names
// like "Kalani" pronounceable.
constexpr std::array<absl::string_view, 27> kFirstOnsets = {
    "",   "b",  "d",  "f",  "g",  "h",  "j",  "k",  "l",
    "m",  "n",  "p",  "r",  "s",  "t",  "v",  "z",  "br",
    "ch", "dr", "fl", "gr", "kr", "sh", "st", "th", "tr"};
constexpr std::array<absl::string_view, 14> kInnerOnsets = {
    "b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "l", "n", "r"};
constexpr std::array<absl::string_view, 8> kVowels = {"a", "e", "i", "o",
                                                      "u", "a", "e", "o"};
constexpr std::array<absl::string_view, 8> kCodas = {"n", "r", "s",  "l",
                                                     "x", "m", "th", "nd"};
constexpr std::array<absl::string_view, 32> kAdjectives = {
    "Golden", "Midnight", "Electric", "Silent",  "Neon",   "Broken",
    "Wild",   "Velvet",   "Crimson",  "Endless", "Lonely", "Burning",
    "Frozen", "Hidden",   "Distant",  "Sweet",   "Paper",  "Silver",
    "Summer", "Northern", "Restless", "Fading",  "Cosmic", "Holy",
    "Little", "Lucky",    "Bitter",   "Gentle",  "Empty",  "Sacred",
    "Savage", "Blue"};
constexpr std::array<absl::string_view, 32> kNouns = {
    "Heart",    "Dreams",  "Skyline", "River",    "Echo",     "Fire",
    "Lights",   "Highway", "Rain",    "Shadows",  "Paradise", "Horizon",
    "Memories", "Roses",   "Thunder", "Ocean",    "Garden",   "Stars",
    "Wolves",   "Mirror",  "Drift",   "Letters",  "Tides",    "Gravity",
    "Static",   "Motion",  "Harbor",  "Diamonds", "Ghosts",   "Waves",
    "Season",   "Signal"};
constexpr std::array<absl::string_view, 6> kShowWords = {
    "Talks", "Radio", "Daily", "Hour", "Weekly", "Podcast"};

template <size_t N>
absl::string_view PickWord(Rng& rng,
                           const std::array<absl::string_view, N>& words) {
  return words[rng.UniformInt(N)];
}

std::string MakeNameWord(Rng& rng) {
  const double u = rng.Uniform();
  const int syllables = u < 0.15 ? 1 : (u < 0.75 ? 2 : 3);
  std::string word;
  for (int i = 0; i < syllables; ++i) {
    absl::StrAppend(
        &word,
        i == 0 ? PickWord(rng, kFirstOnsets) : PickWord(rng, kInnerOnsets),
        PickWord(rng, kVowels));
  }
  // A lone open syllable ("Ka") is too short to read as a name.
  if (syllables == 1 || rng.Bernoulli(0.4)) {
    absl::StrAppend(&word, PickWord(rng, kCodas));
  }
  word[0] = absl::ascii_toupper(static_cast<unsigned char>(word[0]));
  return word;
}

std::string MakeArtistName(Rng& rng, int genre) {
  if (genre == kGenrePodcast) {
    return absl::StrCat(MakeNameWord(rng), " ", PickWord(rng, kShowWords));
  }
  const std::string first = MakeNameWord(rng);
  // Composers, jazz players, songwriters and authors go by their own names.
  if (genre == kGenreClassical || genre == kGenreJazz || genre == kGenreFolk ||
      genre == kGenreAudiobook) {
    return absl::StrCat(first, " ", MakeNameWord(rng));
  }
  const double u = rng.Uniform();
  if (u < 0.45) return absl::StrCat(first, " ", MakeNameWord(rng));
  if (u < 0.65) return first;
  if (u < 0.85) return absl::StrCat(first, " ", PickWord(rng, kNouns));
  return absl::StrCat("The ", PickWord(rng, kAdjectives), " ",
                      PickWord(rng, kNouns));
}

// "tr000042": fixed width (at least six digits) keeps ids sortable.
std::string EntityId(absl::string_view prefix, int64_t index, int width) {
  const std::string digits = absl::StrCat(index);
  const size_t pad = std::max<size_t>(width, digits.size()) - digits.size();
  return absl::StrCat(prefix, std::string(pad, '0'), digits);
}

int IdWidth(int64_t count) {
  return std::max<int>(6, absl::StrCat(std::max<int64_t>(count - 1, 0)).size());
}

// ---------------------------------------------------------------------------
// Catalog.

// Where each genre's sub-genres sit in Catalog::subgenres.
struct SubgenreRanges {
  std::array<uint16_t, kNumGenres> begin{};
  std::array<uint16_t, kNumGenres> count{};
};

SubgenreRanges FillGenreTables(Catalog& catalog) {
  SubgenreRanges ranges;
  for (int g = 0; g < kNumGenres; ++g) {
    catalog.genres.emplace_back(kGenres[g].name);
    ranges.begin[g] = static_cast<uint16_t>(catalog.subgenres.size());
    for (absl::string_view name : kGenres[g].subgenres) {
      if (name.empty()) continue;
      catalog.subgenres.emplace_back(name);
      ++ranges.count[g];
    }
  }
  return ranges;
}

// What the generator knows about an artist beyond catalog.h's Artist.
struct ArtistTraits {
  uint16_t subgenre = 0;  // the artist's home sub-genre
  int16_t debut_year = kLatestYear;
  double explicit_rate = 0;
  AudioFeatures audio_offset{};  // the artist's sound, off the genre mean
};

void GenerateArtists(uint64_t seed, int num_threads,
                     const SubgenreRanges& subgenres, Catalog& catalog,
                     std::vector<ArtistTraits>& traits) {
  std::vector<double> genre_shares;
  for (const GenreSpec& spec : kGenres) {
    genre_shares.push_back(spec.artist_share);
  }
  const std::vector<double> genre_cumulative = RunningSum(genre_shares);
  const int64_t n = static_cast<int64_t>(catalog.artists.size());
  const int width = IdWidth(n);
  ParallelFor(n, num_threads, /*chunk=*/1024, [&](int64_t begin, int64_t end) {
    for (int64_t a = begin; a < end; ++a) {
      Rng rng(StreamSeed(seed, Stream::kArtist, a));
      const int genre =
          static_cast<int>(SampleCumulative(genre_cumulative, rng));
      const GenreSpec& spec = kGenres[genre];
      Artist& artist = catalog.artists[a];
      artist.id = EntityId("ar", a, width);
      artist.genre = static_cast<uint16_t>(genre);
      artist.name = MakeArtistName(rng, genre);
      ArtistTraits& t = traits[a];
      t.subgenre = static_cast<uint16_t>(
          subgenres.begin[genre] + rng.UniformInt(subgenres.count[genre]));
      const double age = std::floor(rng.Exponential(spec.years_since_debut));
      t.debut_year = static_cast<int16_t>(
          std::max<double>(kEarliestYear, kLatestYear - age));
      t.explicit_rate =
          std::min(1.0, spec.explicit_rate * (0.3 + 1.4 * rng.Uniform()));
      for (int f = 0; f < kNumAudioFeatures; ++f) {
        t.audio_offset[f] =
            static_cast<float>(kArtistAudioSd[f] * rng.Normal());
      }
    }
  });
}

// Relative play share of each artist: Zipf over a random popularity ranking,
// so that popularity is not tied to artist ids.
std::vector<double> ArtistWeights(Rng& rng, int64_t num_artists) {
  std::vector<uint32_t> rank(num_artists);
  for (int64_t a = 0; a < num_artists; ++a) rank[a] = static_cast<uint32_t>(a);
  for (int64_t i = num_artists - 1; i > 0; --i) {
    std::swap(rank[i], rank[rng.UniformInt(i + 1)]);
  }
  std::vector<double> weights(num_artists);
  for (int64_t a = 0; a < num_artists; ++a) {
    weights[a] = std::pow(rank[a] + 1.0, -kArtistZipf);
  }
  return weights;
}

// The artist of every track: one each first (so no artist is empty when
// there are enough tracks), the rest drawn so popular artists get more.
std::vector<uint32_t> AssignTracksToArtists(Rng& rng, int64_t num_tracks,
                                            absl::Span<const double> weights) {
  const int64_t num_artists = static_cast<int64_t>(weights.size());
  std::vector<double> track_weights(num_artists);
  for (int64_t a = 0; a < num_artists; ++a) {
    track_weights[a] = std::pow(weights[a], kTrackCountExponent);
  }
  const std::vector<double> cumulative = RunningSum(track_weights);
  std::vector<uint32_t> artist_of(num_tracks);
  for (int64_t t = 0; t < num_tracks; ++t) {
    artist_of[t] = static_cast<uint32_t>(
        t < num_artists ? t : SampleCumulative(cumulative, rng));
  }
  // Shuffled, so that an artist's tracks are spread over the id space.
  for (int64_t i = num_tracks - 1; i > 0; --i) {
    std::swap(artist_of[i], artist_of[rng.UniformInt(i + 1)]);
  }
  return artist_of;
}

struct Taste {
  int num_genres = 0;
  std::array<uint16_t, 3> genres{};  // genres[0] is the favourite
  std::array<double, 3> cumulative_weights{};
};

// Tracks grouped by artist (compressed rows), in track order within each.
struct ArtistTracks {
  std::vector<uint64_t> begin;  // artist -> first position in `tracks`
  std::vector<uint32_t> tracks;
};

ArtistTracks GroupTracksByArtist(int64_t num_artists,
                                 absl::Span<const uint32_t> artist_of) {
  ArtistTracks grouped;
  grouped.begin.assign(num_artists + 1, 0);
  for (uint32_t a : artist_of) ++grouped.begin[a + 1];
  for (int64_t a = 0; a < num_artists; ++a) {
    grouped.begin[a + 1] += grouped.begin[a];
  }
  grouped.tracks.resize(artist_of.size());
  std::vector<uint64_t> next(grouped.begin.begin(), grouped.begin.end() - 1);
  for (size_t t = 0; t < artist_of.size(); ++t) {
    grouped.tracks[next[artist_of[t]]++] = static_cast<uint32_t>(t);
  }
  return grouped;
}

// Relative weight of an artist's k-th track (k from 0): a few hits, many
// album tracks.
double TrackWeightWithinArtist(uint64_t k) {
  return std::pow(static_cast<double>(k + 1), -kTrackZipf);
}

// Expected share of all picks that lands on each track (sums to 1).
std::vector<double> TrackShares(const ArtistTracks& grouped,
                                absl::Span<const double> artist_weights) {
  double total_weight = 0;
  for (double w : artist_weights) total_weight += w;
  std::vector<double> shares(grouped.tracks.size());
  for (size_t a = 0; a < artist_weights.size(); ++a) {
    const uint64_t count = grouped.begin[a + 1] - grouped.begin[a];
    double within = 0;
    for (uint64_t k = 0; k < count; ++k) within += TrackWeightWithinArtist(k);
    for (uint64_t k = 0; k < count; ++k) {
      shares[grouped.tracks[grouped.begin[a] + k]] =
          artist_weights[a] / total_weight * TrackWeightWithinArtist(k) /
          within;
    }
  }
  return shares;
}

// A drawn track with its genre, which decides how the user treats it.
struct TrackRef {
  uint32_t track = 0;
  uint16_t genre = 0;
};

// Where an artist's tracks sit in TrackSampler's per-artist rows.
struct ArtistRange {
  uint64_t begin = 0;
  uint64_t count = 0;
};

// Picks of artists in proportion to their weights, heaviest first.
struct ArtistPicker {
  std::vector<ArtistRange> artists;
  GuidedSampler sampler;
};

// Turns a taste into a track: genre by taste -> artist by popularity ->
// track by its weight within the artist; or, for exploration, artist and
// track by global popularity (which reproduces TrackShares). Thread-safe:
// all methods are const.
class TrackSampler {
 public:
  TrackSampler(const Catalog& catalog, absl::Span<const double> artist_weights,
               const ArtistTracks& grouped)
      : rows_(grouped.tracks.size()) {
    for (size_t i = 0; i < rows_.size(); ++i) {
      const uint32_t t = grouped.tracks[i];
      rows_[i] = {t, catalog.tracks[t].genre};
    }
    // All artists share one running sum of track weights by position.
    uint64_t max_count = 0;
    for (size_t a = 0; a + 1 < grouped.begin.size(); ++a) {
      max_count = std::max(max_count, grouped.begin[a + 1] - grouped.begin[a]);
    }
    std::vector<double> position_weights(max_count);
    for (uint64_t k = 0; k < max_count; ++k) {
      position_weights[k] = TrackWeightWithinArtist(k);
    }
    within_artist_ = RunningSum(position_weights);

    // Heaviest first (ties by index), for GuidedSampler's cache behaviour.
    std::vector<uint32_t> order;
    for (size_t a = 0; a < artist_weights.size(); ++a) {
      if (grouped.begin[a] != grouped.begin[a + 1]) {
        order.push_back(static_cast<uint32_t>(a));
      }
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      return artist_weights[x] > artist_weights[y];
    });
    std::array<std::vector<double>, kNumGenres> genre_weights;
    std::vector<double> all_weights;
    for (uint32_t a : order) {
      const ArtistRange range{grouped.begin[a],
                              grouped.begin[a + 1] - grouped.begin[a]};
      const uint16_t g = catalog.artists[a].genre;
      genre_artists_[g].artists.push_back(range);
      genre_weights[g].push_back(artist_weights[a]);
      all_artists_.artists.push_back(range);
      all_weights.push_back(artist_weights[a]);
    }
    for (int g = 0; g < kNumGenres; ++g) {
      if (!genre_weights[g].empty()) {
        genre_artists_[g].sampler = GuidedSampler(genre_weights[g]);
      }
    }
    all_artists_.sampler = GuidedSampler(all_weights);
  }

  // A track for a user of this taste; repeats are possible.
  TrackRef Draw(Rng& rng, const Taste& taste) const {
    if (rng.Bernoulli(kExplorationRate)) return DrawFrom(all_artists_, rng);
    const double target =
        rng.Uniform() * taste.cumulative_weights[taste.num_genres - 1];
    int pick = 0;
    while (pick + 1 < taste.num_genres &&
           taste.cumulative_weights[pick] <= target) {
      ++pick;
    }
    const ArtistPicker& genre = genre_artists_[taste.genres[pick]];
    // Small catalogs may have no artist in a genre at all.
    return DrawFrom(genre.sampler.empty() ? all_artists_ : genre, rng);
  }

 private:
  TrackRef DrawFrom(const ArtistPicker& picker, Rng& rng) const {
    const ArtistRange& artist = picker.artists[picker.sampler.Draw(rng)];
    const double target = rng.Uniform() * within_artist_[artist.count - 1];
    const auto end = within_artist_.begin() + artist.count;
    const uint64_t k = std::min<uint64_t>(
        std::upper_bound(within_artist_.begin(), end, target) -
            within_artist_.begin(),
        artist.count - 1);
    return rows_[artist.begin + k];
  }

  std::vector<TrackRef> rows_;         // tracks grouped by artist
  std::vector<double> within_artist_;  // running sum by position in a row
  std::array<ArtistPicker, kNumGenres> genre_artists_;
  ArtistPicker all_artists_;
};

float RoundTo(double value, double step) {
  return static_cast<float>(std::round(value / step) * step);
}

void GenerateTracks(uint64_t seed, int num_threads,
                    const SubgenreRanges& subgenres,
                    absl::Span<const ArtistTraits> traits,
                    absl::Span<const uint32_t> artist_of,
                    const ArtistTracks& grouped,
                    absl::Span<const double> track_shares, Catalog& catalog) {
  const int64_t n = static_cast<int64_t>(catalog.tracks.size());
  // Popularity is log-scaled share, like Spotify's: 100 for the top track.
  double min_share = 1, max_share = 0;
  for (double share : track_shares) {
    min_share = std::min(min_share, share);
    max_share = std::max(max_share, share);
  }
  const double log_min = std::log(min_share);
  const double log_range = std::max(std::log(max_share) - log_min, 1e-9);
  const int width = IdWidth(n);
  ParallelFor(n, num_threads, /*chunk=*/1024, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      Rng rng(StreamSeed(seed, Stream::kTrack, t));
      const uint32_t a = artist_of[t];
      const Artist& artist = catalog.artists[a];
      const ArtistTraits& artist_traits = traits[a];
      Track& track = catalog.tracks[t];
      track.id = EntityId("tr", t, width);
      track.title =
          absl::StrCat(PickWord(rng, kAdjectives), " ", PickWord(rng, kNouns));
      track.artist = a;
      int genre = artist.genre;
      const GenreSpec& home = kGenres[genre];
      // An artist's first track stays home: the dataset files have no
      // artists table and give an artist the genre of its first track.
      const bool first_of_artist = grouped.tracks[grouped.begin[a]] == t;
      if (rng.Bernoulli(kCrossoverRate) && !first_of_artist) {
        const int neighbour = home.neighbours[rng.UniformInt(2)];
        if (neighbour != kNoGenre) genre = neighbour;
      }
      const GenreSpec& spec = kGenres[genre];
      track.genre = static_cast<uint16_t>(genre);
      track.subgenre =
          genre == artist.genre && rng.Bernoulli(kHomeSubgenreRate)
              ? artist_traits.subgenre
              : static_cast<uint16_t>(subgenres.begin[genre] +
                                      rng.UniformInt(subgenres.count[genre]));
      const int career = std::min(20, kLatestYear - artist_traits.debut_year);
      track.release_year = static_cast<int16_t>(artist_traits.debut_year +
                                                rng.UniformInt(career + 1));
      track.kind = spec.kind;
      track.explicit_content = rng.Bernoulli(artist_traits.explicit_rate);
      const double popularity =
          100 * (std::log(track_shares[t]) - log_min) / log_range +
          3 * rng.Normal();
      track.popularity =
          static_cast<float>(std::clamp(std::round(popularity), 1.0, 100.0));
      for (int f = 0; f < kNumAudioFeatures; ++f) {
        const double value = spec.mean_audio[f] +
                             artist_traits.audio_offset[f] +
                             kTrackAudioSd[f] * rng.Normal();
        // Three decimals, as analysis services report them.
        track.audio[f] = RoundTo(
            std::clamp<double>(value, kAudioMin[f], kAudioMax[f]), 0.001);
      }
    }
  });
}

// A few tracks are licensed in some countries only, as in real catalogs:
// kRestrictedRate of them are available in one to three demo countries.
void RestrictMarkets(uint64_t seed, Catalog& catalog) {
  constexpr double kRestrictedRate = 0.03;
  MarketSetInterner markets(&catalog);
  for (size_t t = 0; t < catalog.tracks.size(); ++t) {
    Rng rng(StreamSeed(seed, Stream::kMarkets, t));
    if (!rng.Bernoulli(kRestrictedRate)) continue;
    std::vector<std::string> countries;
    const int n = 1 + static_cast<int>(rng.UniformInt(3));
    for (int i = 0; i < n; ++i) {
      countries.emplace_back(
          kCountries[rng.UniformInt(kCountries.size())].code);
    }
    catalog.tracks[t].markets = markets.Intern(std::move(countries));
  }
}

// ---------------------------------------------------------------------------
// Users and their listening.

struct UserProfile {
  int country = 0;
  Taste taste;
  uint32_t num_tracks = 0;  // distinct tracks the user plays or skips
};

struct UserModel {
  std::vector<double> country_cumulative;
  double mean_tracks = 0;
  int64_t max_tracks = 0;
};

// Drawn first from the user's stream, so the profile can be redrawn cheaply
// (the event pass needs it again, and storing it would cost memory).
UserProfile DrawUserProfile(Rng& rng, const UserModel& model) {
  UserProfile profile;
  profile.country =
      static_cast<int>(SampleCumulative(model.country_cumulative, rng));
  std::array<double, kNumGenres> genre_weights;
  for (int g = 0; g < kNumGenres; ++g)
    genre_weights[g] = kGenres[g].taste_share;
  for (const GenreBoost& boost : kCountries[profile.country].boosts) {
    if (boost.genre != kNoGenre) genre_weights[boost.genre] *= boost.factor;
  }
  const double u = rng.Uniform();
  const int num_genres = u < 0.35 ? 1 : (u < 0.75 ? 2 : 3);
  std::array<std::pair<double, uint16_t>, 3> mixture;
  for (int i = 0; i < num_genres; ++i) {
    const std::vector<double> cumulative = RunningSum(genre_weights);
    const size_t g = SampleCumulative(cumulative, rng);
    genre_weights[g] = 0;  // without replacement
    // Skewed weights: most users have one clear favourite.
    mixture[i] = {std::pow(rng.Exponential(1.0), 1.5),
                  static_cast<uint16_t>(g)};
  }
  std::sort(mixture.begin(), mixture.begin() + num_genres,
            [](const auto& x, const auto& y) { return x.first > y.first; });
  Taste& taste = profile.taste;
  taste.num_genres = num_genres;
  double total = 0;
  for (int i = 0; i < num_genres; ++i) {
    total += mixture[i].first;
    taste.genres[i] = mixture[i].second;
    taste.cumulative_weights[i] = total;
  }
  const double drawn =
      std::round(rng.LogNormalWithMean(model.mean_tracks, kActivitySigma));
  const double count = std::min<double>(
      std::max<double>(drawn, kMinTracksPerUser), model.max_tracks);
  profile.num_tracks = static_cast<uint32_t>(count);
  return profile;
}

Affinity AffinityOf(const Taste& taste, uint16_t genre) {
  if (genre == taste.genres[0]) return kFavouriteGenre;
  for (int i = 1; i < taste.num_genres; ++i) {
    if (genre == taste.genres[i]) return kTasteGenre;
  }
  return kOtherGenre;
}

Interaction DrawInteraction(Rng& rng, uint32_t user, uint32_t track,
                            Affinity affinity) {
  const ListeningHabit& habit = kHabits[affinity];
  Interaction interaction;
  interaction.user = user;
  interaction.track = track;
  if (rng.Bernoulli(habit.skip_only_rate)) {
    interaction.skips = 1 + rng.Geometric(0.4);
    return interaction;
  }
  interaction.plays = 1 + rng.Geometric(habit.extra_plays_mean);
  interaction.skips = rng.Geometric(habit.skips_mean);
  // Likes follow repeated listening.
  interaction.liked = rng.Bernoulli(
      habit.like_scale * 0.6 *
      (1 - std::exp(-static_cast<double>(interaction.plays) / 8.0)));
  return interaction;
}

// Fills `out` (one slot per distinct track) with the user's interactions,
// sorted by track.
void GenerateUserInteractions(Rng& rng, uint32_t user,
                              const UserProfile& profile,
                              const TrackSampler& sampler,
                              const Catalog& catalog,
                              absl::flat_hash_set<uint32_t>& seen,
                              absl::Span<Interaction> out) {
  seen.clear();
  for (Interaction& slot : out) {
    TrackRef pick;
    bool fresh = false;
    // Popular tracks collide; after a few tries a uniform pick ends the
    // search fast because a user takes at most half the catalog.
    for (int i = 0; i < kPicksBeforeUniform && !fresh; ++i) {
      pick = sampler.Draw(rng, profile.taste);
      fresh = seen.insert(pick.track).second;
    }
    while (!fresh) {
      pick.track = static_cast<uint32_t>(rng.UniformInt(catalog.tracks.size()));
      pick.genre = catalog.tracks[pick.track].genre;
      fresh = seen.insert(pick.track).second;
    }
    slot = DrawInteraction(rng, user, pick.track,
                           AffinityOf(profile.taste, pick.genre));
  }
  std::sort(out.begin(), out.end(),
            [](const Interaction& x, const Interaction& y) {
              return x.track < y.track;
            });
}

void GenerateUsers(const DemoWorldOptions& options, const TrackSampler& sampler,
                   Dataset& dataset) {
  UserModel model;
  std::vector<double> country_shares;
  for (const CountrySpec& country : kCountries) {
    country_shares.push_back(country.share);
  }
  model.country_cumulative = RunningSum(country_shares);
  model.mean_tracks = options.mean_events_per_user;
  model.max_tracks = options.num_tracks / 2;

  const int64_t n = options.num_users;
  dataset.users.resize(n);
  // First pass: profiles, to size every user's slice of the output so the
  // second pass writes in place (memory stays at the output's size).
  std::vector<uint64_t> offsets(n + 1, 0);
  const int width = IdWidth(n);
  ParallelFor(n, options.num_threads, /*chunk=*/1024,
              [&](int64_t begin, int64_t end) {
                for (int64_t u = begin; u < end; ++u) {
                  Rng rng(StreamSeed(options.seed, Stream::kUser, u));
                  const UserProfile profile = DrawUserProfile(rng, model);
                  dataset.users[u].id = EntityId("u", u, width);
                  dataset.users[u].country =
                      std::string(kCountries[profile.country].code);
                  offsets[u + 1] = profile.num_tracks;
                }
              });
  for (int64_t u = 0; u < n; ++u) offsets[u + 1] += offsets[u];
  dataset.interactions.resize(offsets[n]);

  ParallelFor(n, options.num_threads, /*chunk=*/1024,
              [&](int64_t begin, int64_t end) {
                absl::flat_hash_set<uint32_t> seen;
                for (int64_t u = begin; u < end; ++u) {
                  Rng rng(StreamSeed(options.seed, Stream::kUser, u));
                  const UserProfile profile = DrawUserProfile(rng, model);
                  GenerateUserInteractions(
                      rng, static_cast<uint32_t>(u), profile, sampler,
                      dataset.catalog, seen,
                      absl::MakeSpan(dataset.interactions.data() + offsets[u],
                                     offsets[u + 1] - offsets[u]));
                }
              });
}

absl::Status ValidateOptions(const DemoWorldOptions& options) {
  constexpr int64_t kMaxSize = int64_t{1} << 31;
  if (options.num_users < 1 || options.num_users > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_users must be in [1, 2^31], got ", options.num_users));
  }
  if (options.num_tracks < 1 || options.num_tracks > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_tracks must be in [1, 2^31], got ", options.num_tracks));
  }
  if (options.num_artists < 0 || options.num_artists > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_artists must be in [0, 2^31], got ", options.num_artists));
  }
  if (!(options.mean_events_per_user > 0) ||
      !std::isfinite(options.mean_events_per_user)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean_events_per_user must be positive and finite, got ",
                     options.mean_events_per_user));
  }
  if (options.num_threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_threads must be at least 1, got ", options.num_threads));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DemoId(absl::string_view prefix, int64_t index, int64_t count) {
  return EntityId(prefix, index, IdWidth(count));
}

absl::StatusOr<Dataset> GenerateDemoWorld(const DemoWorldOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  const int64_t num_artists =
      options.num_artists > 0 ? options.num_artists
                              : std::max<int64_t>(1, options.num_tracks / 8);
  Dataset dataset;
  Catalog& catalog = dataset.catalog;
  const SubgenreRanges subgenres = FillGenreTables(catalog);

  catalog.artists.resize(num_artists);
  std::vector<ArtistTraits> traits(num_artists);
  GenerateArtists(options.seed, options.num_threads, subgenres, catalog,
                  traits);

  Rng catalog_rng(StreamSeed(options.seed, Stream::kCatalog, 0));
  const std::vector<double> artist_weights =
      ArtistWeights(catalog_rng, num_artists);
  const std::vector<uint32_t> artist_of =
      AssignTracksToArtists(catalog_rng, options.num_tracks, artist_weights);
  const ArtistTracks grouped = GroupTracksByArtist(num_artists, artist_of);
  const std::vector<double> track_shares = TrackShares(grouped, artist_weights);

  catalog.tracks.resize(options.num_tracks);
  GenerateTracks(options.seed, options.num_threads, subgenres, traits,
                 artist_of, grouped, track_shares, catalog);
  RestrictMarkets(options.seed, catalog);
  const TrackSampler sampler(catalog, artist_weights, grouped);
  GenerateUsers(options, sampler, dataset);
  return dataset;
}

}  // namespace recsys::core
