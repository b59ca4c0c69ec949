// Human-readable rendering of Recommender responses for recsys-cli.
//
// Every function here is pure: it turns proto messages into text and does no
// I/O, so the output can be checked without a server. The returned strings end
// with a newline. Tables keep their columns aligned by truncating long cells
// with "…"; widths are counted in Unicode code points, which is right for the
// Latin, Cyrillic and Greek names in the catalog (wide CJK glyphs and
// combining marks are counted as one column each).

#ifndef RECSYS_CLIENTS_CLI_FORMAT_H_
#define RECSYS_CLIENTS_CLI_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/status_code_enum.h"
#include "recsys/v1/recommender.pb.h"

namespace recsys::clients {

// Returns the number of columns `text` takes on a terminal: the number of
// UTF-8 code points, i.e. of bytes that are not continuation bytes (10xxxxxx).
// Invalid UTF-8 gives a rough count and never makes this fail.
int DisplayWidth(absl::string_view text);

// Returns `text` unchanged when DisplayWidth(text) <= width; otherwise its
// longest prefix of whole code points that fits in width - 1 columns,
// followed by "…" (so the result is exactly `width` columns). Never splits a
// multi-byte character. Returns "" when width <= 0.
std::string TruncateToWidth(absl::string_view text, int width);

// Returns the canonical name of a gRPC status code ("INVALID_ARGUMENT",
// "DEADLINE_EXCEEDED", ...), or "CODE_<n>" for a value outside the enum.
std::string StatusCodeName(grpc::StatusCode code);

// Every summary line below starts with the model version and, when the
// response names one, the A/B variant that answered: "model v3 · variant
// control · ...". `request` supplies what a response does not echo.

// A summary line ("model v3 · variant control · 20 tracks for user u17 (cold
// start: no)") followed by a table of the items: rank, score, track, artist,
// genre / subgenre and reason. For the daily-mix surface (or whenever the
// response holds mixes) the summary counts the mixes instead, and each mix
// follows as a section: a blank line, its title, its description (when not
// empty), then its track table.
std::string FormatRecommendResponse(
    const recsys::v1::RecommendRequest& request,
    const recsys::v1::RecommendResponse& response);

// A summary line naming the seed (or saying that the station continues from a
// page token), followed by the same track table as FormatRecommendResponse
// and, when the response has a next page, the line
// "next page: --page_token=<token>", ready to paste into the next command.
std::string FormatRadioResponse(const recsys::v1::RadioRequest& request,
                                const recsys::v1::RadioResponse& response);

// A summary line naming the seed artist, followed by a table of rank, score,
// artist, genre and reason.
std::string FormatRelatedArtistsResponse(
    const recsys::v1::RelatedArtistsRequest& request,
    const recsys::v1::RelatedArtistsResponse& response);

// A summary line and three sections: "Up next", "Related artists" and
// "More by <artist>", each a table or "(none)".
std::string FormatNowPlayingResponse(
    const recsys::v1::NowPlayingRequest& request,
    const recsys::v1::NowPlayingResponse& response);

// "accepted <n>": the number of events the server logged. `request` is
// unused; it keeps the signature of the other formatters.
std::string FormatFeedbackResponse(
    const recsys::v1::FeedbackRequest& request,
    const recsys::v1::FeedbackResponse& response);

// One aligned "key: value" line per scalar field; created_at as a UTC ISO 8601
// time; metrics, blend weights and training parameters as indented blocks
// sorted by key; genres on one comma-separated line.
std::string FormatModelInfo(const recsys::v1::ModelInfo& info);

}  // namespace recsys::clients

#endif  // RECSYS_CLIENTS_CLI_FORMAT_H_
