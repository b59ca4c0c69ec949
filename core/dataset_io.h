// Reads and writes the trainer's documented dataset files: a tracks CSV, an
// optional users TSV and an interactions TSV. Real catalog exports and the
// demo world (see demo_world.h) both travel through them.
//
// The reader is lenient where real exports legitimately differ (column order,
// extra columns, CRLF line ends, interactions of tracks that have left the
// catalog) and strict where silent acceptance would corrupt training (bad
// numbers, duplicate ids, ragged rows).
//
// Formats. All files are UTF-8 and start with a header line naming the
// columns; columns are found by name, so their order may vary, and unknown
// columns are ignored. Blank lines are skipped.
//
//  tracks CSV (RFC 4180: comma separated; a field may be double-quoted, ""
//  inside quotes is one quote, quoted fields may contain commas but not line
//  breaks).
//    required: track_id, title, artist_id, artist_name, genre
//    optional: subgenre (default ""), release_year (integer in [0, 9999],
//      0 = unknown), kind (music|podcast|audiobook, default music), explicit
//      (true|false|1|0, default false), popularity (number in [0, 100],
//      default 0), and the nine audio features named as in
//      kAudioFeatureNames (default 0). Features in [0, 1] except loudness in
//      [-100, 10] dB and tempo in [0, 300] bpm: wider than the typical range
//      so that real exports (a few tracks louder than 0 dB, tempo 0 when no
//      beat is found) load.
//    An empty optional field takes its default. Artists are created from
//    (artist_id, artist_name) in first-seen order; an artist's genre is the
//    genre of its first track. Genres and sub-genres are interned into
//    Catalog::genres / Catalog::subgenres in first-seen order.
//  users TSV (optional file).
//    required: user_id; optional: country (stored upper-cased).
//  interactions TSV.
//    required: user_id, track_id, plays (integer in [0, 2^32))
//    optional: skips (same range, default 0), liked (true|false|1|0,
//      default false).
//    Users missing from the users file are appended with an empty country in
//    first-seen order. Rows for the same (user, track) are merged: plays and
//    skips summed (saturating at 2^32 - 1), liked OR-ed. Rows whose track_id
//    is not in the tracks file are counted and skipped: catalogs shrink, and
//    that is not an error.
//
// Thread safety: the functions share no state; concurrent calls on distinct
// files are safe.
#ifndef RECSYS_CORE_DATASET_IO_H_
#define RECSYS_CORE_DATASET_IO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"

namespace recsys::core {

// Paths of one dataset's files.
struct DatasetFiles {
  std::string tracks_csv;
  std::string interactions_tsv;
  std::string users_tsv;  // optional: "" = none
};

// What ReadDataset found, for logs and sanity checks.
struct ImportReport {
  int64_t tracks = 0;
  int64_t artists = 0;
  int64_t users = 0;
  int64_t interaction_rows = 0;       // data rows read, before merging
  int64_t interactions = 0;           // after merging and skipping
  int64_t duplicate_rows_merged = 0;  // rows folded into an earlier row
  int64_t rows_with_unknown_track = 0;

  // One line of key=value pairs, e.g. "tracks=3 artists=2 ...".
  std::string ToString() const;
};

// Reads a dataset from `files` and, when `report` is not null, describes the
// import in it.
//
// On success, users come from the users file in file order, then from the
// interactions file in first-seen order; interactions are sorted by (user,
// track) with every pair once.
// Returns NOT_FOUND (or the code of the OS error) naming the path when a file
// cannot be opened, and INVALID_ARGUMENT as "<path>:<line>: <reason>" for
// malformed input: a missing header or required column (named), a wrong
// field count, an unterminated quote, an empty id, a duplicate track_id or
// user_id (users file), a count that is not a non-negative integer, a
// boolean or kind that is not one of the accepted words, or a number that is
// not finite or is out of its range.
[[nodiscard]] absl::StatusOr<Dataset> ReadDataset(const DatasetFiles& files,
                                                  ImportReport* report);

// Writes `dataset` to the tracks and interactions files, and to the users
// file when its path is not empty; existing files are replaced. CSV fields
// are quoted when needed; floats are written in their shortest form that
// reads back exactly. Artists without tracks are not written (the format has
// no artists file), nor are users without interactions when there is no
// users file.
// Returns INVALID_ARGUMENT, before writing anything, when an index is out of
// range, a track or user id is empty or repeated, or a field cannot be
// represented (a line break anywhere, a tab in a TSV field). Returns the OS
// error's code, naming the path, when a file cannot be written; files may
// then be partly written.
[[nodiscard]] absl::Status WriteDataset(const Dataset& dataset,
                                        const DatasetFiles& files);

// Splits one CSV line into its fields per RFC 4180 (see above); "" yields
// one empty field. A quote inside an unquoted field is kept as text.
// Returns INVALID_ARGUMENT on an unterminated quoted field or text after a
// closing quote.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SplitCsvLine(
    absl::string_view line);

}  // namespace recsys::core

#endif  // RECSYS_CORE_DATASET_IO_H_
