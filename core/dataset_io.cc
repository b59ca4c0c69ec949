#include "core/dataset_io.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

// Column names, shared by reader and writer.
constexpr absl::string_view kTrackId = "track_id";
constexpr absl::string_view kTitle = "title";
constexpr absl::string_view kArtistId = "artist_id";
constexpr absl::string_view kArtistName = "artist_name";
constexpr absl::string_view kGenre = "genre";
constexpr absl::string_view kSubgenre = "subgenre";
constexpr absl::string_view kReleaseYear = "release_year";
constexpr absl::string_view kKind = "kind";
constexpr absl::string_view kExplicit = "explicit";
constexpr absl::string_view kPopularity = "popularity";
constexpr absl::string_view kAvailableMarkets = "available_markets";
constexpr absl::string_view kTags = "tags";
constexpr absl::string_view kUserId = "user_id";
constexpr absl::string_view kCountry = "country";
constexpr absl::string_view kPlays = "plays";
constexpr absl::string_view kSkips = "skips";
constexpr absl::string_view kLiked = "liked";

constexpr int kMaxYear = 9999;

// Field parsers: nullopt when the text is not a valid value.

std::optional<bool> ParseBool(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text == "1" || absl::EqualsIgnoreCase(text, "true")) return true;
  if (text == "0" || absl::EqualsIgnoreCase(text, "false")) return false;
  return std::nullopt;
}

std::optional<int16_t> ParseYear(absl::string_view text) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0 || value > kMaxYear) {
    return std::nullopt;
  }
  return static_cast<int16_t>(value);
}

std::optional<ContentKind> ParseKind(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::optional<ContentKind> kind = ParseContentKind(text);
  if (!kind.has_value()) kind = ParseContentKind(absl::AsciiStrToLower(text));
  return kind;
}

