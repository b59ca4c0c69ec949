#include "server/recommender_service.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/recommender.h"
#include "core/status_macros.h"
#include "server/status_mapping.h"

namespace recsys::server {
namespace {

namespace pb = ::recsys::v1;
using core::ServingModel;
using IdList = google::protobuf::RepeatedPtrField<std::string>;

absl::Status CheckId(absl::string_view field, const std::string& id,
                     bool required) {
  if (id.empty()) {
    return required
               ? absl::InvalidArgumentError(absl::StrCat(field, " is required"))
               : absl::OkStatus();
  }
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", kMaxIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status CheckIdList(absl::string_view field, const IdList& ids,
                         int max_size) {
  if (ids.size() > max_size) {
    return absl::InvalidArgumentError(absl::StrCat(field, " has ", ids.size(),
                                                   " entries, at most ",
                                                   max_size, " allowed"));
  }
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i].empty() || ids[i].size() > kMaxIdBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "] must be a non-empty id of at most ",
                       kMaxIdBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

// 0 means "the default"; negative or above `max` is an error.
absl::StatusOr<int> CheckCount(absl::string_view field, int32_t value,
                               int default_value, int max) {
  if (value == 0) return default_value;
  if (value < 0 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be between 1 and ", max, " (0 for ",
                     default_value, "), got ", value));
  }
  return value;
}

absl::StatusOr<std::string> CheckCountry(const pb::Context& context) {
  const std::string& c = context.country();
  if (c.empty()) return c;
  if (c.size() != 2 || !absl::ascii_isupper(c[0]) ||
      !absl::ascii_isupper(c[1])) {
    return absl::InvalidArgumentError(
        absl::StrCat("context.country must be an ISO 3166-1 alpha-2 code such "
                     "as \"SE\", got \"",
                     c, "\""));
  }
  return c;
}

absl::Status CheckTimestamp(const pb::Context& context) {
  if (context.timestamp_seconds() < 0) {
    return absl::InvalidArgumentError(
        "context.timestamp_seconds must be >= 0 (0 = the server's clock)");
  }
  return absl::OkStatus();
}

absl::StatusOr<core::TrackFilter> ToFilter(const pb::TrackFilter& f) {
  core::TrackFilter filter;
  switch (f.kind()) {
    case pb::KIND_ANY:
      break;
    case pb::MUSIC:
      filter.kind = core::ContentKind::kMusic;
      break;
    case pb::PODCAST:
      filter.kind = core::ContentKind::kPodcast;
      break;
    case pb::AUDIOBOOK:
      filter.kind = core::ContentKind::kAudiobook;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("filter.kind ", f.kind(), " is not a known kind"));
  }
  for (const auto& [field, year] :
       {std::pair<const char*, int32_t>{"filter.released_after_year",
                                        f.released_after_year()},
        {"filter.released_before_year", f.released_before_year()}}) {
    if (year < 0 || year > 9999) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " must be a year in [1, 9999] or 0, got ", year));
    }
  }
  if (f.released_after_year() != 0 && f.released_before_year() != 0 &&
      f.released_after_year() > f.released_before_year()) {
    return absl::InvalidArgumentError(
        "filter.released_after_year is after filter.released_before_year");
  }
  filter.released_after_year = f.released_after_year();
  filter.released_before_year = f.released_before_year();
  filter.exclude_explicit = f.exclude_explicit();
  return filter;
}

std::vector<std::string> ToVector(const IdList& ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

// A metrics label from a client: lower-case letters, digits and '_', or
// INVALID_ARGUMENT (labels must stay few and clean).
absl::Status CheckLabel(absl::string_view field, const std::string& value) {
  if (value.size() > kMaxLabelBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", kMaxLabelBytes, " bytes"));
  }
  for (char c : value) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
          c == '-')) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " may hold only [a-z0-9_-], got \"", value, "\""));
    }
  }
  return absl::OkStatus();
}

pb::Reason::Kind ToProto(core::ReasonKind kind) {
  switch (kind) {
    case core::ReasonKind::kBecauseYouListened:
      return pb::Reason::BECAUSE_YOU_LISTENED;
    case core::ReasonKind::kPopularInRegion:
      return pb::Reason::POPULAR_IN_REGION;
    case core::ReasonKind::kSimilarToSeed:
      return pb::Reason::SIMILAR_TO_SEED;
    case core::ReasonKind::kFansAlsoLike:
      return pb::Reason::FANS_ALSO_LIKE;
    case core::ReasonKind::kSimilarSound:
      return pb::Reason::SIMILAR_SOUND;
    case core::ReasonKind::kSameArtist:
      return pb::Reason::SAME_ARTIST;
    case core::ReasonKind::kSimilarToArtistsYouLike:
      return pb::Reason::SIMILAR_TO_ARTISTS_YOU_LIKE;
  }
  return pb::Reason::KIND_UNSPECIFIED;
}

