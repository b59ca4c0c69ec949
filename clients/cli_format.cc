#include "clients/cli_format.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace recsys::clients {
namespace {

using recsys::v1::Artist;
using recsys::v1::Mix;
using recsys::v1::Reason;
using recsys::v1::ScoredArtist;
using recsys::v1::ScoredTrack;
using recsys::v1::Track;

constexpr absl::string_view kEllipsis = "…";
constexpr absl::string_view kColumnGap = "  ";
// Tables are indented by one space so that they stand apart from the summary
// and section lines above them.
constexpr absl::string_view kTableIndent = " ";

// Caps chosen so that a full track row fits in about 170 columns; the reason
// goes last because it is the least needed to identify an item.
constexpr int kTrackWidth = 36;
constexpr int kArtistWidth = 28;
constexpr int kGenreWidth = 24;
constexpr int kReasonWidth = 48;

bool IsUtf8Continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Catalog strings are imported verbatim; a tab or newline in a title would
// break the row apart, so control characters become spaces.
std::string SanitizeCell(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

// What an empty table or section shows instead of rows.
std::string NoneLine() { return absl::StrCat(kTableIndent, " (none)\n"); }

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  // Cells wider than this are truncated with an ellipsis.
  int max_width;
  Align align;
};

// Columns are as wide as their widest cell (up to max_width), so a table of
// short names stays compact.
class TextTable {
 public:
  explicit TextTable(std::vector<Column> columns)
      : columns_(std::move(columns)) {}

  // REQUIRES: cells.size() == number of columns.
  void AddRow(std::vector<std::string> cells) {
    for (std::string& cell : cells) cell = SanitizeCell(cell);
    rows_.push_back(std::move(cells));
  }

  // Returns the header and rows, or an indented "(none)" line when there are
  // no rows (a lone header line would look like a rendering bug).
  std::string Render() const {
    if (rows_.empty()) return NoneLine();
    std::vector<int> widths;
    for (const Column& column : columns_) {
      widths.push_back(std::min(column.max_width, DisplayWidth(column.header)));
    }
    for (const std::vector<std::string>& row : rows_) {
      for (size_t i = 0; i < columns_.size(); ++i) {
        widths[i] = std::max(
            widths[i], std::min(columns_[i].max_width, DisplayWidth(row[i])));
      }
    }
    std::vector<std::string> headers;
    for (const Column& column : columns_) headers.push_back(column.header);
    std::string out = RenderRow(headers, widths);
    for (const std::vector<std::string>& row : rows_) {
      out += RenderRow(row, widths);
    }
    return out;
  }

