// A deterministic, seeded generator of a believable music world: genres and
// sub-genres, artists, tracks with audio features, users with tastes, and
// their listening history. It is the default data for demos, tests and
// benchmarks when no real catalog export is at hand.
//
// The world is shaped like real streaming data so that models trained on it
// behave plausibly: artist popularity follows a power law and popular artists
// have more tracks, audio features cluster by genre, users listen mostly
// inside one to three genres (with a country bias), and skips concentrate
// outside a user's favourite genre.
#ifndef RECSYS_CORE_DEMO_WORLD_H_
#define RECSYS_CORE_DEMO_WORLD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"

namespace recsys::core {

struct DemoWorldOptions {
  // Number of users. Default 2000. Must be in [1, 2^31].
  int64_t num_users = 2000;
  // Number of tracks (music, podcast episodes and audiobooks). Default 5000.
  // Must be in [1, 2^31].
  int64_t num_tracks = 5000;
  // Number of artists. Default 0, meaning num_tracks / 8 (at least 1).
  // Must be in [0, 2^31].
  int64_t num_artists = 0;
  // Mean number of distinct tracks per user. Default 40. Per-user counts are
  // lognormal around this mean, at least 3 and at most num_tracks / 2. Must
  // be positive and finite.
  double mean_events_per_user = 40;
  // Seed of every random choice. Default 42. Equal options (ignoring
  // num_threads) give an identical dataset.
  uint64_t seed = 42;
  // Threads used to generate. Default 1. Must be at least 1. The result does
  // not depend on it.
  int num_threads = 1;
};

// Generates the world described by `options`.
//
// On success the dataset holds:
//  - catalog.genres: "pop", "rock", "rap", "r&b", "latin", "edm", "jazz",
//    "classical", "folk", "metal", "podcast", "audiobook" (in this order), and
//    catalog.subgenres: two to four names per genre. A track's subgenre
//    always belongs to its genre; "podcast" and "audiobook" tracks have kind
//    kPodcast and kAudiobook, every other track kMusic.
//  - catalog.artists: options.num_artists artists with ids "ar000000",
//    "ar000001", ... (at least six digits). Every artist has a track when
//    num_tracks >= num_artists, and its first track (lowest index) is in the
//    artist's genre, so files written by WriteDataset keep artist genres.
//  - catalog.tracks: ids "tr000000", ...; popularity in [1, 100]; audio
//    features in their documented ranges (see kAudioFeatureNames); about 3%
//    are available in one to three of the users' countries only
//    (catalog.market_sets), the rest everywhere.
//  - users: ids "u000000", ...; countries are ISO codes, never empty.
//  - interactions: sorted by (user, track), each pair at most once, each with
//    plays > 0 or skips > 0. Every user has min(3, num_tracks / 2) or more.
//
// Returns INVALID_ARGUMENT when a size is out of its documented range,
// mean_events_per_user is not positive and finite, or num_threads < 1.
//
// Time and memory are linear in the output size (1M users x 1M tracks x 40
// events: about 1 GB).
[[nodiscard]] absl::StatusOr<Dataset> GenerateDemoWorld(
    const DemoWorldOptions& options);

// The id the world gives entity `index` of `count` with this prefix ("u",
// "tr", "ar"): DemoId("tr", 42, 1000) is "tr000042". For tools that address
// a demo world's entities without loading it (benchmarks).
std::string DemoId(absl::string_view prefix, int64_t index, int64_t count);

}  // namespace recsys::core

#endif  // RECSYS_CORE_DEMO_WORLD_H_