void FillReason(const ServingModel& model, const core::Reason& reason,
                pb::Reason* out) {
  const core::Catalog& c = model.catalog();
  out->set_kind(ToProto(reason.kind));
  out->set_text(reason.text);
  if (reason.source_track) {
    out->set_source_track_id(c.tracks[*reason.source_track].id);
  }
  if (reason.source_artist) {
    out->set_source_artist_id(c.artists[*reason.source_artist].id);
  }
  out->set_country(reason.country);
}

void FillTracks(const ServingModel& model,
                const std::vector<core::ScoredTrack>& items,
                google::protobuf::RepeatedPtrField<pb::ScoredTrack>* out) {
  const core::Catalog& c = model.catalog();
  out->Reserve(static_cast<int>(items.size()));
  for (const core::ScoredTrack& item : items) {
    const core::Track& t = c.tracks[item.track];
    pb::ScoredTrack* st = out->Add();
    pb::Track* track = st->mutable_track();
    track->set_track_id(t.id);
    track->set_title(t.title);
    track->set_artist_id(c.artists[t.artist].id);
    track->set_artist_name(c.artists[t.artist].name);
    track->set_genre(c.genres[t.genre]);
    if (!c.subgenres.empty()) track->set_subgenre(c.subgenres[t.subgenre]);
    track->set_release_year(t.release_year);
    track->set_kind(std::string(core::ContentKindName(t.kind)));
    track->set_explicit_(t.explicit_content);
    st->set_score(item.score);
    FillReason(model, item.reason, st->mutable_reason());
  }
}

void FillArtists(const ServingModel& model,
                 const std::vector<core::ScoredArtist>& items,
                 google::protobuf::RepeatedPtrField<pb::ScoredArtist>* out) {
  const core::Catalog& c = model.catalog();
  for (const core::ScoredArtist& item : items) {
    const core::Artist& a = c.artists[item.artist];
    pb::ScoredArtist* sa = out->Add();
    sa->mutable_artist()->set_artist_id(a.id);
    sa->mutable_artist()->set_name(a.name);
    sa->mutable_artist()->set_genre(c.genres[a.genre]);
    sa->set_score(item.score);
    FillReason(model, item.reason, sa->mutable_reason());
  }
}

absl::string_view SurfaceName(pb::Surface surface) {
  switch (surface) {
    case pb::DISCOVER_WEEKLY:
      return "discover_weekly";
    case pb::DAILY_MIX:
      return "daily_mix";
    default:
      return "home";
  }
}

// Deadlines and cancellation are checked at stage boundaries only: before
// the core call and again before the response is filled. Core work takes
// single-digit milliseconds, so finer-grained checks inside scoring would
// cost more than the work they could save.
absl::Status CheckStillWanted(const grpc::ServerContextBase& context) {
  if (std::chrono::system_clock::now() >= context.deadline()) {
    return absl::DeadlineExceededError(
        "the deadline passed before the work was done");
  }
  if (context.IsCancelled()) {
    return absl::CancelledError("the client cancelled the call");
  }
  return absl::OkStatus();
}

}  // namespace