 private:
  std::string RenderRow(const std::vector<std::string>& cells,
                        const std::vector<int>& widths) const {
    std::string line(kTableIndent);
    for (size_t i = 0; i < columns_.size(); ++i) {
      const std::string cell = TruncateToWidth(cells[i], widths[i]);
      const std::string padding(widths[i] - DisplayWidth(cell), ' ');
      const bool last = i + 1 == columns_.size();
      if (i > 0) absl::StrAppend(&line, kColumnGap);
      if (columns_[i].align == Align::kRight) {
        absl::StrAppend(&line, padding, cell);
      } else {
        // No padding after the last cell: trailing blanks only get in the
        // way of copying and diffing the output.
        absl::StrAppend(&line, cell, last ? "" : padding);
      }
    }
    line += '\n';
    return line;
  }

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

std::string OrDash(absl::string_view text) {
  return text.empty() ? std::string("-") : std::string(text);
}

// "Name (id)" in at most max_width columns. The id is what a user pastes into
// the next command, so the name is shortened first and the id kept whole.
std::string NameWithId(absl::string_view name, absl::string_view id,
                       int max_width) {
  if (name.empty()) return TruncateToWidth(OrDash(id), max_width);
  if (id.empty()) return TruncateToWidth(name, max_width);
  const std::string id_part = absl::StrCat(" (", id, ")");
  // Below a few columns of name the label is useless; truncate it as a whole.
  const int name_width = max_width - DisplayWidth(id_part);
  if (name_width < 4) {
    return TruncateToWidth(absl::StrCat(name, id_part), max_width);
  }
  return absl::StrCat(TruncateToWidth(name, name_width), id_part);
}

std::string GenreLabel(absl::string_view genre, absl::string_view subgenre) {
  if (subgenre.empty()) return OrDash(genre);
  return absl::StrCat(OrDash(genre), " / ", subgenre);
}

std::string ReasonLabel(const Reason& reason) {
  if (!reason.text().empty()) return reason.text();
  if (reason.kind() == Reason::KIND_UNSPECIFIED) return "-";
  return Reason::Kind_Name(reason.kind());
}

std::string ScoreLabel(float score) { return absl::StrFormat("%.3f", score); }

std::string CountOf(int n, absl::string_view singular,
                    absl::string_view plural) {
  return absl::StrCat(n, " ", n == 1 ? singular : plural);
}

// "model v3 · variant control · ". The variant is what a user passes to
// `feedback --variant`, so it is shown whenever the server names one.
std::string SummaryPrefix(absl::string_view model_version,
                          absl::string_view variant) {
  std::string prefix = absl::StrCat(
      "model ", model_version.empty() ? "(unknown)" : model_version, " · ");
  if (!variant.empty()) {
    absl::StrAppend(&prefix, "variant ", SanitizeCell(variant), " · ");
  }
  return prefix;
}

std::string TrackTable(
    const google::protobuf::RepeatedPtrField<ScoredTrack>& items) {
  TextTable table({{"#", 4, Align::kRight},
                   {"score", 8, Align::kRight},
                   {"track", kTrackWidth, Align::kLeft},
                   {"artist", kArtistWidth, Align::kLeft},
                   {"genre / subgenre", kGenreWidth, Align::kLeft},
                   {"reason", kReasonWidth, Align::kLeft}});
  int rank = 0;
  for (const ScoredTrack& item : items) {
    const Track& track = item.track();
    table.AddRow(
        {absl::StrCat(++rank), ScoreLabel(item.score()),
         NameWithId(track.title(), track.track_id(), kTrackWidth),
         NameWithId(track.artist_name(), track.artist_id(), kArtistWidth),
         GenreLabel(track.genre(), track.subgenre()),
         ReasonLabel(item.reason())});
  }
  return table.Render();
}

std::string ArtistTable(
    const google::protobuf::RepeatedPtrField<ScoredArtist>& artists) {
  TextTable table({{"#", 4, Align::kRight},
                   {"score", 8, Align::kRight},
                   {"artist", kArtistWidth, Align::kLeft},
                   {"genre", kGenreWidth, Align::kLeft},
                   {"reason", kReasonWidth, Align::kLeft}});
  int rank = 0;
  for (const ScoredArtist& item : artists) {
    const Artist& artist = item.artist();
    table.AddRow({absl::StrCat(++rank), ScoreLabel(item.score()),
                  NameWithId(artist.name(), artist.artist_id(), kArtistWidth),
                  OrDash(artist.genre()), ReasonLabel(item.reason())});
  }
  return table.Render();
}

std::string ForUser(absl::string_view user_id) {
  return user_id.empty() ? "" : absl::StrCat(" for user ", user_id);
}

// 1234567 -> "1,234,567": catalog sizes run to millions and are read at a
// glance.
std::string WithThousandsSeparators(int64_t value) {
  // Digits of the magnitude via unsigned arithmetic, so INT64_MIN is safe.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value)
                                 : static_cast<uint64_t>(value);
  const std::string digits = absl::StrCat(magnitude);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? absl::StrCat("-", out) : out;
}

// Proto maps iterate in no particular order; sorted output can be diffed
// between model versions.
template <typename Map>
std::vector<std::pair<std::string, std::string>> SortedEntries(const Map& map) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [key, value] : map) {
    entries.emplace_back(key, absl::StrCat(value));
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (char c : text) {
    if (!IsUtf8Continuation(c)) ++width;
  }
  return width;
}

std::string TruncateToWidth(absl::string_view text, int width) {
  if (width <= 0) return "";
  if (DisplayWidth(text) <= width) return std::string(text);
  // Keep width - 1 code points; the ellipsis takes the last column. Stopping
  // at a lead byte means the continuation bytes of every kept character are
  // kept too.
  int kept = 0;
  size_t end = 0;
  for (; end < text.size(); ++end) {
    if (IsUtf8Continuation(text[end])) continue;
    if (kept == width - 1) break;
    ++kept;
  }
  return absl::StrCat(text.substr(0, end), kEllipsis);
}

std::string StatusCodeName(grpc::StatusCode code) {
  // gRPC and Abseil number their status codes identically.
  const std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", static_cast<int>(code)) : name;
}

std::string FormatRecommendResponse(
    const recsys::v1::RecommendRequest& request,
    const recsys::v1::RecommendResponse& response) {
  const std::string who = request.user_id().empty()
                              ? "an anonymous listener"
                              : absl::StrCat("user ", request.user_id());
  const std::string cold_start =
      absl::StrCat(" (cold start: ", response.cold_start() ? "yes" : "no", ")");
  const std::string prefix =
      SummaryPrefix(response.model_version(), response.variant());
  // Keyed on the response too: a mix the server sent is never hidden.
  if (request.surface() == recsys::v1::DAILY_MIX || !response.mixes().empty()) {
    std::string out = absl::StrCat(
        prefix, CountOf(response.mixes_size(), "daily mix", "daily mixes"),
        " for ", who, cold_start, "\n");
    if (response.mixes().empty()) absl::StrAppend(&out, NoneLine());
    int number = 0;
    for (const Mix& mix : response.mixes()) {
      ++number;
      const std::string title = mix.title().empty()
                                    ? absl::StrCat("Mix ", number)
                                    : SanitizeCell(mix.title());
      absl::StrAppend(&out, "\n", title, "\n");
      if (!mix.description().empty()) {
        absl::StrAppend(&out, SanitizeCell(mix.description()), "\n");
      }
      absl::StrAppend(&out, TrackTable(mix.items()));
    }
    return out;
  }
  const absl::string_view of_surface =
      request.surface() == recsys::v1::DISCOVER_WEEKLY ? " of Discover Weekly"
                                                       : "";
  return absl::StrCat(prefix, CountOf(response.items_size(), "track", "tracks"),
                      of_surface, " for ", who, cold_start, "\n",
                      TrackTable(response.items()));
}

std::string FormatRadioResponse(const recsys::v1::RadioRequest& request,
                                const recsys::v1::RadioResponse& response) {
  std::string seed;
  switch (request.seed_case()) {
    case recsys::v1::RadioRequest::kSeedTrackId:
      seed = absl::StrCat("track ", request.seed_track_id());
      break;
    case recsys::v1::RadioRequest::kSeedArtistId:
      seed = absl::StrCat("artist ", request.seed_artist_id());
      break;
    case recsys::v1::RadioRequest::kSeedGenre:
      seed = absl::StrCat("genre ", request.seed_genre());
      break;
    case recsys::v1::RadioRequest::SEED_NOT_SET:
      break;
  }
  std::string station;
  if (seed.empty()) {
    station = request.page_token().empty()
                  ? "radio seeded by nothing"
                  : "radio continued from its page token";
  } else {
    station = absl::StrCat("radio seeded by ", seed,
                           request.page_token().empty() ? "" : ", continued");
  }
  std::string out = absl::StrCat(
      SummaryPrefix(response.model_version(), response.variant()),
      CountOf(response.items_size(), "track", "tracks"), " of ", station,
      ForUser(request.user_id()), "\n", TrackTable(response.items()));
  // The token is web-safe base64, so it pastes into a shell unquoted.
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "next page: --page_token=",
                    SanitizeCell(response.next_page_token()), "\n");
  }
  return out;
}

