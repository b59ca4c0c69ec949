// recsys-cli: the command-line client of the recsys.v1.Recommender service.
//
//   recsys-cli [flags] <command> [flags]
//
// Exit codes: 0 success; 1 an RPC failed (or `health` is not SERVING);
// 2 the command line is wrong. Run with --help for the commands.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "clients/cli_format.h"
#include "core/mutexes.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "recsys/v1/recommender.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "host:port of the Recommender server (plaintext unless --tls_ca)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle that signed the server's certificate: connect with "
          "TLS and verify the server");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate chain for mutual TLS (with --tls_key and "
          "--tls_ca)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "",
          "name to verify the server's certificate against instead of the "
          "--target host (with --tls_ca)");
ABSL_FLAG(int32_t, deadline_ms, 2000,
          "deadline of the call in milliseconds; must be positive");
ABSL_FLAG(bool, json, false,
          "print the response as JSON (proto field names) instead of a table");

ABSL_FLAG(std::string, user, "",
          "user id (recommend, radio, now-playing, feedback)");
ABSL_FLAG(int32_t, count, 0,
          "number of results (per mix for --surface=daily_mix); 0 = the "
          "server's default");
ABSL_FLAG(std::string, country, "",
          "ISO 3166-1 alpha-2 country of the listener, e.g. SE "
          "(recommend, radio, now-playing)");
ABSL_FLAG(std::vector<std::string>, exclude_tracks, {},
          "comma-separated track ids never to return (recommend, radio)");
ABSL_FLAG(std::vector<std::string>, exclude_artists, {},
          "comma-separated artist ids whose tracks never to return "
          "(recommend)");
ABSL_FLAG(std::vector<std::string>, recent, {},
          "comma-separated track ids played recently, newest last "
          "(recommend, now-playing)");
ABSL_FLAG(int32_t, max_per_artist, 0,
          "at most this many tracks per artist; 0 = the server's default "
          "(recommend)");
ABSL_FLAG(std::string, surface, "",
          "recommend: home, discover_weekly or daily_mix (empty = home); "
          "feedback: the surface that showed the track, e.g. radio");
ABSL_FLAG(std::vector<std::string>, liked_tracks, {},
          "comma-separated track ids the listener likes (recommend)");
ABSL_FLAG(std::vector<std::string>, liked_artists, {},
          "comma-separated artist ids the listener likes (recommend)");
// Optional, because the request field is: unset lets the server choose.
ABSL_FLAG(std::optional<double>, new_artist_share, std::nullopt,
          "share of tracks by artists new to the user, in [0, 1]; unset = "
          "the server's default (recommend --surface=discover_weekly)");
ABSL_FLAG(int32_t, num_mixes, 0,
          "number of mixes; 0 = the server's default "
          "(recommend --surface=daily_mix)");
ABSL_FLAG(std::string, kind, "any",
          "only tracks of this kind: any, music, podcast or audiobook "
          "(recommend, radio, now-playing)");
ABSL_FLAG(int32_t, released_after, 0,
          "only tracks released in or after this year; 0 = unbounded "
          "(recommend, radio, now-playing)");
ABSL_FLAG(int32_t, released_before, 0,
          "only tracks released in or before this year; 0 = unbounded "
          "(recommend, radio, now-playing)");
ABSL_FLAG(bool, no_explicit, false,
          "leave out tracks marked explicit (recommend, radio, now-playing)");
ABSL_FLAG(std::string, seed_track, "", "radio seeded by this track id");
ABSL_FLAG(std::string, seed_artist, "", "radio seeded by this artist id");
ABSL_FLAG(std::string, seed_genre, "",
          "radio seeded by this genre, as listed by model-info");
ABSL_FLAG(int32_t, artist_spacing, 0,
          "minimum distance between two tracks of one artist; 0 = the "
          "server's default (radio)");
ABSL_FLAG(std::string, page_token, "",
          "continue a station from the token a previous radio page printed "
          "(radio)");
ABSL_FLAG(std::vector<std::string>, skipped, {},
          "comma-separated track ids skipped on the previous page (radio)");
ABSL_FLAG(std::vector<std::string>, liked, {},
          "comma-separated track ids liked on the previous page (radio)");
