#include "core/lastfm_import.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/status_macros.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

constexpr absl::string_view kArtistsFile = "artists.dat";
constexpr absl::string_view kUserArtistsFile = "user_artists.dat";
constexpr absl::string_view kTagsFile = "tags.dat";
constexpr absl::string_view kUserTaggedArtistsFile = "user_taggedartists.dat";
constexpr absl::string_view kUserFriendsFile = "user_friends.dat";

constexpr absl::string_view kOtherGenre = "other";
constexpr absl::string_view kIdExpected = "a non-negative integer";

// Ids are looked up as integers, not text, so that "07" in one file finds
// "7" in another.
using NumericIndex = absl::flat_hash_map<int64_t, uint32_t>;
using UserArtist = std::pair<int64_t, int64_t>;  // (userID, artistID)

std::optional<int64_t> ParseId(absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) return std::nullopt;
  return value;
}

absl::StatusOr<int64_t> IdField(const TableReader& reader, int column) {
  return ParseField<int64_t>(reader, column, std::nullopt, ParseId,
                             kIdExpected);
}

absl::StatusOr<std::unique_ptr<TableReader>> OpenTable(
    const LastfmOptions& options, absl::string_view file) {
  return TableReader::Open(absl::StrCat(options.dir, "/", file),
                           TableFormat::kTsv);
}

absl::StatusOr<absl::flat_hash_set<UserArtist>> ParseExcludedPairs(
    const LastfmOptions& options) {
  absl::flat_hash_set<UserArtist> pairs;
  pairs.reserve(options.excluded_pairs.size());
  for (const auto& [user, artist] : options.excluded_pairs) {
    const std::optional<int64_t> user_id = ParseId(user);
    const std::optional<int64_t> artist_id = ParseId(artist);
    if (!user_id.has_value() || !artist_id.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("excluded pair (", Quote(user), ", ", Quote(artist),
                       ") is not two non-negative integer ids"));
    }
    pairs.emplace(*user_id, *artist_id);
  }
  return pairs;
}

// Fills the catalog's artists and their one-to-one tracks; genres are set
// later, once the tags are known.
absl::Status ReadArtists(const LastfmOptions& options, Catalog& catalog,
                         NumericIndex& artist_index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   OpenTable(options, kArtistsFile));
  ASSIGN_OR_RETURN(const int id_col, reader->Require("id"));
  ASSIGN_OR_RETURN(const int name_col, reader->Require("name"));
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    RETURN_IF_ERROR(CheckIndexRoom(catalog.artists.size(), "artists", *reader));
    ASSIGN_OR_RETURN(const int64_t id, IdField(*reader, id_col));
    const auto index = static_cast<uint32_t>(catalog.artists.size());
    if (!artist_index.emplace(id, index).second) {
      return reader->Error(
          absl::StrCat("repeated artist id ", Quote(reader->field(id_col))));
    }
    Artist& artist = catalog.artists.emplace_back();
    artist.id = std::string(reader->field(id_col));
    artist.name = std::string(reader->field(name_col));
    Track& track = catalog.tracks.emplace_back();
    track.id = artist.id;
    track.title = artist.name;
    track.artist = index;
  }
  return absl::OkStatus();
}

absl::Status ReadTags(const LastfmOptions& options,
                      std::vector<std::string>& tag_names,
                      NumericIndex& tag_index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   OpenTable(options, kTagsFile));
  ASSIGN_OR_RETURN(const int id_col, reader->Require("tagID"));
  ASSIGN_OR_RETURN(const int value_col, reader->Require("tagValue"));
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    RETURN_IF_ERROR(CheckIndexRoom(tag_names.size(), "tags", *reader));
    ASSIGN_OR_RETURN(const int64_t id, IdField(*reader, id_col));
    if (!tag_index.emplace(id, static_cast<uint32_t>(tag_names.size()))
             .second) {
      return reader->Error(
          absl::StrCat("repeated tag id ", Quote(reader->field(id_col))));
    }
    tag_names.emplace_back(reader->field(value_col));
  }
  return absl::OkStatus();
}

