// Imports the Spotify artist features table (data_w_genres.csv of Kaggle's
// "Spotify Dataset 1921-2020": 28,680 artists, each with the mean audio
// features of its tracks and its Spotify genres) and joins it, by normalised
// artist name, onto a catalog whose artists lack them, such as Last.fm-2k's:
// the content features that cold-start and "related artists" need.
//
// Format: a CSV as in dataset_io.h (RFC 4180 quoting, no line breaks inside
// quoted fields, CRLF accepted, columns found by name, others ignored, e.g.
// duration_ms, key, mode), with the required columns
//   genres (comma-separated genre names, "[]" or empty = none), artists (the
//   artist's name), the nine kAudioFeatureNames features (ranges as in
//   dataset_io.h: [0, 1], loudness [-100, 10] dB, tempo [0, 300] bpm),
//   popularity (number in [0, 100]), count (integer in [0, 2^32): how many
//   tracks the row's means are over).
//
// Thread safety: ReadArtistFeatures and NormalizeArtistName share no state;
// concurrent calls are safe. JoinArtistFeatures writes its catalog: callers
// must not use that catalog concurrently.
#ifndef RECSYS_CORE_ARTIST_FEATURES_IMPORT_H_
#define RECSYS_CORE_ARTIST_FEATURES_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"

namespace recsys::core {

struct ArtistFeatures {
  std::string name;  // the artists field as in the file (unquoted)
  // The genres field split on ',', each trimmed of ASCII whitespace, empty
  // pieces dropped; "[]" yields none. File order, repeats kept.
  std::vector<std::string> genres;
  AudioFeatures audio{};  // in kAudioFeatureNames order
  float popularity = 0;   // [0, 100]
  int64_t count = 0;      // tracks the row aggregates
};

struct ArtistFeaturesData {
  // One per row in file order, except rows whose NormalizeArtistName equals
  // an earlier row's: the first row is kept (the key is coarse, so a few
  // distinct artists collide, e.g. "Prodigy" and "The Prodigy"). Rows whose
  // name normalises to "" (e.g. "\") are all kept, and never match a catalog
  // artist.
  std::vector<ArtistFeatures> artists;

  struct Report {
    int64_t rows = 0;                 // data rows read
    int64_t artists_with_genres = 0;  // kept artists with >= 1 genre
    int64_t duplicate_names = 0;      // rows dropped as repeated names

    // One line of key=value pairs, e.g. "rows=28680 artists_with_genres=...".
    std::string ToString() const;
  };
  Report report;
};

// Reads data_w_genres.csv from `csv_path`.
//
// Returns NOT_FOUND (or the code of the OS error) naming the path when the
// file cannot be opened. Returns INVALID_ARGUMENT as "<path>:<line>:
// <reason>" for malformed input: a missing header or required column
// (named), a wrong field count, an unterminated quote, an artist name that is
// empty or only whitespace, a number that does not parse or is out of its
// range, or a count that is not a non-negative integer. Every row is checked,
// including rows dropped as duplicates.
[[nodiscard]] absl::StatusOr<ArtistFeaturesData> ReadArtistFeatures(
    const std::string& csv_path);

// The key artist names are joined on: `name` with ASCII letters lower-cased,
// each '&' replaced by "and", a leading "the " dropped (after leading ASCII
// whitespace), and then every byte removed that is neither an ASCII letter or
// digit nor >= 0x80 (so UTF-8 text is kept as it is, not case-folded).
// "The Beatles" -> "beatles"; "Simon & Garfunkel" -> "simonandgarfunkel";
// "AC/DC" -> "acdc"; "!!!" -> "".
std::string NormalizeArtistName(absl::string_view name);

struct ArtistJoinReport {
  int64_t catalog_artists = 0;  // artists in the catalog
  int64_t matched = 0;          // of them, those given a row's features

  // One line of key=value pairs, e.g. "catalog_artists=17632 matched=...".
  std::string ToString() const;
};

// For every artist of `catalog` whose NormalizeArtistName is non-empty and
// equals that of an entry of features.artists: every track of that artist
// gets the entry's audio features (replacing its own), its popularity when
// the track's is 0 (unknown), and each of the entry's genres as a tag with
// count 1 (a genre the track already has as a tag adds 1 to that tag's
// count; new tag pairs are appended). Genre text is interned into
// catalog.tags: an existing equal tag is reused, else the text is appended.
// Artists without a match and their tracks are left unchanged.
ArtistJoinReport JoinArtistFeatures(const ArtistFeaturesData& features,
                                    Catalog& catalog);

}  // namespace recsys::core

#endif  // RECSYS_CORE_ARTIST_FEATURES_IMPORT_H_