std::string FormatRelatedArtistsResponse(
    const recsys::v1::RelatedArtistsRequest& request,
    const recsys::v1::RelatedArtistsResponse& response) {
  return absl::StrCat(
      SummaryPrefix(response.model_version(), response.variant()),
      CountOf(response.artists_size(), "artist", "artists"), " related to ",
      request.artist_id(), "\n", ArtistTable(response.artists()));
}

std::string FormatNowPlayingResponse(
    const recsys::v1::NowPlayingRequest& request,
    const recsys::v1::NowPlayingResponse& response) {
  // The response does not name the current track's artist; the tracks in
  // "more by" all share it, so the first one does.
  std::string artist = "the same artist";
  if (!response.more_by_artist().empty()) {
    const Track& first = response.more_by_artist(0).track();
    artist = NameWithId(first.artist_name(), first.artist_id(), kArtistWidth);
  }
  return absl::StrCat(
      SummaryPrefix(response.model_version(), response.variant()),
      "now playing ", request.current_track_id(), ForUser(request.user_id()),
      "\n\nUp next\n", TrackTable(response.up_next()), "\nRelated artists\n",
      ArtistTable(response.related_artists()), "\nMore by ",
      SanitizeCell(artist), "\n", TrackTable(response.more_by_artist()));
}