ABSL_FLAG(std::string, artist, "", "artist id (related-artists)");
ABSL_FLAG(std::string, track, "",
          "track id: the one playing (now-playing), the one the event is "
          "about (feedback)");
ABSL_FLAG(std::string, event, "",
          "what happened: impression, play, skip, like or dislike (feedback)");
ABSL_FLAG(std::string, variant, "",
          "the variant that served the track, as printed in the summary line "
          "(feedback)");
ABSL_FLAG(std::string, service, "",
          "service name to check; empty = the whole server (health)");

namespace recsys::clients {
namespace {

using recsys::v1::Recommender;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Flag values, read once in main() so that nothing below touches globals.
struct CliOptions {
  std::string target;
  int32_t deadline_ms = 0;
  bool json = false;
  std::string user;
  int32_t count = 0;
  std::string country;
  std::vector<std::string> exclude_tracks;
  std::vector<std::string> exclude_artists;
  std::vector<std::string> recent;
  int32_t max_per_artist = 0;
  std::string surface;
  std::vector<std::string> liked_tracks;
  std::vector<std::string> liked_artists;
  std::optional<double> new_artist_share;
  int32_t num_mixes = 0;
  std::string kind;
  int32_t released_after = 0;
  int32_t released_before = 0;
  bool no_explicit = false;
  std::string seed_track;
  std::string seed_artist;
  std::string seed_genre;
  int32_t artist_spacing = 0;
  std::string page_token;
  std::vector<std::string> skipped;
  std::vector<std::string> liked;
  std::string artist;
  std::string track;
  std::string event;
  std::string variant;
  std::string service;
  // PEM contents, not paths; an empty tls_ca_pem means plaintext.
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_server_name;
};

int UsageError(absl::string_view message) {
  std::cerr << "error: " << message
            << "\nrun 'recsys-cli --help' for the commands and flags\n";
  return kExitUsage;
}

int RpcError(const grpc::Status& status) {
  std::cerr << "error: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return kExitFailure;
}

// "a,,b" splits into an empty id in the middle; the server would only count
// it as unknown, so it is dropped here.
void AddIds(const std::vector<std::string>& ids,
            google::protobuf::RepeatedPtrField<std::string>* field) {
  for (const std::string& id : ids) {
    if (!id.empty()) *field->Add() = id;
  }
}

// An unset Context already means "country unknown, server clock", so an empty
// one is not sent.
template <typename Request>
void SetCountry(const std::string& country, Request* request) {
  if (!country.empty()) request->mutable_context()->set_country(country);
}

// An unset TrackFilter already means "no filter"; an all-default one is not
// sent, for the same reason as an empty Context.
template <typename Request>
void SetFilter(const recsys::v1::TrackFilter& filter, Request* request) {
  if (filter.ByteSizeLong() != 0) *request->mutable_filter() = filter;
}

template <typename Enum>
struct Choice {
  absl::string_view name;
  Enum value;
};

// Returns the value of the choice named `text` (in any case), or
// INVALID_ARGUMENT listing the names.
template <typename Enum>
absl::StatusOr<Enum> ParseChoice(absl::string_view flag, absl::string_view text,
                                 const std::vector<Choice<Enum>>& choices) {
  for (const Choice<Enum>& choice : choices) {
    if (absl::EqualsIgnoreCase(choice.name, text)) return choice.value;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, " must be one of ",
      absl::StrJoin(choices, ", ",
                    [](std::string* out, const Choice<Enum>& choice) {
                      absl::StrAppend(out, choice.name);
                    }),
      "; got '", text, "'"));
}

// The builders below return INVALID_ARGUMENT for a command line the server
// would reject anyway, so that the user gets exit code 2 and a hint naming
// the flag rather than an RPC error.

absl::StatusOr<recsys::v1::TrackFilter> BuildTrackFilter(
    const CliOptions& options) {
  recsys::v1::TrackFilter filter;
  const absl::StatusOr<recsys::v1::ContentKind> kind =
      ParseChoice<recsys::v1::ContentKind>(
          "kind", options.kind,
          {{"any", recsys::v1::KIND_ANY},
           {"music", recsys::v1::MUSIC},
           {"podcast", recsys::v1::PODCAST},
           {"audiobook", recsys::v1::AUDIOBOOK}});
  if (!kind.ok()) return kind.status();
  filter.set_kind(*kind);
  for (const auto& [flag, year] :
       {std::pair<absl::string_view, int32_t>{"released_after",
                                              options.released_after},
        {"released_before", options.released_before}}) {
    if (year < 0 || year > 9999) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, " must be a year in 1..9999 (0 = unbounded); got ",
          year));
    }
  }
  if (options.released_after != 0 && options.released_before != 0 &&
      options.released_after > options.released_before) {
    return absl::InvalidArgumentError(
        "--released_after is after --released_before");
  }
  filter.set_released_after_year(options.released_after);
  filter.set_released_before_year(options.released_before);
  filter.set_exclude_explicit(options.no_explicit);
  return filter;
}