absl::Status ReadTracks(const std::string& path, Catalog& catalog,
                        IdIndex& track_index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(path, TableFormat::kCsv));
  ASSIGN_OR_RETURN(const int track_id_col, reader->Require(kTrackId));
  ASSIGN_OR_RETURN(const int title_col, reader->Require(kTitle));
  ASSIGN_OR_RETURN(const int artist_id_col, reader->Require(kArtistId));
  ASSIGN_OR_RETURN(const int artist_name_col, reader->Require(kArtistName));
  ASSIGN_OR_RETURN(const int genre_col, reader->Require(kGenre));
  const int subgenre_col = reader->Find(kSubgenre);
  const int year_col = reader->Find(kReleaseYear);
  const int kind_col = reader->Find(kKind);
  const int explicit_col = reader->Find(kExplicit);
  const int popularity_col = reader->Find(kPopularity);
  const int markets_col = reader->Find(kAvailableMarkets);
  MarketSetInterner markets(&catalog);
  const int tags_col = reader->Find(kTags);
  absl::flat_hash_map<std::string, uint32_t> tag_index;
  std::array<int, kNumAudioFeatures> feature_cols;
  std::array<FeatureRange, kNumAudioFeatures> feature_ranges;
  std::array<std::string, kNumAudioFeatures> feature_expected;
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    feature_cols[f] = reader->Find(kAudioFeatureNames[f]);
    feature_ranges[f] = AudioFeatureRange(kAudioFeatureNames[f]);
    feature_expected[f] = absl::StrCat("a number in [", feature_ranges[f].min,
                                       ", ", feature_ranges[f].max, "]");
  }

  IdIndex artist_index;
  absl::flat_hash_map<std::string, uint16_t> genre_index, subgenre_index;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    RETURN_IF_ERROR(CheckIndexRoom(catalog.tracks.size(), "tracks", *reader));
    Track track;
    ASSIGN_OR_RETURN(const absl::string_view track_id,
                     RequireNonEmpty(*reader, track_id_col));
    if (!track_index
             .emplace(std::string(track_id),
                      static_cast<uint32_t>(catalog.tracks.size()))
             .second) {
      return reader->Error(
          absl::StrCat("repeated ", kTrackId, " ", Quote(track_id)));
    }
    track.id = std::string(track_id);
    track.title = std::string(reader->field(title_col));
    ASSIGN_OR_RETURN(const absl::string_view genre,
                     RequireNonEmpty(*reader, genre_col));
    ASSIGN_OR_RETURN(track.genre, Intern(genre, "genres", catalog.genres,
                                         genre_index, *reader));
    ASSIGN_OR_RETURN(track.subgenre,
                     Intern(reader->field(subgenre_col), "subgenres",
                            catalog.subgenres, subgenre_index, *reader));
    ASSIGN_OR_RETURN(const absl::string_view artist_id,
                     RequireNonEmpty(*reader, artist_id_col));
    const auto [artist, inserted] = artist_index.emplace(
        std::string(artist_id), static_cast<uint32_t>(catalog.artists.size()));
    if (inserted) {
      RETURN_IF_ERROR(
          CheckIndexRoom(catalog.artists.size(), "artists", *reader));
      Artist& added = catalog.artists.emplace_back();
      added.id = std::string(artist_id);
      added.name = std::string(reader->field(artist_name_col));
      added.genre = track.genre;
    }
    track.artist = artist->second;
    ASSIGN_OR_RETURN(track.release_year,
                     ParseField<int16_t>(*reader, year_col, int16_t{0},
                                         ParseYear, "a year in [0, 9999]"));
    ASSIGN_OR_RETURN(track.kind, ParseField<ContentKind>(
                                     *reader, kind_col, ContentKind::kMusic,
                                     ParseKind, "music, podcast or audiobook"));
    ASSIGN_OR_RETURN(track.explicit_content,
                     ParseField<bool>(*reader, explicit_col, false, ParseBool,
                                      "a boolean (true, false, 1 or 0)"));
    const auto parse_in = [](FeatureRange range) {
      return [range](absl::string_view text) {
        return ParseNumberIn(text, range.min, range.max);
      };
    };
    ASSIGN_OR_RETURN(
        track.popularity,
        ParseField<float>(*reader, popularity_col, 0.0f, parse_in({0, 100}),
                          "a number in [0, 100]"));
    for (int f = 0; f < kNumAudioFeatures; ++f) {
      ASSIGN_OR_RETURN(
          track.audio[f],
          ParseField<float>(*reader, feature_cols[f], 0.0f,
                            parse_in(feature_ranges[f]), feature_expected[f]));
    }
    std::vector<std::string> countries;
    for (absl::string_view code :
         absl::StrSplit(reader->field(markets_col), ' ', absl::SkipEmpty())) {
      if (code.size() != 2 || !absl::ascii_isalpha(code[0]) ||
          !absl::ascii_isalpha(code[1])) {
        return reader->Error(absl::StrCat(
            "column '", kAvailableMarkets,
            "' must be space-separated two-letter country codes, got ",
            Quote(code)));
      }
      countries.push_back(absl::AsciiStrToUpper(code));
    }
    track.markets = markets.Intern(std::move(countries));
    for (absl::string_view entry :
         absl::StrSplit(reader->field(tags_col), ';', absl::SkipWhitespace())) {
      entry = absl::StripAsciiWhitespace(entry);
      float count = 1;
      if (const size_t colon = entry.rfind(':'); colon != entry.npos) {
        if (!absl::SimpleAtof(entry.substr(colon + 1), &count) ||
            !std::isfinite(count) || count <= 0) {
          return reader->Error(
              absl::StrCat("column '", kTags, "' entry ", Quote(entry),
                           " must be tag or tag:count with a positive count"));
        }
        entry = absl::StripAsciiWhitespace(entry.substr(0, colon));
      }
      if (entry.empty()) continue;
      const auto [it, added] = tag_index.emplace(
          std::string(entry), static_cast<uint32_t>(catalog.tags.size()));
      if (added) catalog.tags.emplace_back(entry);
      track.tags.emplace_back(it->second, count);
    }
    catalog.tracks.push_back(std::move(track));
  }
  return absl::OkStatus();
}

