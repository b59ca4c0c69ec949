#include "core/spotify_songs_import.h"

#include <algorithm>
#include <array>
#include <cstdint>
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
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/status_macros.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

constexpr absl::string_view kTrackId = "track_id";
constexpr absl::string_view kTrackName = "track_name";
constexpr absl::string_view kTrackArtist = "track_artist";
constexpr absl::string_view kTrackPopularity = "track_popularity";
constexpr absl::string_view kReleaseDate = "track_album_release_date";
constexpr absl::string_view kPlaylistName = "playlist_name";
constexpr absl::string_view kPlaylistId = "playlist_id";
constexpr absl::string_view kPlaylistGenre = "playlist_genre";
constexpr absl::string_view kPlaylistSubgenre = "playlist_subgenre";

// R writes its missing value as this literal text.
constexpr absl::string_view kRMissing = "NA";

// The table has no artist id. The name, lower-cased and with its spacing
// normalized, is the nearest stable key, and the one other data sets (such
// as Last.fm's artist names) can be joined on. It does merge distinct artists
// whose names differ only in case.
std::string ArtistId(absl::string_view name) {
  return absl::AsciiStrToLower(absl::StrJoin(
      absl::StrSplit(name, absl::ByAnyChar(" \t\n\v\f\r"), absl::SkipEmpty()),
      " "));
}

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// The year of "YYYY-MM-DD", "YYYY-MM" or "YYYY" (month and day may have one
// digit): Spotify dates an album only as precisely as it knows.
std::optional<int16_t> ParseReleaseYear(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  if (parts.size() > 3) return std::nullopt;
  constexpr std::array<size_t, 3> kMinDigits = {4, 1, 1};
  constexpr std::array<size_t, 3> kMaxDigits = {4, 2, 2};
  constexpr std::array<int, 3> kMin = {0, 1, 1};
  constexpr std::array<int, 3> kMax = {9999, 12, 31};
  std::array<int, 3> values = {0, 1, 1};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() < kMinDigits[i] || parts[i].size() > kMaxDigits[i] ||
        !AllDigits(parts[i]) || !absl::SimpleAtoi(parts[i], &values[i]) ||
        values[i] < kMin[i] || values[i] > kMax[i]) {
      return std::nullopt;
    }
  }
  return static_cast<int16_t>(values[0]);
}

struct Columns {
  int track_id;
  int track_name;
  int track_artist;
  int popularity;
  int release_date;
  int playlist_name;
  int playlist_id;
  int playlist_genre;
  int playlist_subgenre;
  std::array<int, kNumAudioFeatures> features;
};

absl::StatusOr<Columns> RequireColumns(const TableReader& reader) {
  Columns c;
  ASSIGN_OR_RETURN(c.track_id, reader.Require(kTrackId));
  ASSIGN_OR_RETURN(c.track_name, reader.Require(kTrackName));
  ASSIGN_OR_RETURN(c.track_artist, reader.Require(kTrackArtist));
  ASSIGN_OR_RETURN(c.popularity, reader.Require(kTrackPopularity));
  ASSIGN_OR_RETURN(c.release_date, reader.Require(kReleaseDate));
  ASSIGN_OR_RETURN(c.playlist_name, reader.Require(kPlaylistName));
  ASSIGN_OR_RETURN(c.playlist_id, reader.Require(kPlaylistId));
  ASSIGN_OR_RETURN(c.playlist_genre, reader.Require(kPlaylistGenre));
  ASSIGN_OR_RETURN(c.playlist_subgenre, reader.Require(kPlaylistSubgenre));
  ASSIGN_OR_RETURN(c.features, RequireAudioFeatureColumns(reader));
  return c;
}

// The per-track fields of the current row, parsed whether or not the track
// is new so that a malformed repeat is still reported.
struct TrackFields {
  int16_t release_year = 0;
  float popularity = 0;
  AudioFeatures audio{};
};

absl::StatusOr<TrackFields> ParseTrackFields(const TableReader& reader,
                                             const Columns& columns) {
  TrackFields fields;
  ASSIGN_OR_RETURN(
      fields.release_year,
      ParseField<int16_t>(reader, columns.release_date, int16_t{0},
                          ParseReleaseYear,
                          "a date as YYYY-MM-DD, YYYY-MM or YYYY"));
  ASSIGN_OR_RETURN(
      fields.popularity,
      ParseField<float>(
          reader, columns.popularity, std::nullopt,
          [](absl::string_view text) { return ParseNumberIn(text, 0, 100); },
          "a number in [0, 100]"));
  ASSIGN_OR_RETURN(fields.audio, ParseAudioFeatures(reader, columns.features));
  return fields;
}

}  // namespace