absl::StatusOr<recsys::v1::RecommendRequest> BuildRecommendRequest(
    const CliOptions& options) {
  // The API serves anonymous listeners from their recent plays and likes.
  if (options.user.empty() && options.recent.empty() &&
      options.liked_tracks.empty() && options.liked_artists.empty()) {
    return absl::InvalidArgumentError(
        "recommend needs --user (or --recent, --liked_tracks or "
        "--liked_artists for an anonymous listener)");
  }
  const absl::StatusOr<recsys::v1::Surface> surface =
      ParseChoice<recsys::v1::Surface>(
          "surface", options.surface.empty() ? "home" : options.surface,
          {{"home", recsys::v1::SURFACE_UNSPECIFIED},
           {"discover_weekly", recsys::v1::DISCOVER_WEEKLY},
           {"daily_mix", recsys::v1::DAILY_MIX}});
  if (!surface.ok()) return surface.status();
  // The server ignores these on other surfaces; said here so that a missing
  // --surface does not go unnoticed.
  if (options.new_artist_share.has_value() &&
      *surface != recsys::v1::DISCOVER_WEEKLY) {
    return absl::InvalidArgumentError(
        "--new_artist_share applies only to --surface=discover_weekly");
  }
  if (options.num_mixes != 0 && *surface != recsys::v1::DAILY_MIX) {
    return absl::InvalidArgumentError(
        "--num_mixes applies only to --surface=daily_mix");
  }
  const absl::StatusOr<recsys::v1::TrackFilter> filter =
      BuildTrackFilter(options);
  if (!filter.ok()) return filter.status();

  recsys::v1::RecommendRequest request;
  request.set_user_id(options.user);
  request.set_count(options.count);
  SetCountry(options.country, &request);
  AddIds(options.exclude_tracks, request.mutable_exclude_track_ids());
  AddIds(options.exclude_artists, request.mutable_exclude_artist_ids());
  AddIds(options.recent, request.mutable_recent_track_ids());
  request.set_max_per_artist(options.max_per_artist);
  request.set_surface(*surface);
  SetFilter(*filter, &request);
  AddIds(options.liked_tracks, request.mutable_liked_track_ids());
  AddIds(options.liked_artists, request.mutable_liked_artist_ids());
  if (options.new_artist_share.has_value()) {
    // Negated so that NaN is rejected too.
    if (!(*options.new_artist_share >= 0 && *options.new_artist_share <= 1)) {
      return absl::InvalidArgumentError("--new_artist_share must be in [0, 1]");
    }
    request.set_new_artist_share(*options.new_artist_share);
  }
  request.set_num_mixes(options.num_mixes);
  return request;
}

absl::StatusOr<recsys::v1::RadioRequest> BuildRadioRequest(
    const CliOptions& options) {
  const int seeds = !options.seed_track.empty() + !options.seed_artist.empty() +
                    !options.seed_genre.empty();
  if (seeds > 1) {
    return absl::InvalidArgumentError(
        "radio takes only one of --seed_track, --seed_artist, --seed_genre");
  }
  // The token holds the station's seed.
  if (seeds == 0 && options.page_token.empty()) {
    return absl::InvalidArgumentError(
        "radio needs one of --seed_track, --seed_artist, --seed_genre "
        "(or --page_token to continue a station)");
  }
  const absl::StatusOr<recsys::v1::TrackFilter> filter =
      BuildTrackFilter(options);
  if (!filter.ok()) return filter.status();

  recsys::v1::RadioRequest request;
  if (!options.seed_track.empty()) {
    request.set_seed_track_id(options.seed_track);
  } else if (!options.seed_artist.empty()) {
    request.set_seed_artist_id(options.seed_artist);
  } else if (!options.seed_genre.empty()) {
    request.set_seed_genre(options.seed_genre);
  }
  request.set_user_id(options.user);
  request.set_count(options.count);
  SetCountry(options.country, &request);
  AddIds(options.exclude_tracks, request.mutable_exclude_track_ids());
  request.set_artist_spacing(options.artist_spacing);
  request.set_page_token(options.page_token);
  AddIds(options.skipped, request.mutable_skipped_track_ids());
  AddIds(options.liked, request.mutable_liked_track_ids());
  SetFilter(*filter, &request);
  return request;
}