absl::Status ReadUsers(const std::string& path, std::vector<User>& users,
                       IdIndex& user_index) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(path, TableFormat::kTsv));
  ASSIGN_OR_RETURN(const int user_id_col, reader->Require(kUserId));
  const int country_col = reader->Find(kCountry);
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    RETURN_IF_ERROR(CheckIndexRoom(users.size(), "users", *reader));
    ASSIGN_OR_RETURN(const absl::string_view user_id,
                     RequireNonEmpty(*reader, user_id_col));
    if (!user_index
             .emplace(std::string(user_id), static_cast<uint32_t>(users.size()))
             .second) {
      return reader->Error(
          absl::StrCat("repeated ", kUserId, " ", Quote(user_id)));
    }
    User& user = users.emplace_back();
    user.id = std::string(user_id);
    user.country = absl::AsciiStrToUpper(
        absl::StripAsciiWhitespace(reader->field(country_col)));
  }
  return absl::OkStatus();
}

absl::Status ReadInteractions(const std::string& path,
                              const IdIndex& track_index, Dataset& dataset,
                              IdIndex& user_index, ImportReport& report) {
  ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader,
                   TableReader::Open(path, TableFormat::kTsv));
  ASSIGN_OR_RETURN(const int user_id_col, reader->Require(kUserId));
  ASSIGN_OR_RETURN(const int track_id_col, reader->Require(kTrackId));
  ASSIGN_OR_RETURN(const int plays_col, reader->Require(kPlays));
  const int skips_col = reader->Find(kSkips);
  const int liked_col = reader->Find(kLiked);
  constexpr absl::string_view kCountExpected = "a non-negative integer";
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, reader->Next());
    if (!has_row) break;
    ++report.interaction_rows;
    ASSIGN_OR_RETURN(const absl::string_view user_id,
                     RequireNonEmpty(*reader, user_id_col));
    ASSIGN_OR_RETURN(const absl::string_view track_id,
                     RequireNonEmpty(*reader, track_id_col));
    Interaction interaction;
    // Parsed before the track lookup so that malformed rows are reported
    // even when their track is unknown.
    ASSIGN_OR_RETURN(interaction.plays,
                     ParseField<uint32_t>(*reader, plays_col, std::nullopt,
                                          ParseCount, kCountExpected));
    ASSIGN_OR_RETURN(interaction.skips,
                     ParseField<uint32_t>(*reader, skips_col, 0u, ParseCount,
                                          kCountExpected));
    ASSIGN_OR_RETURN(interaction.liked,
                     ParseField<bool>(*reader, liked_col, false, ParseBool,
                                      "a boolean (true, false, 1 or 0)"));
    const auto track = track_index.find(track_id);
    if (track == track_index.end()) {
      ++report.rows_with_unknown_track;
      continue;
    }
    interaction.track = track->second;
    auto user = user_index.find(user_id);
    if (user == user_index.end()) {
      RETURN_IF_ERROR(CheckIndexRoom(dataset.users.size(), "users", *reader));
      user = user_index
                 .emplace(std::string(user_id),
                          static_cast<uint32_t>(dataset.users.size()))
                 .first;
      dataset.users.emplace_back().id = std::string(user_id);
    }
    interaction.user = user->second;
    dataset.interactions.push_back(interaction);
  }
  return absl::OkStatus();
}

uint32_t SaturatingAdd(uint32_t a, uint32_t b) {
  const uint64_t sum = uint64_t{a} + b;
  return static_cast<uint32_t>(
      std::min<uint64_t>(sum, std::numeric_limits<uint32_t>::max()));
}