// Reads the play counts and, from them, the users: ascending ids need every
// row first, so interactions are gathered by raw user id and re-indexed.
absl::Status ReadUserArtists(const LastfmOptions& options,
                             const absl::flat_hash_set<UserArtist>& excluded,
                             const NumericIndex& artist_index, LastfmData& data,
                             NumericIndex& user_index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   OpenTable(options, kUserArtistsFile));
  ASSIGN_OR_RETURN(const int user_col, reader->Require("userID"));
  ASSIGN_OR_RETURN(const int artist_col, reader->Require("artistID"));
  ASSIGN_OR_RETURN(const int weight_col, reader->Require("weight"));
  struct Row {
    int64_t user;
    uint32_t track;
    uint32_t plays;
  };
  std::vector<Row> rows;
  // Two weights for one pair would make the play count ambiguous.
  absl::flat_hash_set<UserArtist> seen;
  // userID -> its text on first sight: ids keep the file's spelling.
  absl::flat_hash_map<int64_t, std::string> user_ids;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ASSIGN_OR_RETURN(const int64_t user, IdField(*reader, user_col));
    ASSIGN_OR_RETURN(const int64_t artist, IdField(*reader, artist_col));
    ASSIGN_OR_RETURN(
        const uint32_t plays,
        ParseField<uint32_t>(*reader, weight_col, std::nullopt, ParseCount,
                             "an integer in [0, 2^32)"));
    const auto track = artist_index.find(artist);
    if (track == artist_index.end()) {
      return reader->Error(absl::StrCat("artistID ",
                                        Quote(reader->field(artist_col)),
                                        " is not in ", kArtistsFile));
    }
    if (!seen.emplace(user, artist).second) {
      return reader->Error(absl::StrCat("repeated (userID, artistID) pair (",
                                        reader->field(user_col), ", ",
                                        reader->field(artist_col), ")"));
    }
    user_ids.try_emplace(user, reader->field(user_col));
    if (excluded.contains(UserArtist(user, artist))) {
      ++data.report.excluded_interactions;
      continue;
    }
    rows.push_back({user, track->second, plays});
  }

  std::vector<int64_t> sorted_ids;
  sorted_ids.reserve(user_ids.size());
  for (const auto& [id, text] : user_ids) sorted_ids.push_back(id);
  std::sort(sorted_ids.begin(), sorted_ids.end());
  data.dataset.users.resize(sorted_ids.size());
  for (size_t i = 0; i < sorted_ids.size(); ++i) {
    data.dataset.users[i].id = std::move(user_ids[sorted_ids[i]]);
    user_index.emplace(sorted_ids[i], static_cast<uint32_t>(i));
  }
  std::vector<Interaction>& interactions = data.dataset.interactions;
  interactions.reserve(rows.size());
  for (const Row& row : rows) {
    Interaction& x = interactions.emplace_back();
    x.user = user_index.at(row.user);
    x.track = row.track;
    x.plays = row.plays;
  }
  std::sort(interactions.begin(), interactions.end(),
            [](const Interaction& a, const Interaction& b) {
              return std::tie(a.user, a.track) < std::tie(b.user, b.track);
            });
  return absl::OkStatus();
}

