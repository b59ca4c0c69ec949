#include "core/artist_features_import.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/catalog.h"
#include "core/status_macros.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

constexpr absl::string_view kGenres = "genres";
constexpr absl::string_view kArtists = "artists";
constexpr absl::string_view kPopularity = "popularity";
constexpr absl::string_view kCount = "count";

// The Kaggle original wrote genre lists as Python lists; this copy turned
// them into plain comma-separated text but left the empty list as it was.
constexpr absl::string_view kNoGenres = "[]";

struct Columns {
  int genres;
  int artists;
  int popularity;
  int count;
  std::array<int, kNumAudioFeatures> features;
};

absl::StatusOr<Columns> RequireColumns(const TableReader& reader) {
  Columns c;
  ASSIGN_OR_RETURN(c.genres, reader.Require(kGenres));
  ASSIGN_OR_RETURN(c.artists, reader.Require(kArtists));
  ASSIGN_OR_RETURN(c.popularity, reader.Require(kPopularity));
  ASSIGN_OR_RETURN(c.count, reader.Require(kCount));
  ASSIGN_OR_RETURN(c.features, RequireAudioFeatureColumns(reader));
  return c;
}

std::vector<std::string> SplitGenres(absl::string_view text) {
  std::vector<std::string> genres;
  if (absl::StripAsciiWhitespace(text) == kNoGenres) return genres;
  for (absl::string_view genre : absl::StrSplit(text, ',')) {
    genre = absl::StripAsciiWhitespace(genre);
    if (!genre.empty()) genres.emplace_back(genre);
  }
  return genres;
}

absl::StatusOr<ArtistFeatures> ParseRow(const TableReader& reader,
                                        const Columns& columns) {
  ArtistFeatures row;
  const absl::string_view name = reader.field(columns.artists);
  if (absl::StripAsciiWhitespace(name).empty()) {
    return reader.Error(
        absl::StrCat("column ", Quote(kArtists), " is empty: ", Quote(name)));
  }
  row.name = std::string(name);
  row.genres = SplitGenres(reader.field(columns.genres));
  ASSIGN_OR_RETURN(row.audio, ParseAudioFeatures(reader, columns.features));
  ASSIGN_OR_RETURN(row.popularity, ParseField<float>(
                                       reader, columns.popularity, std::nullopt,
                                       [](absl::string_view text) {
                                         return ParseNumberIn(text, 0, 100);
                                       },
                                       "a number in [0, 100]"));
  ASSIGN_OR_RETURN(const uint32_t count,
                   ParseField<uint32_t>(reader, columns.count, std::nullopt,
                                        ParseCount, "a non-negative integer"));
  row.count = count;
  return row;
}

// Adds `count` to `tag` in `tags`, appending the pair when the track lacks
// the tag: a track carries a tag once.
void AddTag(uint32_t tag, float count,
            std::vector<std::pair<uint32_t, float>>& tags) {
  for (auto& [existing, existing_count] : tags) {
    if (existing == tag) {
      existing_count += count;
      return;
    }
  }
  tags.emplace_back(tag, count);
}

}  // namespace

std::string ArtistFeaturesData::Report::ToString() const {
  return absl::StrCat("rows=", rows,
                      " artists_with_genres=", artists_with_genres,
                      " duplicate_names=", duplicate_names);
}

std::string ArtistJoinReport::ToString() const {
  return absl::StrCat("catalog_artists=", catalog_artists,
                      " matched=", matched);
}

std::string NormalizeArtistName(absl::string_view name) {
  std::string lowered = absl::AsciiStrToLower(name);
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(lowered);
  absl::ConsumePrefix(&rest, "the ");
  std::string key;
  key.reserve(rest.size());
  for (const char c : rest) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '&') {
      key += "and";
    } else if (absl::ascii_isalnum(byte) || byte >= 0x80) {
      key += c;
    }
  }
  return key;
}

absl::StatusOr<ArtistFeaturesData> ReadArtistFeatures(
    const std::string& csv_path) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(csv_path, TableFormat::kCsv));
  ASSIGN_OR_RETURN(const Columns columns, RequireColumns(*reader));

  ArtistFeaturesData data;
  ArtistFeaturesData::Report& report = data.report;
  absl::flat_hash_set<std::string> seen_keys;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ++report.rows;
    ASSIGN_OR_RETURN(ArtistFeatures row, ParseRow(*reader, columns));
    // Names without a key cannot be joined, so they cannot collide either;
    // keeping them all loses nothing.
    const std::string key = NormalizeArtistName(row.name);
    if (!key.empty() && !seen_keys.insert(key).second) {
      ++report.duplicate_names;
      continue;
    }
    if (!row.genres.empty()) ++report.artists_with_genres;
    data.artists.push_back(std::move(row));
  }
  return data;
}

ArtistJoinReport JoinArtistFeatures(const ArtistFeaturesData& features,
                                    Catalog& catalog) {
  absl::flat_hash_map<std::string, const ArtistFeatures*> by_key;
  for (const ArtistFeatures& row : features.artists) {
    std::string key = NormalizeArtistName(row.name);
    if (!key.empty()) by_key.try_emplace(std::move(key), &row);
  }

  ArtistJoinReport report;
  report.catalog_artists = static_cast<int64_t>(catalog.artists.size());
  std::vector<const ArtistFeatures*> match(catalog.artists.size(), nullptr);
  for (size_t a = 0; a < catalog.artists.size(); ++a) {
    const std::string key = NormalizeArtistName(catalog.artists[a].name);
    if (key.empty()) continue;
    const auto it = by_key.find(key);
    if (it == by_key.end()) continue;
    match[a] = it->second;
    ++report.matched;
  }

  // The first of equal tag texts wins, as a lookup by text would find it.
  absl::flat_hash_map<std::string, uint32_t> tag_index;
  for (size_t t = 0; t < catalog.tags.size(); ++t) {
    tag_index.try_emplace(catalog.tags[t], static_cast<uint32_t>(t));
  }
  for (Track& track : catalog.tracks) {
    if (track.artist >= match.size() || match[track.artist] == nullptr) {
      continue;
    }
    const ArtistFeatures& row = *match[track.artist];
    track.audio = row.audio;
    if (track.popularity == 0) track.popularity = row.popularity;
    for (const std::string& genre : row.genres) {
      const auto [it, added] = tag_index.try_emplace(
          genre, static_cast<uint32_t>(catalog.tags.size()));
      if (added) catalog.tags.push_back(genre);
      AddTag(it->second, 1, track.tags);
    }
  }
  return report;
}

}  // namespace recsys::core