// Sorts by (user, track) and folds repeated pairs into one; returns the
// number of rows folded. Sorting (rather than a hash map of pairs) keeps
// memory at the interactions themselves, and exports already in order skip
// the sort.
int64_t SortAndMerge(std::vector<Interaction>& interactions) {
  const auto key = [](const Interaction& x) {
    return std::make_pair(x.user, x.track);
  };
  const auto by_key = [&](const Interaction& x, const Interaction& y) {
    return key(x) < key(y);
  };
  if (!std::is_sorted(interactions.begin(), interactions.end(), by_key)) {
    // Not stable_sort: its buffer would double peak memory, and merging is
    // order-independent.
    std::sort(interactions.begin(), interactions.end(), by_key);
  }
  size_t kept = 0;
  for (size_t i = 0; i < interactions.size(); ++i) {
    const Interaction& x = interactions[i];
    if (kept > 0 && key(interactions[kept - 1]) == key(x)) {
      Interaction& merged = interactions[kept - 1];
      merged.plays = SaturatingAdd(merged.plays, x.plays);
      merged.skips = SaturatingAdd(merged.skips, x.skips);
      merged.liked = merged.liked || x.liked;
    } else {
      interactions[kept++] = x;
    }
  }
  const int64_t merged = static_cast<int64_t>(interactions.size() - kept);
  interactions.resize(kept);
  return merged;
}

// ---------------------------------------------------------------------------
// Writing.

// Buffered output to one file; the first error sticks and Close() reports it.
class FileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<FileWriter>> Open(
      const std::string& path) {
    errno = 0;
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return OpenError(path, "writing", errno);
    return std::unique_ptr<FileWriter>(new FileWriter(path, file));
  }

  ~FileWriter() {
    if (file_ != nullptr) std::fclose(file_);
  }

  // Appending goes to buffer(); call EndLine() after each line.
  std::string& buffer() { return buffer_; }

  void EndLine() {
    buffer_.push_back('\n');
    if (buffer_.size() >= kIoBufferBytes) Flush();
  }

  absl::Status Close() {
    Flush();
    std::FILE* file = std::exchange(file_, nullptr);
    if (std::fclose(file) != 0 && error_ == 0) error_ = errno;
    if (error_ != 0) {
      return absl::ErrnoToStatus(error_,
                                 absl::StrCat("cannot write '", path_, "'"));
    }
    return absl::OkStatus();
  }

 private:
  FileWriter(const std::string& path, std::FILE* file)
      : path_(path), file_(file) {
    buffer_.reserve(kIoBufferBytes + 4096);
  }

  void Flush() {
    if (error_ == 0 && !buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_) !=
            buffer_.size()) {
      error_ = errno != 0 ? errno : EIO;
    }
    buffer_.clear();
  }

  const std::string path_;
  std::FILE* file_;
  std::string buffer_;
  int error_ = 0;
};

// Shortest text that reads back as exactly `value`.
void AppendFloat(std::string& out, float value) {
  std::array<char, 32> text;
  const auto [end, error] =
      std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), end);
}

void AppendCsvField(std::string& out, absl::string_view field) {
  if (field.find_first_of(",\"") == absl::string_view::npos) {
    out.append(field.data(), field.size());
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

absl::Status CheckField(absl::string_view field, absl::string_view what,
                        TableFormat format) {
  const absl::string_view forbidden =
      format == TableFormat::kTsv ? absl::string_view("\t\r\n", 3) : "\r\n";
  if (field.find_first_of(forbidden) != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", Quote(field), " contains a ",
                     format == TableFormat::kTsv ? "tab or " : "",
                     "line break, which the file format cannot hold"));
  }
  return absl::OkStatus();
}

// Ids must be non-empty and unique to survive a round trip.
absl::Status CheckId(absl::string_view id, absl::string_view what,
                     absl::flat_hash_set<absl::string_view>& seen,
                     TableFormat format) {
  if (id.empty())
    return absl::InvalidArgumentError(absl::StrCat("empty ", what));
  if (!seen.insert(id).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("repeated ", what, " ", Quote(id)));
  }
  return CheckField(id, what, format);
}

