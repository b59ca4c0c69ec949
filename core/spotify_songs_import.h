// Imports the TidyTuesday 2020-01-21 "Spotify Songs" table (spotify_songs.csv:
// 32,833 rows, 28,356 tracks, 471 playlists, 6 genres) as a playlist x track
// Dataset: each playlist is a user and each row, one playlist-track
// membership, an implicit interaction. Tracks carry Spotify's audio
// features, so the data exercises content models as well as collaborative
// ones.
//
// Format: a CSV as in dataset_io.h (RFC 4180 quoting, no line breaks inside
// quoted fields, CRLF accepted, columns found by name, others ignored), with
// the required columns
//   track_id, track_name, track_artist, track_popularity (number in
//   [0, 100]), track_album_release_date ("2019-06-14", "2019-06", "2019", or
//   empty = unknown), playlist_name, playlist_id, playlist_genre,
//   playlist_subgenre, and the nine kAudioFeatureNames features (ranges as
//   in dataset_io.h: [0, 1], loudness [-100, 10] dB, tempo [0, 300] bpm).
// Every row's numbers and date are checked, including rows of tracks seen
// before.
//
// Thread safety: ReadSpotifySongs shares no state; concurrent calls are safe.
#ifndef RECSYS_CORE_SPOTIFY_SONGS_IMPORT_H_
#define RECSYS_CORE_SPOTIFY_SONGS_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/catalog.h"

namespace recsys::core {

struct SpotifySongsData {
  // catalog.tracks: one per distinct track_id, in first-seen order, its
  // metadata from its first row: {id = track_id, title = track_name, artist,
  // genre = playlist_genre, subgenre = playlist_subgenre, release_year (0 =
  // unknown), popularity = track_popularity, audio, kind music}.
  // catalog.artists: one per distinct artist id in first-seen order, where
  // the id is track_artist lower-cased (ASCII) with runs of ASCII whitespace
  // collapsed to one space and trimmed; name = track_artist as first seen;
  // genre = the genre of its first track.
  // catalog.genres / subgenres: every playlist_genre / playlist_subgenre
  // value, in first-seen order.
  // users: one per distinct playlist_id in first-seen order {id =
  // playlist_id, country ""}.
  // interactions: one per distinct (playlist, track) {plays = 1, skips 0,
  // liked false}, sorted by (user, track); repeated rows are merged.
  Dataset dataset;

  // By user index: playlist_name of the playlist's first row.
  std::vector<std::string> playlist_names;
  // By user index: index into dataset.catalog.genres of the playlist_genre
  // of the playlist's first row. (A few playlists were collected under more
  // than one genre; their first one is kept.)
  std::vector<uint16_t> playlist_genres;
  // By user index: the playlist's distinct tracks in file order (the order
  // the playlist lists them), for continuation tests.
  std::vector<std::vector<uint32_t>> playlist_tracks;

  struct Report {
    int64_t rows = 0;  // data rows read
    int64_t tracks = 0;
    int64_t artists = 0;
    int64_t playlists = 0;
    int64_t interactions = 0;
    int64_t duplicate_rows = 0;  // rows repeating a (playlist, track) pair
    // Rows whose track_name or track_artist is the literal "NA" (R's missing
    // value), kept as text: the real data has 5.
    int64_t rows_with_na_names = 0;

    // One line of key=value pairs, e.g. "rows=32833 tracks=28356 ...".
    std::string ToString() const;
  };
  Report report;
};

// Reads spotify_songs.csv from `csv_path`.
//
// Returns NOT_FOUND (or the code of the OS error) naming the path when the
// file cannot be opened. Returns INVALID_ARGUMENT as "<path>:<line>:
// <reason>" for malformed input: a missing header or required column
// (named), a wrong field count, an unterminated quote, an empty track_id,
// track_artist, playlist_id or playlist_genre, a number that does not parse
// or is out of its range, or a release date in none of the three formats.
[[nodiscard]] absl::StatusOr<SpotifySongsData> ReadSpotifySongs(
    const std::string& csv_path);

}  // namespace recsys::core

#endif  // RECSYS_CORE_SPOTIFY_SONGS_IMPORT_H_
