// recsys-cli: the command-line client of the recsys.v1.Recommender service.
//
//   recsys-cli [flags] <command> [flags]
//
// Exit codes: 0 success; 1 an RPC failed (or `health` is not SERVING);
// 2 the command line is wrong. Run with --help for the commands.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
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
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "clients/cli_format.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "recsys/v1/recommender.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "host:port of the Recommender server (plaintext)");
ABSL_FLAG(int32_t, deadline_ms, 2000,
          "deadline of the call in milliseconds; must be positive");
ABSL_FLAG(bool, json, false,
          "print the response as JSON (proto field names) instead of a table");

ABSL_FLAG(std::string, user, "", "user id (recommend, radio, now-playing)");
ABSL_FLAG(int32_t, count, 0, "number of results; 0 = the server's default");
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
ABSL_FLAG(std::string, seed_track, "", "radio seeded by this track id");
ABSL_FLAG(std::string, seed_artist, "", "radio seeded by this artist id");
ABSL_FLAG(std::string, seed_genre, "",
          "radio seeded by this genre, as listed by model-info");
ABSL_FLAG(int32_t, artist_spacing, 0,
          "minimum distance between two tracks of one artist; 0 = the "
          "server's default (radio)");
ABSL_FLAG(std::string, artist, "", "artist id (related-artists)");
ABSL_FLAG(std::string, track, "", "id of the track playing (now-playing)");
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
  std::string seed_track;
  std::string seed_artist;
  std::string seed_genre;
  int32_t artist_spacing = 0;
  std::string artist;
  std::string track;
  std::string service;
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

// The builders below return INVALID_ARGUMENT for a command line the server
// would reject anyway, so that the user gets exit code 2 and a hint naming
// the flag rather than an RPC error.

absl::StatusOr<recsys::v1::RecommendRequest> BuildRecommendRequest(
    const CliOptions& options) {
  // The API serves anonymous listeners from their recent plays alone.
  if (options.user.empty() && options.recent.empty()) {
    return absl::InvalidArgumentError(
        "recommend needs --user (or --recent for an anonymous listener)");
  }
  recsys::v1::RecommendRequest request;
  request.set_user_id(options.user);
  request.set_count(options.count);
  SetCountry(options.country, &request);
  AddIds(options.exclude_tracks, request.mutable_exclude_track_ids());
  AddIds(options.exclude_artists, request.mutable_exclude_artist_ids());
  AddIds(options.recent, request.mutable_recent_track_ids());
  request.set_max_per_artist(options.max_per_artist);
  return request;
}

absl::StatusOr<recsys::v1::RadioRequest> BuildRadioRequest(
    const CliOptions& options) {
  const int seeds = !options.seed_track.empty() + !options.seed_artist.empty() +
                    !options.seed_genre.empty();
  if (seeds != 1) {
    return absl::InvalidArgumentError(
        "radio needs exactly one of --seed_track, --seed_artist, "
        "--seed_genre");
  }
  recsys::v1::RadioRequest request;
  if (!options.seed_track.empty()) {
    request.set_seed_track_id(options.seed_track);
  } else if (!options.seed_artist.empty()) {
    request.set_seed_artist_id(options.seed_artist);
  } else {
    request.set_seed_genre(options.seed_genre);
  }
  request.set_user_id(options.user);
  request.set_count(options.count);
  SetCountry(options.country, &request);
  AddIds(options.exclude_tracks, request.mutable_exclude_track_ids());
  request.set_artist_spacing(options.artist_spacing);
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
  recsys::v1::NowPlayingRequest request;
  request.set_current_track_id(options.track);
  request.set_user_id(options.user);
  AddIds(options.recent, request.mutable_recent_track_ids());
  request.set_count(options.count);
  SetCountry(options.country, &request);
  return request;
}

std::shared_ptr<grpc::Channel> MakeChannel(const CliOptions& options) {
  return grpc::CreateChannel(options.target,
                             grpc::InsecureChannelCredentials());
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

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {"recommend",
       "--user=U [--count=N] [--country=SE] [--exclude_tracks=a,b]\n"
       "[--exclude_artists=x,y] [--recent=t1,t2] [--max_per_artist=N]",
       "personal tracks (--recent without --user: an anonymous listener)",
       {"user", "count", "country", "exclude_tracks", "exclude_artists",
        "recent", "max_per_artist"},
       &RunRecommend},
      {"radio",
       "(--seed_track=T | --seed_artist=A | --seed_genre=G) [--user=U]\n"
       "[--count=N] [--country=SE] [--exclude_tracks=a,b] [--artist_spacing=N]",
       "a station from one seed",
       {"seed_track", "seed_artist", "seed_genre", "user", "count", "country",
        "exclude_tracks", "artist_spacing"},
       &RunRadio},
      {"related-artists",
       "--artist=A [--count=N]",
       "artists that fans of A also like",
       {"artist", "count"},
       &RunRelatedArtists},
      {"now-playing",
       "--track=T [--user=U] [--recent=t1,t2] [--count=N] [--country=SE]",
       "up next, related artists, more by the same artist",
       {"track", "user", "recent", "count", "country"},
       &RunNowPlaying},
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

// Every command-specific flag, to find the ones a command does not read.
constexpr absl::string_view kCommandFlags[] = {
    "user",           "count",           "country",
    "exclude_tracks", "exclude_artists", "recent",
    "max_per_artist", "seed_track",      "seed_artist",
    "seed_genre",     "artist_spacing",  "artist",
    "track",          "service"};

std::string UsageMessage() {
  std::string text =
      "command-line client of the recsys.v1.Recommender service\n\n"
      "usage: recsys-cli [flags] <command> [flags]\n\ncommands:\n";
  // Names in a column of their own; flags and summary aligned after them.
  const std::string indent(2 + 16 + 1, ' ');
  for (const Command& command : Commands()) {
    if (command.args.empty()) {
      absl::StrAppendFormat(&text, "  %-16s %s\n", command.name,
                            command.summary);
      continue;
    }
    absl::StrAppendFormat(
        &text, "  %-16s %s\n%s%s\n", command.name,
        absl::StrReplaceAll(command.args, {{"\n", "\n" + indent}}), indent,
        command.summary);
  }
  absl::StrAppend(
      &text,
      "\nglobal flags: --target=HOST:PORT (127.0.0.1:50051), "
      "--deadline_ms=N (2000), --json\n"
      "exit codes: 0 ok; 1 RPC error, or health not SERVING; 2 usage error");
  return text;
}

// Returns the first command-specific flag set to a non-default value that
// `command` does not read, or "" when there is none. (A flag set explicitly
// to its default is indistinguishable here, and harmless.)
std::string FirstInapplicableFlag(const Command& command) {
  for (absl::string_view name : kCommandFlags) {
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
  return "";
}

}  // namespace
}  // namespace recsys::clients

int main(int argc, char** argv) {
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
  options.seed_track = absl::GetFlag(FLAGS_seed_track);
  options.seed_artist = absl::GetFlag(FLAGS_seed_artist);
  options.seed_genre = absl::GetFlag(FLAGS_seed_genre);
  options.artist_spacing = absl::GetFlag(FLAGS_artist_spacing);
  options.artist = absl::GetFlag(FLAGS_artist);
  options.track = absl::GetFlag(FLAGS_track);
  options.service = absl::GetFlag(FLAGS_service);

  if (options.deadline_ms <= 0) {
    return rc::UsageError("--deadline_ms must be positive");
  }
  if (options.target.empty()) return rc::UsageError("--target is empty");
  return command->run(options);
}