absl::Status ValidateForWriting(const Dataset& dataset) {
  const Catalog& catalog = dataset.catalog;
  for (const std::string& genre : catalog.genres) {
    RETURN_IF_ERROR(CheckField(genre, "genre", TableFormat::kCsv));
  }
  for (const std::string& subgenre : catalog.subgenres) {
    RETURN_IF_ERROR(CheckField(subgenre, "subgenre", TableFormat::kCsv));
  }
  for (const std::string& tag : catalog.tags) {
    RETURN_IF_ERROR(CheckField(tag, "tag", TableFormat::kCsv));
    // ';' separates tags and ':' a tag from its count in the tags column.
    if (tag.find_first_of(";:") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag ", Quote(tag), " contains ';' or ':'"));
    }
  }
  absl::flat_hash_set<absl::string_view> ids;
  for (const Artist& artist : catalog.artists) {
    RETURN_IF_ERROR(CheckId(artist.id, "artist id", ids, TableFormat::kCsv));
    RETURN_IF_ERROR(CheckField(artist.name, "artist name", TableFormat::kCsv));
    if (artist.genre >= catalog.genres.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("artist ", Quote(artist.id), " has genre index ",
                       artist.genre, " of ", catalog.genres.size()));
    }
  }
  ids.clear();
  for (const Track& track : catalog.tracks) {
    // Interactions name tracks in a TSV, hence the stricter check.
    RETURN_IF_ERROR(CheckId(track.id, "track id", ids, TableFormat::kTsv));
    RETURN_IF_ERROR(CheckField(track.title, "title", TableFormat::kCsv));
    if (track.artist >= catalog.artists.size() ||
        track.genre >= catalog.genres.size() ||
        track.subgenre >= catalog.subgenres.size() ||
        track.markets >= catalog.market_sets.size() ||
        std::any_of(track.tags.begin(), track.tags.end(), [&](const auto& tag) {
          return tag.first >= catalog.tags.size() || !(tag.second > 0);
        })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "track ", Quote(track.id), " has an index out of range (artist ",
          track.artist, " of ", catalog.artists.size(), ", genre ", track.genre,
          " of ", catalog.genres.size(), ", subgenre ", track.subgenre, " of ",
          catalog.subgenres.size(), ", market set or tag)"));
    }
  }
  ids.clear();
  for (const User& user : dataset.users) {
    RETURN_IF_ERROR(CheckId(user.id, "user id", ids, TableFormat::kTsv));
    RETURN_IF_ERROR(CheckField(user.country, "country", TableFormat::kTsv));
  }
  for (const Interaction& x : dataset.interactions) {
    if (x.user >= dataset.users.size() || x.track >= catalog.tracks.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction (user ", x.user, ", track ", x.track,
                       ") is out of range (", dataset.users.size(), " users, ",
                       catalog.tracks.size(), " tracks)"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteTracks(const Catalog& catalog, const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileWriter> file, FileWriter::Open(path));
  std::string& out = file->buffer();
  absl::StrAppend(&out, kTrackId, ",", kTitle, ",", kArtistId, ",", kArtistName,
                  ",", kGenre, ",", kSubgenre, ",", kReleaseYear, ",", kKind,
                  ",", kExplicit, ",", kPopularity);
  for (absl::string_view name : kAudioFeatureNames) {
    absl::StrAppend(&out, ",", name);
  }
  absl::StrAppend(&out, ",", kAvailableMarkets, ",", kTags);
  file->EndLine();
  for (const Track& track : catalog.tracks) {
    const Artist& artist = catalog.artists[track.artist];
    AppendCsvField(out, track.id);
    out.push_back(',');
    AppendCsvField(out, track.title);
    out.push_back(',');
    AppendCsvField(out, artist.id);
    out.push_back(',');
    AppendCsvField(out, artist.name);
    out.push_back(',');
    AppendCsvField(out, catalog.genres[track.genre]);
    out.push_back(',');
    AppendCsvField(out, catalog.subgenres[track.subgenre]);
    absl::StrAppend(&out, ",", track.release_year, ",",
                    ContentKindName(track.kind), ",",
                    track.explicit_content ? "1" : "0", ",");
    AppendFloat(out, track.popularity);
    for (float value : track.audio) {
      out.push_back(',');
      AppendFloat(out, value);
    }
    out.push_back(',');
    absl::StrAppend(&out,
                    absl::StrJoin(catalog.market_sets[track.markets], " "));
    out.push_back(',');
    std::string tags;
    for (const auto& [tag, count] : track.tags) {
      if (!tags.empty()) tags.push_back(';');
      absl::StrAppend(&tags, catalog.tags[tag], ":", count);
    }
    AppendCsvField(out, tags);
    file->EndLine();
  }
  return file->Close();
}

absl::Status WriteUsers(const std::vector<User>& users,
                        const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileWriter> file, FileWriter::Open(path));
  std::string& out = file->buffer();
  absl::StrAppend(&out, kUserId, "\t", kCountry);
  file->EndLine();
  for (const User& user : users) {
    absl::StrAppend(&out, user.id, "\t", user.country);
    file->EndLine();
  }
  return file->Close();
}

absl::Status WriteInteractions(const Dataset& dataset,
                               const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileWriter> file, FileWriter::Open(path));
  std::string& out = file->buffer();
  absl::StrAppend(&out, kUserId, "\t", kTrackId, "\t", kPlays, "\t", kSkips,
                  "\t", kLiked);
  file->EndLine();
  for (const Interaction& x : dataset.interactions) {
    absl::StrAppend(&out, dataset.users[x.user].id, "\t",
                    dataset.catalog.tracks[x.track].id, "\t", x.plays, "\t",
                    x.skips, "\t", x.liked ? "1" : "0");
    file->EndLine();
  }
  return file->Close();
}

}  // namespace