absl::StatusOr<recsys::v1::RelatedArtistsRequest> BuildRelatedArtistsRequest(
    const CliOptions& options) {
  if (options.artist.empty()) {
    return absl::InvalidArgumentError("related-artists needs --artist");
  }
  recsys::v1::RelatedArtistsRequest request;
  request.set_artist_id(options.artist);
  request.set_count(options.count);
  return request;
}

absl::StatusOr<recsys::v1::NowPlayingRequest> BuildNowPlayingRequest(
    const CliOptions& options) {
  if (options.track.empty()) {
    return absl::InvalidArgumentError("now-playing needs --track");
  }
  const absl::StatusOr<recsys::v1::TrackFilter> filter =
      BuildTrackFilter(options);
  if (!filter.ok()) return filter.status();
  recsys::v1::NowPlayingRequest request;
  request.set_current_track_id(options.track);
  request.set_user_id(options.user);
  AddIds(options.recent, request.mutable_recent_track_ids());
  request.set_count(options.count);
  SetCountry(options.country, &request);
  SetFilter(*filter, &request);
  return request;
}

absl::StatusOr<recsys::v1::FeedbackRequest> BuildFeedbackRequest(
    const CliOptions& options) {
  if (options.user.empty() || options.track.empty() || options.event.empty()) {
    return absl::InvalidArgumentError(
        "feedback needs --user, --track and --event");
  }
  using recsys::v1::FeedbackEvent;
  const absl::StatusOr<FeedbackEvent::Type> type =
      ParseChoice<FeedbackEvent::Type>(
          "event", options.event,
          {{"impression", FeedbackEvent::IMPRESSION},
           {"play", FeedbackEvent::PLAY},
           {"skip", FeedbackEvent::SKIP},
           {"like", FeedbackEvent::LIKE},
           {"dislike", FeedbackEvent::DISLIKE}});
  if (!type.ok()) return type.status();
  recsys::v1::FeedbackRequest request;
  FeedbackEvent* event = request.add_events();
  event->set_user_id(options.user);
  event->set_track_id(options.track);
  event->set_type(*type);
  // Free-form labels the server checks; empty ones it logs as "unknown".
  event->set_surface(options.surface);
  event->set_variant(options.variant);
  return request;
}

std::shared_ptr<grpc::Channel> MakeChannel(const CliOptions& options) {
  if (options.tls_ca_pem.empty()) {
    return grpc::CreateChannel(options.target,
                               grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_ca_pem;
  ssl.pem_cert_chain = options.tls_cert_pem;
  ssl.pem_private_key = options.tls_key_pem;
  grpc::ChannelArguments args;
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl),
                                   args);
}

// The contents of the file a TLS flag names, or an error naming the flag.
absl::StatusOr<std::string> ReadPemFlag(absl::string_view flag,
                                        const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read --", flag, "=", path));
  }
  return text.str();
}

void SetDeadline(const CliOptions& options, grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(options.deadline_ms));
}

// Prints `response` as one line of JSON, with proto field names so that the
// output matches the .proto and docs/API.md.
int PrintJson(const google::protobuf::Message& response) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.always_print_primitive_fields = false;
  json_options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(
      response, &json, json_options);
  if (!status.ok()) {
    std::cerr << "error: cannot print the response as JSON: " << status << "\n";
    return kExitFailure;
  }
  std::cout << json << "\n";
  return kExitOk;
}

template <typename Request, typename Response>
using StubMethod = grpc::Status (Recommender::Stub::*)(grpc::ClientContext*,
                                                       const Request&,
                                                       Response*);