std::string SpotifySongsData::Report::ToString() const {
  return absl::StrCat("rows=", rows, " tracks=", tracks, " artists=", artists,
                      " playlists=", playlists, " interactions=", interactions,
                      " duplicate_rows=", duplicate_rows,
                      " rows_with_na_names=", rows_with_na_names);
}

absl::StatusOr<SpotifySongsData> ReadSpotifySongs(const std::string& csv_path) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(csv_path, TableFormat::kCsv));
  ASSIGN_OR_RETURN(const Columns columns, RequireColumns(*reader));

  SpotifySongsData data;
  Catalog& catalog = data.dataset.catalog;
  SpotifySongsData::Report& report = data.report;
  IdIndex track_index, artist_index, playlist_index;
  absl::flat_hash_map<std::string, uint16_t> genre_index, subgenre_index;
  // A playlist lists a track once, but the export was collected per
  // (genre, subgenre) query, so one playlist can come back several times.
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> memberships;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ++report.rows;
    ASSIGN_OR_RETURN(const absl::string_view track_id,
                     RequireNonEmpty(*reader, columns.track_id));
    ASSIGN_OR_RETURN(const absl::string_view playlist_id,
                     RequireNonEmpty(*reader, columns.playlist_id));
    ASSIGN_OR_RETURN(const absl::string_view genre_name,
                     RequireNonEmpty(*reader, columns.playlist_genre));
    const absl::string_view artist_name = reader->field(columns.track_artist);
    std::string artist_id = ArtistId(artist_name);
    if (artist_id.empty()) {
      return reader->Error(absl::StrCat("column ", Quote(kTrackArtist),
                                        " is empty: ", Quote(artist_name)));
    }
    ASSIGN_OR_RETURN(const TrackFields fields,
                     ParseTrackFields(*reader, columns));
    ASSIGN_OR_RETURN(
        const uint16_t genre,
        Intern(genre_name, "genres", catalog.genres, genre_index, *reader));
    ASSIGN_OR_RETURN(
        const uint16_t subgenre,
        Intern(reader->field(columns.playlist_subgenre), "subgenres",
               catalog.subgenres, subgenre_index, *reader));
    const absl::string_view track_name = reader->field(columns.track_name);
    if (track_name == kRMissing || artist_name == kRMissing) {
      ++report.rows_with_na_names;
    }

    auto [track, new_track] = track_index.try_emplace(
        track_id, static_cast<uint32_t>(catalog.tracks.size()));
    if (new_track) {
      RETURN_IF_ERROR(CheckIndexRoom(catalog.tracks.size(), "tracks", *reader));
      const auto [artist, new_artist] = artist_index.try_emplace(
          artist_id, static_cast<uint32_t>(catalog.artists.size()));
      if (new_artist) {
        RETURN_IF_ERROR(
            CheckIndexRoom(catalog.artists.size(), "artists", *reader));
        Artist& added = catalog.artists.emplace_back();
        added.id = std::move(artist_id);
        added.name = std::string(artist_name);
        added.genre = genre;
      }
      Track& added = catalog.tracks.emplace_back();
      added.id = std::string(track_id);
      added.title = std::string(track_name);
      added.artist = artist->second;
      added.genre = genre;
      added.subgenre = subgenre;
      added.release_year = fields.release_year;
      added.popularity = fields.popularity;
      added.audio = fields.audio;
    }

    auto [playlist, new_playlist] = playlist_index.try_emplace(
        playlist_id, static_cast<uint32_t>(data.dataset.users.size()));
    if (new_playlist) {
      RETURN_IF_ERROR(
          CheckIndexRoom(data.dataset.users.size(), "playlists", *reader));
      data.dataset.users.emplace_back().id = std::string(playlist_id);
      data.playlist_names.emplace_back(reader->field(columns.playlist_name));
      data.playlist_genres.push_back(genre);
      data.playlist_tracks.emplace_back();
    }

    if (!memberships.emplace(playlist->second, track->second).second) {
      ++report.duplicate_rows;
      continue;
    }
    data.playlist_tracks[playlist->second].push_back(track->second);
    Interaction& x = data.dataset.interactions.emplace_back();
    x.user = playlist->second;
    x.track = track->second;
    x.plays = 1;
  }

  std::sort(data.dataset.interactions.begin(), data.dataset.interactions.end(),
            [](const Interaction& a, const Interaction& b) {
              return std::tie(a.user, a.track) < std::tie(b.user, b.track);
            });
  report.tracks = static_cast<int64_t>(catalog.tracks.size());
  report.artists = static_cast<int64_t>(catalog.artists.size());
  report.playlists = static_cast<int64_t>(data.dataset.users.size());
  report.interactions = static_cast<int64_t>(data.dataset.interactions.size());
  return data;
}

}  // namespace recsys::core