// Admission first, so that an overloaded server rejects at the cost of an
// atomic increment instead of queueing work it cannot finish in time.
template <typename Body>
grpc::ServerUnaryReactor* RecommenderService::Serve(
    grpc::CallbackServerContext* context, absl::string_view method, Body body) {
  const auto start = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auto finish = [this, reactor, method, start](const absl::Status& s) {
    const grpc::Status grpc_status = ToGrpcStatus(s, method);
    if (deps_.metrics != nullptr) {
      deps_.metrics->ObserveRpc(method, GrpcCodeName(grpc_status.error_code()),
                                std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
    }
    reactor->Finish(grpc_status);
  };
  const int running = in_flight_.fetch_add(1, std::memory_order_acq_rel);
  if (deps_.max_concurrent_rpcs > 0 && running >= deps_.max_concurrent_rpcs) {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    if (deps_.metrics != nullptr) deps_.metrics->CountRejected(method);
    finish(
        absl::ResourceExhaustedError("server overloaded, retry with backoff"));
    return reactor;
  }
  auto run = [this, context, finish, body = std::move(body)] {
    absl::Status status = CheckStillWanted(*context);
    if (status.ok()) {
      // The request keeps this model until it finishes, across swaps.
      std::shared_ptr<const ServingModel> model = deps_.models->Get();
      status = model == nullptr
                   ? absl::UnavailableError("no model is loaded yet")
                   : body(*model);
    }
    // Released before Finish: a client that sends its next call as soon as
    // this one returns must find the slot free.
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    finish(status);
  };
  if (deps_.rpc_gate_for_testing) {
    deps_.rpc_gate_for_testing(*context, std::move(run));
  } else {
    run();
  }
  return reactor;
}

RecommenderService::RecommenderService(ServiceDeps deps)
    : deps_(std::move(deps)) {
  SetMessageAllocatorFor_Recommend(&recommend_messages_);
  SetMessageAllocatorFor_Radio(&radio_messages_);
  SetMessageAllocatorFor_RelatedArtists(&related_artists_messages_);
  SetMessageAllocatorFor_NowPlaying(&now_playing_messages_);
}

grpc::ServerUnaryReactor* RecommenderService::Recommend(
    grpc::CallbackServerContext* context, const pb::RecommendRequest* request,
    pb::RecommendResponse* response) {
  return Serve(
      context, "Recommend",
      [this, context, request,
       response](const ServingModel& model) -> absl::Status {
        core::RecommendQuery q;
        RETURN_IF_ERROR(CheckId("user_id", request->user_id(), false));
        RETURN_IF_ERROR(CheckIdList(
            "recent_track_ids", request->recent_track_ids(), kMaxRecentTracks));
        RETURN_IF_ERROR(CheckIdList("liked_track_ids",
                                    request->liked_track_ids(), kMaxLikes));
        RETURN_IF_ERROR(CheckIdList("liked_artist_ids",
                                    request->liked_artist_ids(), kMaxLikes));
        if (request->user_id().empty() && request->recent_track_ids().empty() &&
            request->liked_track_ids().empty() &&
            request->liked_artist_ids().empty()) {
          return absl::InvalidArgumentError(
              "user_id is required unless recent_track_ids, liked_track_ids or "
              "liked_artist_ids are given");
        }
        RETURN_IF_ERROR(CheckIdList(
            "exclude_track_ids", request->exclude_track_ids(), kMaxExclusions));
        RETURN_IF_ERROR(CheckIdList("exclude_artist_ids",
                                    request->exclude_artist_ids(),
                                    kMaxExclusions));
        switch (request->surface()) {
          case pb::SURFACE_UNSPECIFIED:
            q.surface = core::Surface::kHome;
            break;
          case pb::DISCOVER_WEEKLY:
            q.surface = core::Surface::kDiscoverWeekly;
            break;
          case pb::DAILY_MIX:
            q.surface = core::Surface::kDailyMix;
            break;
          default:
            return absl::InvalidArgumentError(
                absl::StrCat("surface ", request->surface(), " is not known"));
        }
        ASSIGN_OR_RETURN(
            q.count, CheckCount("count", request->count(), kDefaultTrackCount,
                                kMaxTrackCount));
        // Discover Weekly is about breadth: one track per artist unless asked.
        const int default_per_artist =
            q.surface == core::Surface::kDiscoverWeekly ? 1
                                                        : kDefaultMaxPerArtist;
        ASSIGN_OR_RETURN(q.max_per_artist,
                         CheckCount("max_per_artist", request->max_per_artist(),
                                    default_per_artist, kMaxTrackCount));
        ASSIGN_OR_RETURN(q.num_mixes,
                         CheckCount("num_mixes", request->num_mixes(),
                                    kDefaultNumMixes, kMaxNumMixes));
        q.new_artist_share = kDefaultNewArtistShare;
        if (request->has_new_artist_share()) {
          q.new_artist_share = request->new_artist_share();
          if (!(q.new_artist_share >= 0 && q.new_artist_share <= 1)) {
            return absl::InvalidArgumentError(
                "new_artist_share must be in [0, 1]");
          }
        }
        ASSIGN_OR_RETURN(q.country, CheckCountry(request->context()));
        RETURN_IF_ERROR(CheckTimestamp(request->context()));
        ASSIGN_OR_RETURN(q.filter, ToFilter(request->filter()));
        q.now_seconds = request->context().timestamp_seconds() != 0
                            ? request->context().timestamp_seconds()
                            : absl::ToUnixSeconds(absl::Now());
        q.user_id = request->user_id();
        q.recent_track_ids = ToVector(request->recent_track_ids());
        q.liked_track_ids = ToVector(request->liked_track_ids());
        q.liked_artist_ids = ToVector(request->liked_artist_ids());
        q.exclude_track_ids = ToVector(request->exclude_track_ids());
        q.exclude_artist_ids = ToVector(request->exclude_artist_ids());
        const Variant& variant = deps_.variants->Assign(q.user_id);
        q.blend = variant.weights;
        ASSIGN_OR_RETURN(core::RecommendResult result,
                         core::Recommend(model, q));
        RETURN_IF_ERROR(CheckStillWanted(*context));
        FillTracks(model, result.items, response->mutable_items());
        int items = response->items_size();
        for (const core::Mix& mix : result.mixes) {
          pb::Mix* out = response->add_mixes();
          out->set_title(mix.title);
          out->set_description(mix.description);
          FillTracks(model, mix.items, out->mutable_items());
          items += out->items_size();
        }
        response->set_cold_start(result.cold_start);
        response->set_model_version(model.metadata().version);
        response->set_variant(variant.name);
        if (deps_.metrics != nullptr) {
          deps_.metrics->ObserveItems("Recommend", items);
          deps_.metrics->CountVariant(SurfaceName(request->surface()),
                                      variant.name);
          if (result.cold_start) deps_.metrics->CountColdStart();
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::Radio(
    grpc::CallbackServerContext* context, const pb::RadioRequest* request,
    pb::RadioResponse* response) {
  return Serve(
      context, "Radio",
      [this, context, request,
       response](const ServingModel& model) -> absl::Status {
        core::RadioQuery q;
        RadioPageToken token;
        switch (request->seed_case()) {
          case pb::RadioRequest::kSeedTrackId:
            RETURN_IF_ERROR(
                CheckId("seed_track_id", request->seed_track_id(), true));
            token.seed_kind = RadioPageToken::SeedKind::kTrack;
            token.seed = request->seed_track_id();
            break;
          case pb::RadioRequest::kSeedArtistId:
            RETURN_IF_ERROR(
                CheckId("seed_artist_id", request->seed_artist_id(), true));
            token.seed_kind = RadioPageToken::SeedKind::kArtist;
            token.seed = request->seed_artist_id();
            break;
          case pb::RadioRequest::kSeedGenre:
            RETURN_IF_ERROR(CheckId("seed_genre", request->seed_genre(), true));
            token.seed_kind = RadioPageToken::SeedKind::kGenre;
            token.seed = request->seed_genre();
            break;
          case pb::RadioRequest::SEED_NOT_SET:
            if (request->page_token().empty()) {
              return absl::InvalidArgumentError(
                  "a seed is required: seed_track_id, seed_artist_id or "
                  "seed_genre (or the page_token of a previous page)");
            }
            break;
        }
        const absl::Time now = absl::Now();
        if (!request->page_token().empty()) {
          ASSIGN_OR_RETURN(
              RadioPageToken previous,
              deps_.page_tokens->Decode(request->page_token(), now));
          if (request->seed_case() != pb::RadioRequest::SEED_NOT_SET &&
              (previous.seed_kind != token.seed_kind ||
               previous.seed != token.seed)) {
            return absl::InvalidArgumentError(
                "page_token belongs to a station with another seed");
          }
          token = std::move(previous);
          q.session = token.session;
        }
        switch (token.seed_kind) {
          case RadioPageToken::SeedKind::kTrack:
            q.seed_track_id = token.seed;
            break;
          case RadioPageToken::SeedKind::kArtist:
            q.seed_artist_id = token.seed;
            break;
          case RadioPageToken::SeedKind::kGenre:
            q.seed_genre = token.seed;
            break;
        }
        RETURN_IF_ERROR(CheckId("user_id", request->user_id(), false));
        RETURN_IF_ERROR(CheckIdList(
            "exclude_track_ids", request->exclude_track_ids(), kMaxExclusions));
        RETURN_IF_ERROR(CheckIdList("skipped_track_ids",
                                    request->skipped_track_ids(),
                                    kMaxSessionFeedbackIds));
        RETURN_IF_ERROR(CheckIdList("liked_track_ids",
                                    request->liked_track_ids(),
                                    kMaxSessionFeedbackIds));
        ASSIGN_OR_RETURN(
            q.count, CheckCount("count", request->count(), kDefaultTrackCount,
                                kMaxTrackCount));
        ASSIGN_OR_RETURN(q.artist_spacing,
                         CheckCount("artist_spacing", request->artist_spacing(),
                                    kDefaultArtistSpacing, kMaxArtistSpacing));
        ASSIGN_OR_RETURN(q.country, CheckCountry(request->context()));
        RETURN_IF_ERROR(CheckTimestamp(request->context()));
        ASSIGN_OR_RETURN(q.filter, ToFilter(request->filter()));
        q.user_id = request->user_id();
        q.exclude_track_ids = ToVector(request->exclude_track_ids());
        q.skipped_track_ids = ToVector(request->skipped_track_ids());
        q.liked_track_ids = ToVector(request->liked_track_ids());
        const Variant& variant = deps_.variants->Assign(q.user_id);
        q.blend = variant.weights;
        ASSIGN_OR_RETURN(core::RadioResult result, core::Radio(model, q));
        RETURN_IF_ERROR(CheckStillWanted(*context));
        FillTracks(model, result.items, response->mutable_items());
        token.session = std::move(result.session);
        token.issued_at_seconds = absl::ToUnixSeconds(now);
        response->set_next_page_token(deps_.page_tokens->Encode(token));
        response->set_model_version(model.metadata().version);
        response->set_variant(variant.name);
        if (deps_.metrics != nullptr) {
          deps_.metrics->ObserveItems("Radio", response->items_size());
          deps_.metrics->CountVariant("radio", variant.name);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::RelatedArtists(
    grpc::CallbackServerContext* context,
    const pb::RelatedArtistsRequest* request,
    pb::RelatedArtistsResponse* response) {
  return Serve(
      context, "RelatedArtists",
      [this, context, request,
       response](const ServingModel& model) -> absl::Status {
        RETURN_IF_ERROR(CheckId("artist_id", request->artist_id(), true));
        ASSIGN_OR_RETURN(const int count,
                         CheckCount("count", request->count(),
                                    kDefaultArtistCount, kMaxArtistCount));
        ASSIGN_OR_RETURN(
            std::vector<core::ScoredArtist> artists,
            core::RelatedArtists(model, request->artist_id(), count));
        RETURN_IF_ERROR(CheckStillWanted(*context));
        FillArtists(model, artists, response->mutable_artists());
        response->set_model_version(model.metadata().version);
        // Related artists do not depend on the blend: every user
        // sees the model's own answer.
        response->set_variant(deps_.variants->Assign("").name);
        if (deps_.metrics != nullptr) {
          deps_.metrics->ObserveItems("RelatedArtists",
                                      response->artists_size());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::NowPlaying(
    grpc::CallbackServerContext* context, const pb::NowPlayingRequest* request,
    pb::NowPlayingResponse* response) {
  return Serve(
      context, "NowPlaying",
      [this, context, request,
       response](const ServingModel& model) -> absl::Status {
        core::NowPlayingQuery q;
        RETURN_IF_ERROR(
            CheckId("current_track_id", request->current_track_id(), true));
        RETURN_IF_ERROR(CheckId("user_id", request->user_id(), false));
        RETURN_IF_ERROR(CheckIdList(
            "recent_track_ids", request->recent_track_ids(), kMaxRecentTracks));
        ASSIGN_OR_RETURN(
            q.count, CheckCount("count", request->count(),
                                kDefaultNowPlayingCount, kMaxNowPlayingCount));
        ASSIGN_OR_RETURN(q.country, CheckCountry(request->context()));
        RETURN_IF_ERROR(CheckTimestamp(request->context()));
        ASSIGN_OR_RETURN(q.filter, ToFilter(request->filter()));
        q.current_track_id = request->current_track_id();
        q.user_id = request->user_id();
        q.recent_track_ids = ToVector(request->recent_track_ids());
        const Variant& variant = deps_.variants->Assign(q.user_id);
        q.blend = variant.weights;
        ASSIGN_OR_RETURN(core::NowPlayingResult result,
                         core::NowPlaying(model, q));
        RETURN_IF_ERROR(CheckStillWanted(*context));
        FillTracks(model, result.up_next, response->mutable_up_next());
        FillArtists(model, result.related_artists,
                    response->mutable_related_artists());
        FillTracks(model, result.more_by_artist,
                   response->mutable_more_by_artist());
        response->set_model_version(model.metadata().version);
        response->set_variant(variant.name);
        if (deps_.metrics != nullptr) {
          deps_.metrics->ObserveItems("NowPlaying", response->up_next_size());
          deps_.metrics->CountVariant("now_playing", variant.name);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::GetModelInfo(
    grpc::CallbackServerContext* context,
    const pb::GetModelInfoRequest* request, pb::ModelInfo* response) {
  return Serve(context, "GetModelInfo",
               [response](const ServingModel& model) -> absl::Status {
                 const core::ModelMetadata& m = model.metadata();
                 response->set_model_version(m.version);
                 response->set_created_at_seconds(m.created_at_seconds);
                 response->set_num_users(m.num_users);
                 response->set_num_tracks(m.num_tracks);
                 response->set_num_artists(m.num_artists);
                 response->set_num_interactions(m.num_interactions);
                 response->set_cf_dimensions(m.cf_dimensions);
                 response->set_content_dimensions(m.content_dimensions);
                 for (const auto& [name, value] : m.metrics) {
                   (*response->mutable_metrics())[name] = value;
                 }
                 auto& blend = *response->mutable_blend_weights();
                 blend["cf"] = m.blend.cf;
                 blend["content"] = m.blend.content;
                 blend["popularity"] = m.blend.popularity;
                 for (const std::string& g : model.catalog().genres) {
                   response->add_genres(g);
                 }
                 for (const auto& [name, value] : m.training) {
                   (*response->mutable_training())[name] = value;
                 }
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* RecommenderService::Feedback(
    grpc::CallbackServerContext* context, const pb::FeedbackRequest* request,
    pb::FeedbackResponse* response) {
  return Serve(
      context, "Feedback",
      [this, request, response](const ServingModel&) -> absl::Status {
        if (request->events().empty() ||
            request->events_size() > kMaxFeedbackEvents) {
          return absl::InvalidArgumentError(
              absl::StrCat("events must hold 1 to ", kMaxFeedbackEvents,
                           " events, got ", request->events_size()));
        }
        std::vector<core::FeedbackEvent> events;
        events.reserve(request->events_size());
        const int64_t now_ms = absl::ToUnixMillis(absl::Now());
        // Validate every event before logging any, so a request is all or
        // nothing.
        for (int i = 0; i < request->events_size(); ++i) {
          const pb::FeedbackEvent& in = request->events(i);
          const std::string at = absl::StrCat("events[", i, "].");
          RETURN_IF_ERROR(CheckId(at + "user_id", in.user_id(), true));
          RETURN_IF_ERROR(CheckId(at + "track_id", in.track_id(), true));
          RETURN_IF_ERROR(CheckLabel(at + "surface", in.surface()));
          RETURN_IF_ERROR(CheckLabel(at + "variant", in.variant()));
          if (in.timestamp_ms() < 0) {
            return absl::InvalidArgumentError(at + "timestamp_ms must be >= 0");
          }
          core::FeedbackEvent e;
          switch (in.type()) {
            case pb::FeedbackEvent::IMPRESSION:
              e.type = core::FeedbackType::kImpression;
              break;
            case pb::FeedbackEvent::PLAY:
              e.type = core::FeedbackType::kPlay;
              break;
            case pb::FeedbackEvent::SKIP:
              e.type = core::FeedbackType::kSkip;
              break;
            case pb::FeedbackEvent::LIKE:
              e.type = core::FeedbackType::kLike;
              break;
            case pb::FeedbackEvent::DISLIKE:
              e.type = core::FeedbackType::kDislike;
              break;
            default:
              return absl::InvalidArgumentError(
                  at + "type must be IMPRESSION, PLAY, SKIP, LIKE or DISLIKE");
          }
          e.timestamp_ms = in.timestamp_ms() != 0 ? in.timestamp_ms() : now_ms;
          e.user_id = in.user_id();
          e.track_id = in.track_id();
          e.surface = in.surface().empty() ? "unknown" : in.surface();
          e.variant = in.variant().empty() ? "unknown" : in.variant();
          events.push_back(std::move(e));
        }
        if (deps_.event_log != nullptr) {
          if (absl::Status logged = deps_.event_log->Append(events);
              !logged.ok()) {
            // The caller may retry; nothing of this request was counted.
            return absl::UnavailableError(absl::StrCat(
                "feedback could not be logged: ", logged.message()));
          }
        }
        if (deps_.metrics != nullptr) {
          for (const core::FeedbackEvent& e : events) {
            deps_.metrics->CountFeedback(e.surface, e.variant,
                                         core::FeedbackTypeName(e.type));
          }
        }
        response->set_accepted(static_cast<int32_t>(events.size()));
        return absl::OkStatus();
      });
}

}  // namespace recsys::server
