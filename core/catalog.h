// Domain types shared by every layer: the music catalog (genres, artists,
// tracks with audio features), users, and the interaction events a model is
// trained from. Plain structs; indices into the owning vectors link them.
#ifndef RECSYS_CORE_CATALOG_H_
#define RECSYS_CORE_CATALOG_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace recsys::core {

// The nine audio-analysis features, in this order everywhere (files, vectors).
// Ranges follow Spotify's audio analysis: all in [0, 1] except loudness
// (dB, about [-60, 0]) and tempo (beats per minute, about [50, 220]).
inline constexpr int kNumAudioFeatures = 9;
inline constexpr std::array<absl::string_view, kNumAudioFeatures>
    kAudioFeatureNames = {"acousticness",     "danceability", "energy",
                          "instrumentalness", "liveness",     "loudness",
                          "speechiness",      "tempo",        "valence"};
using AudioFeatures = std::array<float, kNumAudioFeatures>;

enum class ContentKind : uint8_t { kMusic = 0, kPodcast = 1, kAudiobook = 2 };

// "music", "podcast", "audiobook".
absl::string_view ContentKindName(ContentKind kind);
// Returns nullopt when `name` is none of the names above.
std::optional<ContentKind> ParseContentKind(absl::string_view name);

struct Artist {
  std::string id;      // the catalog's opaque id, unique among artists
  std::string name;    // display name
  uint16_t genre = 0;  // index into Catalog::genres
};

struct Track {
  std::string id;  // the catalog's opaque id, unique among tracks
  std::string title;
  uint32_t artist = 0;       // index into Catalog::artists
  uint16_t genre = 0;        // index into Catalog::genres
  uint16_t subgenre = 0;     // index into Catalog::subgenres
  int16_t release_year = 0;  // 0 = unknown
  ContentKind kind = ContentKind::kMusic;
  bool explicit_content = false;
  float popularity = 0;  // catalog popularity in [0, 100], 0 = unknown
  AudioFeatures audio{};
  uint32_t markets = 0;  // index into Catalog::market_sets; 0 = everywhere
  // Free-text tags (user tags, playlist names, ...) as (index into
  // Catalog::tags, count) pairs; used by the content model, not served.
  std::vector<std::pair<uint32_t, float>> tags;
};

struct Catalog {
  std::vector<std::string> genres;     // "pop", "rock", ...
  std::vector<std::string> subgenres;  // "dance pop", "hard rock", ...
  std::vector<Artist> artists;
  std::vector<Track> tracks;
  // The sets of countries tracks are available in, each sorted ISO 3166-1
  // alpha-2 codes. Set 0 is empty and means "everywhere"; a catalog that
  // restricts no track has only it.
  std::vector<std::vector<std::string>> market_sets{{}};
  std::vector<std::string> tags;  // tag text, indexed by Track::tags
};

// True when `track` may be played in `country`; an empty country (unknown)
// sees every track.
bool AvailableIn(const Catalog& catalog, const Track& track,
                 absl::string_view country);

// Interns market sets into a catalog's market_sets while building it.
// REQUIRES: the catalog outlives the interner and nothing else appends to
// market_sets meanwhile.
class MarketSetInterner {
 public:
  explicit MarketSetInterner(Catalog* catalog);
  // The index of `countries` (any order, duplicates allowed) in
  // market_sets, adding the set when new. An empty list is set 0.
  uint32_t Intern(std::vector<std::string> countries);

 private:
  Catalog* catalog_;
  absl::flat_hash_map<std::string, uint32_t> index_;  // joined codes -> set
};

struct User {
  std::string id;       // the catalog's opaque id, unique among users
  std::string country;  // ISO 3166-1 alpha-2, upper case; empty = unknown
};

// What one user did with one track over the data window. A (user, track) pair
// appears at most once in a cleaned dataset.
struct Interaction {
  uint32_t user = 0;   // index into Dataset::users
  uint32_t track = 0;  // index into Catalog::tracks
  uint32_t plays = 0;  // completed (or long enough) plays
  uint32_t skips = 0;  // plays abandoned early
  bool liked = false;  // the user saved or liked the track
};

struct Dataset {
  Catalog catalog;
  std::vector<User> users;
  std::vector<Interaction> interactions;
};

// Adds `more` into `interactions` (both any order): the result is sorted by
// (user, track) with each pair once, plays and skips summed (saturating),
// liked OR-ed.
void MergeInteractions(std::vector<Interaction>& interactions,
                       std::vector<Interaction> more);

struct SupportReport {
  int64_t tracks_below_minimum = 0;  // tracks whose interactions were dropped
  int64_t users_dropped = 0;         // users removed from the dataset
  int64_t interactions_dropped = 0;

  // One line of key=value pairs.
  std::string ToString() const;
};

// Drops what has too little support to learn from, in one pass: first the
// interactions of tracks with fewer than `min_track_users` distinct users
// (the tracks stay in the catalog, served by their content vectors like any
// new track), then the users left with fewer than `min_user_tracks`
// interactions (removed, interactions re-indexed). 0 or 1 keeps everything.
SupportReport DropLowSupport(Dataset& dataset, int min_user_tracks,
                             int min_track_users);

}  // namespace recsys::core

#endif  // RECSYS_CORE_CATALOG_H_