// Counts, per artist, the distinct users behind each of its tags.
absl::Status ReadTagAssignments(const LastfmOptions& options,
                                const absl::flat_hash_set<UserArtist>& excluded,
                                const NumericIndex& artist_index,
                                const NumericIndex& tag_index,
                                const NumericIndex& user_index,
                                LastfmData& data) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   OpenTable(options, kUserTaggedArtistsFile));
  ASSIGN_OR_RETURN(const int user_col, reader->Require("userID"));
  ASSIGN_OR_RETURN(const int artist_col, reader->Require("artistID"));
  ASSIGN_OR_RETURN(const int tag_col, reader->Require("tagID"));
  struct Assignment {
    uint32_t artist;
    uint32_t tag;
    int64_t user;
    bool operator<(const Assignment& o) const {
      return std::tie(artist, tag, user) < std::tie(o.artist, o.tag, o.user);
    }
    bool operator==(const Assignment& o) const {
      return std::tie(artist, tag, user) == std::tie(o.artist, o.tag, o.user);
    }
  };
  std::vector<Assignment> assignments;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ASSIGN_OR_RETURN(const int64_t user, IdField(*reader, user_col));
    ASSIGN_OR_RETURN(const int64_t artist, IdField(*reader, artist_col));
    ASSIGN_OR_RETURN(const int64_t tag_id, IdField(*reader, tag_col));
    const auto tag = tag_index.find(tag_id);
    if (tag == tag_index.end()) {
      return reader->Error(absl::StrCat("tagID ", Quote(reader->field(tag_col)),
                                        " is not in ", kTagsFile));
    }
    if (excluded.contains(UserArtist(user, artist))) {
      ++data.report.excluded_tag_rows;
      continue;
    }
    // The published files tag artists that artists.dat lacks; with no
    // artist to attach them to, they can only be counted.
    const auto track = artist_index.find(artist);
    if (track == artist_index.end()) {
      ++data.report.tag_rows_unknown_artist;
      continue;
    }
    assignments.push_back({track->second, tag->second, user});
  }

  // Sorting makes repeats of one (artist, tag, user) adjacent, so that a
  // user tagging twice counts once, and groups each artist's tags.
  std::sort(assignments.begin(), assignments.end());
  assignments.erase(std::unique(assignments.begin(), assignments.end()),
                    assignments.end());
  data.report.tag_assignments = static_cast<int64_t>(assignments.size());
  data.artist_tags.assign(data.dataset.catalog.tracks.size(), {});
  for (size_t i = 0; i < assignments.size();) {
    size_t end = i;
    while (end < assignments.size() &&
           assignments[end].artist == assignments[i].artist &&
           assignments[end].tag == assignments[i].tag) {
      ++end;
    }
    data.artist_tags[assignments[i].artist].emplace_back(
        assignments[i].tag, static_cast<int32_t>(end - i));
    i = end;
  }
  // Per user: (tag, distinct artists tagged with it).
  std::vector<std::pair<uint32_t, uint32_t>> user_tag;  // (user, tag)
  for (const Assignment& a : assignments) {
    const auto user = user_index.find(a.user);
    if (user != user_index.end()) user_tag.emplace_back(user->second, a.tag);
  }
  std::sort(user_tag.begin(), user_tag.end());
  data.user_tags.assign(data.dataset.users.size(), {});
  for (size_t i = 0; i < user_tag.size();) {
    size_t end = i;
    while (end < user_tag.size() && user_tag[end] == user_tag[i]) ++end;
    data.user_tags[user_tag[i].first].emplace_back(
        user_tag[i].second, static_cast<int32_t>(end - i));
    i = end;
  }
  for (auto* table : {&data.artist_tags, &data.user_tags}) {
    for (auto& tags : *table) {
      std::sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
    }
  }
  return absl::OkStatus();
}

// Picks the genre tags, names the catalog's genres after them and gives every
// artist (and its track) the genre tag most users applied to it.
void AssignGenres(int num_genre_tags, LastfmData& data) {
  const size_t num_tags = data.tag_names.size();
  std::vector<int64_t> artists_per_tag(num_tags, 0);
  std::vector<int64_t> uses_per_tag(num_tags, 0);
  for (const auto& tags : data.artist_tags) {
    for (const auto& [tag, users] : tags) {
      ++artists_per_tag[tag];
      uses_per_tag[tag] += users;
    }
  }
  std::vector<uint32_t> ranked;
  for (uint32_t tag = 0; tag < num_tags; ++tag) {
    if (artists_per_tag[tag] > 0) ranked.push_back(tag);
  }
  std::sort(ranked.begin(), ranked.end(), [&](uint32_t a, uint32_t b) {
    return std::make_tuple(-artists_per_tag[a], -uses_per_tag[a], a) <
           std::make_tuple(-artists_per_tag[b], -uses_per_tag[b], b);
  });
  ranked.resize(std::min(ranked.size(), static_cast<size_t>(num_genre_tags)));

  Catalog& catalog = data.dataset.catalog;
  catalog.genres.clear();
  catalog.subgenres.assign(1, "");
  // By tag index: its rank among the genre tags (= its genre index), or -1.
  std::vector<int> genre_of_tag(num_tags, -1);
  int other = -1;
  for (uint32_t tag : ranked) {
    genre_of_tag[tag] = static_cast<int>(catalog.genres.size());
    if (data.tag_names[tag] == kOtherGenre) other = genre_of_tag[tag];
    catalog.genres.push_back(data.tag_names[tag]);
  }
  if (other < 0) {
    other = static_cast<int>(catalog.genres.size());
    catalog.genres.emplace_back(kOtherGenre);
  }

  for (size_t a = 0; a < catalog.artists.size(); ++a) {
    int genre = other;
    int32_t best_users = 0;
    for (const auto& [tag, users] : data.artist_tags[a]) {
      const int candidate = genre_of_tag[tag];
      if (candidate < 0) continue;
      if (users > best_users || (users == best_users && candidate < genre)) {
        genre = candidate;
        best_users = users;
      }
    }
    catalog.artists[a].genre = static_cast<uint16_t>(genre);
    catalog.tracks[a].genre = static_cast<uint16_t>(genre);
  }
}