std::string ImportReport::ToString() const {
  return absl::StrCat("tracks=", tracks, " artists=", artists, " users=", users,
                      " interaction_rows=", interaction_rows,
                      " interactions=", interactions,
                      " duplicate_rows_merged=", duplicate_rows_merged,
                      " rows_with_unknown_track=", rows_with_unknown_track);
}

absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields;
  RETURN_IF_ERROR(SplitCsvLineInto(line, fields));
  return fields;
}

absl::StatusOr<Dataset> ReadDataset(const DatasetFiles& files,
                                    ImportReport* report) {
  Dataset dataset;
  IdIndex track_index;
  RETURN_IF_ERROR(ReadTracks(files.tracks_csv, dataset.catalog, track_index));
  IdIndex user_index;
  if (!files.users_tsv.empty()) {
    RETURN_IF_ERROR(ReadUsers(files.users_tsv, dataset.users, user_index));
  }
  ImportReport counts;
  RETURN_IF_ERROR(ReadInteractions(files.interactions_tsv, track_index, dataset,
                                   user_index, counts));
  counts.duplicate_rows_merged = SortAndMerge(dataset.interactions);
  counts.tracks = static_cast<int64_t>(dataset.catalog.tracks.size());
  counts.artists = static_cast<int64_t>(dataset.catalog.artists.size());
  counts.users = static_cast<int64_t>(dataset.users.size());
  counts.interactions = static_cast<int64_t>(dataset.interactions.size());
  if (report != nullptr) *report = counts;
  return dataset;
}

absl::Status WriteDataset(const Dataset& dataset, const DatasetFiles& files) {
  RETURN_IF_ERROR(ValidateForWriting(dataset));
  RETURN_IF_ERROR(WriteTracks(dataset.catalog, files.tracks_csv));
  if (!files.users_tsv.empty()) {
    RETURN_IF_ERROR(WriteUsers(dataset.users, files.users_tsv));
  }
  return WriteInteractions(dataset, files.interactions_tsv);
}

}  // namespace recsys::core