template <typename Request, typename Response>
using Formatter = std::string (*)(const Request&, const Response&);

// Sends one unary call and prints its response; the shared tail of every
// Recommender command.
template <typename Request, typename Response>
int RunUnary(const CliOptions& options, const absl::StatusOr<Request>& request,
             StubMethod<Request, Response> method,
             Formatter<Request, Response> format) {
  if (!request.ok()) return UsageError(request.status().message());
  Recommender::Stub stub(MakeChannel(options));
  grpc::ClientContext context;
  SetDeadline(options, &context);
  Response response;
  const grpc::Status status = (stub.*method)(&context, *request, &response);
  if (!status.ok()) return RpcError(status);
  if (options.json) return PrintJson(response);
  std::cout << format(*request, response);
  return kExitOk;
}

int RunRecommend(const CliOptions& options) {
  return RunUnary(options, BuildRecommendRequest(options),
                  &Recommender::Stub::Recommend, &FormatRecommendResponse);
}

int RunRadio(const CliOptions& options) {
  return RunUnary(options, BuildRadioRequest(options),
                  &Recommender::Stub::Radio, &FormatRadioResponse);
}

int RunRelatedArtists(const CliOptions& options) {
  return RunUnary(options, BuildRelatedArtistsRequest(options),
                  &Recommender::Stub::RelatedArtists,
                  &FormatRelatedArtistsResponse);
}

int RunNowPlaying(const CliOptions& options) {
  return RunUnary(options, BuildNowPlayingRequest(options),
                  &Recommender::Stub::NowPlaying, &FormatNowPlayingResponse);
}

int RunFeedback(const CliOptions& options) {
  return RunUnary(options, BuildFeedbackRequest(options),
                  &Recommender::Stub::Feedback, &FormatFeedbackResponse);
}

int RunModelInfo(const CliOptions& options) {
  return RunUnary(
      options,
      absl::StatusOr<recsys::v1::GetModelInfoRequest>(
          recsys::v1::GetModelInfoRequest()),
      &Recommender::Stub::GetModelInfo,
      +[](const recsys::v1::GetModelInfoRequest&,
          const recsys::v1::ModelInfo& info) { return FormatModelInfo(info); });
}

int RunHealth(const CliOptions& options) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(options));
  grpc::ClientContext context;
  SetDeadline(options, &context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(options.service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return RpcError(status);
  const std::string& name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
          response.status());
  if (options.json) {
    std::cout << absl::StrFormat("{\"status\":\"%s\"}\n", name);
  } else {
    std::cout << name << "\n";
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kExitOk
             : kExitFailure;
}

struct Command {
  absl::string_view name;
  // For --help: the command's flags ("\n" breaks a long list) and what it
  // does.
  absl::string_view args;
  absl::string_view summary;
  // The command-specific flags it reads; setting any other is a usage error,
  // because a silently ignored flag hides a typo in a script.
  std::vector<absl::string_view> flags;
  int (*run)(const CliOptions&);
};

// The filter flags, shared by every command that returns tracks.
std::vector<absl::string_view> WithFilterFlags(
    std::vector<absl::string_view> flags) {
  flags.insert(flags.end(),
               {"kind", "released_after", "released_before", "no_explicit"});
  return flags;
}

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {"recommend",
       "[--user=U] [--surface=home|discover_weekly|daily_mix] [--count=N]\n"
       "[--country=SE] [--exclude_tracks=a,b] [--exclude_artists=x,y]\n"
       "[--recent=t1,t2] [--liked_tracks=a,b] [--liked_artists=x,y]\n"
       "[--max_per_artist=N] [--new_artist_share=0.6] [--num_mixes=N] "
       "[filters]",
       "personal tracks for U; without --user, for an anonymous listener\n"
       "described by --recent, --liked_tracks or --liked_artists.\n"
       "--new_artist_share: discover_weekly only; --num_mixes: daily_mix only",
       WithFilterFlags({"user", "count", "country", "exclude_tracks",
                        "exclude_artists", "recent", "max_per_artist",
                        "surface", "liked_tracks", "liked_artists",
                        "new_artist_share", "num_mixes"}),
       &RunRecommend},
      {"radio",
       "(--seed_track=T | --seed_artist=A | --seed_genre=G | --page_token=P)\n"
       "[--user=U] [--count=N] [--country=SE] [--exclude_tracks=a,b]\n"
       "[--artist_spacing=N] [--skipped=a,b] [--liked=a,b] [filters]",
       "a station from one seed; --page_token continues it (a seed is then\n"
       "optional), --skipped and --liked steer it by the previous page",
       WithFilterFlags({"seed_track", "seed_artist", "seed_genre", "user",
                        "count", "country", "exclude_tracks", "artist_spacing",
                        "page_token", "skipped", "liked"}),
       &RunRadio},
      {"related-artists",
       "--artist=A [--count=N]",
       "artists that fans of A also like",
       {"artist", "count"},
       &RunRelatedArtists},
      {"now-playing",
       "--track=T [--user=U] [--recent=t1,t2] [--count=N] [--country=SE]\n"
       "[filters]",
       "up next, related artists, more by the same artist",
       WithFilterFlags({"track", "user", "recent", "count", "country"}),
       &RunNowPlaying},
      {"feedback",
       "--user=U --track=T --event=impression|play|skip|like|dislike\n"
       "[--surface=S] [--variant=V]",
       "logs one event about a track; S and V as the track was served\n"
       "(S: home, discover_weekly, daily_mix, radio, now_playing)",
       {"user", "track", "event", "surface", "variant"},
       &RunFeedback},
      {"model-info",
       "",
       "version, sizes and metrics of the served model",
       {},
       &RunModelInfo},
      {"health",
       "[--service=S]",
       "grpc.health.v1 check; exits 0 only when SERVING",
       {"service"},
       &RunHealth},
  };
  return *kCommands;
}