absl::Status ReadFriendships(const LastfmOptions& options,
                             const NumericIndex& user_index, LastfmData& data) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   OpenTable(options, kUserFriendsFile));
  ASSIGN_OR_RETURN(const int user_col, reader->Require("userID"));
  ASSIGN_OR_RETURN(const int friend_col, reader->Require("friendID"));
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ASSIGN_OR_RETURN(const int64_t user, IdField(*reader, user_col));
    ASSIGN_OR_RETURN(const int64_t friend_id, IdField(*reader, friend_col));
    const auto a = user_index.find(user);
    const auto b = user_index.find(friend_id);
    if (a == user_index.end() || b == user_index.end()) continue;
    data.friendships.emplace_back(a->second, b->second);
  }
  return absl::OkStatus();
}

}  // namespace

std::string LastfmData::Report::ToString() const {
  return absl::StrCat("artists=", artists, " users=", users,
                      " interactions=", interactions,
                      " tag_assignments=", tag_assignments,
                      " excluded_interactions=", excluded_interactions,
                      " excluded_tag_rows=", excluded_tag_rows,
                      " tag_rows_unknown_artist=", tag_rows_unknown_artist,
                      " friendships=", friendships);
}

absl::StatusOr<LastfmData> ReadLastfm(const LastfmOptions& options) {
  // Genre indices are uint16_t, and "other" may need one more.
  constexpr int kMaxGenreTags = std::numeric_limits<uint16_t>::max();
  if (options.num_genre_tags < 0 || options.num_genre_tags >= kMaxGenreTags) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_genre_tags must be in [0, ", kMaxGenreTags - 1,
                     "], got ", options.num_genre_tags));
  }
  ASSIGN_OR_RETURN(const absl::flat_hash_set<UserArtist> excluded,
                   ParseExcludedPairs(options));
  LastfmData data;
  NumericIndex artist_index;
  RETURN_IF_ERROR(ReadArtists(options, data.dataset.catalog, artist_index));
  NumericIndex tag_index;
  RETURN_IF_ERROR(ReadTags(options, data.tag_names, tag_index));
  NumericIndex user_index;
  RETURN_IF_ERROR(
      ReadUserArtists(options, excluded, artist_index, data, user_index));
  RETURN_IF_ERROR(ReadTagAssignments(options, excluded, artist_index, tag_index,
                                     user_index, data));
  AssignGenres(options.num_genre_tags, data);
  Catalog& catalog = data.dataset.catalog;
  catalog.tags = data.tag_names;
  for (size_t a = 0; a < catalog.tracks.size(); ++a) {
    for (const auto& [tag, users] : data.artist_tags[a]) {
      catalog.tracks[a].tags.emplace_back(tag, static_cast<float>(users));
    }
  }
  RETURN_IF_ERROR(ReadFriendships(options, user_index, data));

  LastfmData::Report& report = data.report;
  report.artists = static_cast<int64_t>(data.dataset.catalog.artists.size());
  report.users = static_cast<int64_t>(data.dataset.users.size());
  report.interactions = static_cast<int64_t>(data.dataset.interactions.size());
  report.friendships = static_cast<int64_t>(data.friendships.size());
  return data;
}

}  // namespace recsys::core
