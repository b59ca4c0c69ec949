// Imports the HetRec 2011 Last.fm-2k dataset (hetrec2011-lastfm-2k: 1,892
// users, 17,632 artists, 92,834 user-artist play counts, 186,479 tag
// assignments, 25,434 friend pairs) as a Dataset whose items are ARTISTS,
// plus the side information that evaluations and content models use: each
// artist's tags and the users' friendships.
//
// Files, all in one folder, tab separated with a header line naming the
// columns (found by name; other columns are ignored); ids are non-negative
// integers:
//   artists.dat             id, name (url, pictureURL ignored)
//   user_artists.dat        userID, artistID, weight (play count)
//   tags.dat                tagID, tagValue (Latin-1 in the original, not
//                           UTF-8: tag text is kept as raw bytes)
//   user_taggedartists.dat  userID, artistID, tagID (day, month, year ignored)
//   user_friends.dat        userID, friendID
//
// Thread safety: ReadLastfm shares no state; concurrent calls are safe.
#ifndef RECSYS_CORE_LASTFM_IMPORT_H_
#define RECSYS_CORE_LASTFM_IMPORT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "core/catalog.h"

namespace recsys::core {

struct LastfmOptions {
  // The folder holding the five .dat files. Required.
  std::string dir;

  // How many tags become the catalog's genres: the tags applied to the most
  // distinct artists (ties: more tag assignments, then the earlier line of
  // tags.dat). Default 40; 0 makes every artist "other". Must be in
  // [0, 65534].
  int num_genre_tags = 40;

  // (userID, artistID) pairs, as id strings, to keep out of the data
  // entirely: their user_artists.dat row AND that user's tag rows for that
  // artist are dropped (and counted in the report), so that an evaluation's
  // test pairs cannot leak into training through tags. Ids compare as
  // integers ("007" matches "7"). Default: none.
  absl::flat_hash_set<std::pair<std::string, std::string>> excluded_pairs;
};

struct LastfmData {
  // Items are artists. For every line of artists.dat, in file order, one
  // Artist {id = the raw id text, name as given, genre} and one Track at the
  // same index {id = the artist's id, title = the artist's name, artist =
  // that artist, genre = the artist's genre, subgenre = 0 (catalog.subgenres
  // is {""}), kind music, release_year 0, popularity 0, audio all 0}.
  //
  // catalog.genres: the num_genre_tags genre tags' text in rank order (see
  // LastfmOptions), then "other" (once, even when a genre tag is itself named
  // "other"). An artist's genre is the genre tag applied to it by the most
  // users; ties go to the higher-ranked tag; "other" when it has none.
  //
  // users: every userID of user_artists.dat, ascending by numeric id, with
  // an empty country; a user whose every row is excluded is still listed.
  // interactions: one per kept user_artists.dat row {plays = weight, skips
  // 0, liked false}, sorted by (user, track).
  // catalog.tags = tag_names, and each track's tags are its artist_tags (the
  // content model's text block).
  Dataset dataset;

  // Tag text by tag index; tag indices follow tags.dat's line order.
  std::vector<std::string> tag_names;

  // By track (= artist) index: (tag index, number of distinct users who
  // applied that tag to the artist), sorted by count descending, ties by tag
  // index ascending. Excluded pairs' tag rows do not count.
  std::vector<std::vector<std::pair<uint32_t, int32_t>>> artist_tags;

  // By user index: (tag index, number of distinct artists the user applied
  // the tag to), sorted like artist_tags. Tag rows of users without a
  // user_artists.dat row, and excluded pairs' rows, do not count.
  std::vector<std::vector<std::pair<uint32_t, int32_t>>> user_tags;

  // (user index, friend's user index) for each user_friends.dat row whose
  // two users are both in `dataset.users`, in file order. The file lists
  // each friendship in both directions, and so does this.
  std::vector<std::pair<uint32_t, uint32_t>> friendships;

  struct Report {
    int64_t artists = 0;
    int64_t users = 0;
    int64_t interactions = 0;           // after exclusions
    int64_t tag_assignments = 0;        // distinct (user, artist, tag) kept
    int64_t excluded_interactions = 0;  // user_artists.dat rows dropped
    int64_t excluded_tag_rows = 0;      // user_taggedartists.dat rows dropped
    // Tag rows whose artistID is not in artists.dat: skipped, not an error
    // (the real data has 1,538 such rows, on 390 artist ids).
    int64_t tag_rows_unknown_artist = 0;
    int64_t friendships = 0;  // entries of `friendships`

    // One line of key=value pairs, e.g. "artists=17632 users=1892 ...".
    std::string ToString() const;
  };
  Report report;
};

// Reads the Last.fm-2k files from options.dir.
//
// Returns NOT_FOUND (or the code of the OS error) naming the path when a
// file cannot be opened. Returns INVALID_ARGUMENT as "<path>:<line>:
// <reason>" for a malformed file: a missing header or required column
// (named), a wrong field count, an id that is not a non-negative integer, a
// weight that is not an integer in [0, 2^32), a repeated artist or tag id, a
// repeated (userID, artistID) in user_artists.dat, a user_artists.dat row
// whose artist is not in artists.dat, or a tag row whose tag is not in
// tags.dat. Returns INVALID_ARGUMENT without a path for options out of range
// or an excluded pair whose ids are not non-negative integers.
[[nodiscard]] absl::StatusOr<LastfmData> ReadLastfm(
    const LastfmOptions& options);

}  // namespace recsys::core

#endif  // RECSYS_CORE_LASTFM_IMPORT_H_