std::string UsageMessage() {
  std::string text =
      "command-line client of the recsys.v1.Recommender service\n\n"
      "usage: recsys-cli [flags] <command> [flags]\n\ncommands:\n";
  // Names in a column of their own; flags and summary aligned after them.
  const std::string indent(2 + 16 + 1, ' ');
  const auto indented = [&indent](absl::string_view lines) {
    return absl::StrReplaceAll(lines, {{"\n", "\n" + indent}});
  };
  for (const Command& command : Commands()) {
    if (command.args.empty()) {
      absl::StrAppendFormat(&text, "  %-16s %s\n", command.name,
                            indented(command.summary));
      continue;
    }
    absl::StrAppendFormat(&text, "  %-16s %s\n%s%s\n", command.name,
                          indented(command.args), indent,
                          indented(command.summary));
  }
  absl::StrAppend(
      &text,
      "\nfilters (recommend, radio, now-playing): "
      "--kind=any|music|podcast|audiobook\n"
      "  --released_after=YEAR --released_before=YEAR (inclusive; 0 = "
      "unbounded) --no_explicit\n"
      "\nglobal flags: --target=HOST:PORT (127.0.0.1:50051), "
      "--deadline_ms=N (2000), --json\n"
      "  TLS: --tls_ca=CA.pem [--tls_server_name=NAME] "
      "[--tls_cert=CLIENT.pem --tls_key=CLIENT.key]\n"
      "exit codes: 0 ok; 1 RPC error, or health not SERVING; 2 usage error");
  return text;
}

// Returns the first command-specific flag set to a non-default value that
// `command` does not read, or "" when there is none. (A flag set explicitly
// to its default is indistinguishable here, and harmless.)
std::string FirstInapplicableFlag(const Command& command) {
  // Every command-specific flag is read by some command, so the union of the
  // lists is the set to check, and no second list can fall out of step.
  for (const Command& other : Commands()) {
    for (absl::string_view name : other.flags) {
      bool applies = false;
      for (absl::string_view allowed : command.flags) {
        if (allowed == name) applies = true;
      }
      if (applies) continue;
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      if (flag != nullptr && flag->CurrentValue() != flag->DefaultValue()) {
        return std::string(name);
      }
    }
  }
  return "";
}

}  // namespace
}  // namespace recsys::clients