std::string FormatFeedbackResponse(
    const recsys::v1::FeedbackRequest& /*request*/,
    const recsys::v1::FeedbackResponse& response) {
  return absl::StrCat("accepted ", response.accepted(), "\n");
}

std::string FormatModelInfo(const recsys::v1::ModelInfo& info) {
  struct Line {
    std::string key;
    std::string value;
    // A heading ("metrics:") has no value; its entries follow, indented.
    bool heading = false;
  };
  std::vector<Line> lines;
  const auto add = [&lines](absl::string_view key, std::string value) {
    lines.push_back({std::string(key), std::move(value)});
  };
  const auto add_block =
      [&lines, &add](absl::string_view name,
                     std::vector<std::pair<std::string, std::string>> entries) {
        if (entries.empty()) {
          add(name, "(none)");
          return;
        }
        lines.push_back({std::string(name), "", /*heading=*/true});
        for (auto& [key, value] : entries) {
          add(absl::StrCat("  ", key), std::move(value));
        }
      };

  add("model_version", OrDash(info.model_version()));
  add("created_at",
      info.created_at_seconds() == 0
          ? std::string("(unknown)")
          : absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                             absl::FromUnixSeconds(info.created_at_seconds()),
                             absl::UTCTimeZone()));
  add("num_users", WithThousandsSeparators(info.num_users()));
  add("num_tracks", WithThousandsSeparators(info.num_tracks()));
  add("num_artists", WithThousandsSeparators(info.num_artists()));
  add("num_interactions", WithThousandsSeparators(info.num_interactions()));
  add("cf_dimensions", absl::StrCat(info.cf_dimensions()));
  add("content_dimensions", absl::StrCat(info.content_dimensions()));
  add("genres", info.genres().empty() ? std::string("(none)")
                                      : absl::StrJoin(info.genres(), ", "));
  add_block("metrics", SortedEntries(info.metrics()));
  add_block("blend_weights", SortedEntries(info.blend_weights()));
  add_block("training", SortedEntries(info.training()));

  int key_width = 0;
  for (const Line& line : lines) {
    if (!line.heading) key_width = std::max(key_width, DisplayWidth(line.key));
  }
  std::string out;
  for (const Line& line : lines) {
    if (line.heading) {
      absl::StrAppend(&out, SanitizeCell(line.key), ":\n");
      continue;
    }
    const std::string padding(key_width - DisplayWidth(line.key), ' ');
    absl::StrAppend(&out, SanitizeCell(line.key), ": ", padding,
                    SanitizeCell(line.value), "\n");
  }
  return out;
}

}  // namespace recsys::clients