int main(int argc, char** argv) {
  recsys::core::DisableMutexDeadlockDetection();  // core/mutexes.h
  namespace rc = recsys::clients;
  absl::SetProgramUsageMessage(rc::UsageMessage());
  // --help lists the flags of the main file only; absl's default filter
  // expects it to be named after the binary (recsys-cli.cc).
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view filename) {
    return absl::EndsWith(filename, "clients/cli_main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);

  if (args.size() < 2) return rc::UsageError("no command given");
  if (args.size() > 2) {
    return rc::UsageError(absl::StrCat("unexpected argument '", args[2], "'"));
  }
  const absl::string_view name = args[1];
  const rc::Command* command = nullptr;
  for (const rc::Command& candidate : rc::Commands()) {
    if (candidate.name == name) command = &candidate;
  }
  if (command == nullptr) {
    return rc::UsageError(absl::StrCat("unknown command '", name, "'"));
  }
  const std::string inapplicable = rc::FirstInapplicableFlag(*command);
  if (!inapplicable.empty()) {
    return rc::UsageError(
        absl::StrCat("--", inapplicable, " does not apply to '", name, "'"));
  }

  rc::CliOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.deadline_ms = absl::GetFlag(FLAGS_deadline_ms);
  options.json = absl::GetFlag(FLAGS_json);
  options.user = absl::GetFlag(FLAGS_user);
  options.count = absl::GetFlag(FLAGS_count);
  options.country = absl::GetFlag(FLAGS_country);
  options.exclude_tracks = absl::GetFlag(FLAGS_exclude_tracks);
  options.exclude_artists = absl::GetFlag(FLAGS_exclude_artists);
  options.recent = absl::GetFlag(FLAGS_recent);
  options.max_per_artist = absl::GetFlag(FLAGS_max_per_artist);
  options.surface = absl::GetFlag(FLAGS_surface);
  options.liked_tracks = absl::GetFlag(FLAGS_liked_tracks);
  options.liked_artists = absl::GetFlag(FLAGS_liked_artists);
  options.new_artist_share = absl::GetFlag(FLAGS_new_artist_share);
  options.num_mixes = absl::GetFlag(FLAGS_num_mixes);
  options.kind = absl::GetFlag(FLAGS_kind);
  options.released_after = absl::GetFlag(FLAGS_released_after);
  options.released_before = absl::GetFlag(FLAGS_released_before);
  options.no_explicit = absl::GetFlag(FLAGS_no_explicit);
  options.seed_track = absl::GetFlag(FLAGS_seed_track);
  options.seed_artist = absl::GetFlag(FLAGS_seed_artist);
  options.seed_genre = absl::GetFlag(FLAGS_seed_genre);
  options.artist_spacing = absl::GetFlag(FLAGS_artist_spacing);
  options.page_token = absl::GetFlag(FLAGS_page_token);
  options.skipped = absl::GetFlag(FLAGS_skipped);
  options.liked = absl::GetFlag(FLAGS_liked);
  options.artist = absl::GetFlag(FLAGS_artist);
  options.track = absl::GetFlag(FLAGS_track);
  options.event = absl::GetFlag(FLAGS_event);
  options.variant = absl::GetFlag(FLAGS_variant);
  options.service = absl::GetFlag(FLAGS_service);

  if (options.deadline_ms <= 0) {
    return rc::UsageError("--deadline_ms must be positive");
  }
  if (options.target.empty()) return rc::UsageError("--target is empty");
  const std::string tls_ca = absl::GetFlag(FLAGS_tls_ca);
  const std::string tls_cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string tls_key = absl::GetFlag(FLAGS_tls_key);
  options.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (tls_ca.empty() && (!tls_cert.empty() || !tls_key.empty() ||
                         !options.tls_server_name.empty())) {
    return rc::UsageError(
        "--tls_cert, --tls_key and --tls_server_name need --tls_ca");
  }
  if (tls_cert.empty() != tls_key.empty()) {
    return rc::UsageError("--tls_cert and --tls_key go together");
  }
  for (const auto& [flag, path, pem] :
       {std::tuple<const char*, const std::string&, std::string*>{
            "tls_ca", tls_ca, &options.tls_ca_pem},
        {"tls_cert", tls_cert, &options.tls_cert_pem},
        {"tls_key", tls_key, &options.tls_key_pem}}) {
    if (path.empty()) continue;
    absl::StatusOr<std::string> contents = rc::ReadPemFlag(flag, path);
    if (!contents.ok()) return rc::UsageError(contents.status().message());
    *pem = *std::move(contents);
  }
  return command->run(options);
}
