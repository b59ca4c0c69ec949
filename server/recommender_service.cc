#include "server/recommender_service.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/recommender.h"
#include "core/status_macros.h"
#include "server/status_mapping.h"

namespace recsys::server {
namespace {

namespace pb = ::recsys::v1;
using core::ServingModel;

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

absl::Status CheckIdList(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& ids, int max_size) {
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

std::vector<std::string> ToVector(
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
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
  }
  return pb::Reason::KIND_UNSPECIFIED;
}

void FillReason(const ServingModel& model, const core::Reason& reason,
                pb::Reason* out) {
  const core::Catalog& c = model.catalog();
  out->set_kind(ToProto(reason.kind));
  out->set_text(reason.text);
  if (reason.source_track)
    out->set_source_track_id(c.tracks[*reason.source_track].id);
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

// Runs one RPC: takes the served model (UNAVAILABLE before the first load),
// calls `body`, records metrics and finishes the reactor.
template <typename Body>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                absl::string_view method,
                                const ModelHolder* models,
                                ServerMetrics* metrics, const Body& body) {
  const auto start = std::chrono::steady_clock::now();
  absl::Status status;
  std::shared_ptr<const ServingModel> model = models->Get();
  if (model == nullptr) {
    status = absl::UnavailableError("no model is loaded yet");
  } else {
    status = body(*model);
  }
  const grpc::Status grpc_status = ToGrpcStatus(status, method);
  if (metrics != nullptr) {
    metrics->ObserveRpc(
        method, GrpcCodeName(grpc_status.error_code()),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc_status);
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* RecommenderService::Recommend(
    grpc::CallbackServerContext* context, const pb::RecommendRequest* request,
    pb::RecommendResponse* response) {
  return Serve(
      context, "Recommend", models_, metrics_,
      [&](const ServingModel& model) -> absl::Status {
        core::RecommendQuery q;
        RETURN_IF_ERROR(CheckId("user_id", request->user_id(), false));
        RETURN_IF_ERROR(CheckIdList(
            "recent_track_ids", request->recent_track_ids(), kMaxRecentTracks));
        if (request->user_id().empty() && request->recent_track_ids().empty()) {
          return absl::InvalidArgumentError(
              "user_id is required unless recent_track_ids are given");
        }
        RETURN_IF_ERROR(CheckIdList(
            "exclude_track_ids", request->exclude_track_ids(), kMaxExclusions));
        RETURN_IF_ERROR(CheckIdList("exclude_artist_ids",
                                    request->exclude_artist_ids(),
                                    kMaxExclusions));
        ASSIGN_OR_RETURN(
            q.count, CheckCount("count", request->count(), kDefaultTrackCount,
                                kMaxTrackCount));
        ASSIGN_OR_RETURN(q.max_per_artist,
                         CheckCount("max_per_artist", request->max_per_artist(),
                                    kDefaultMaxPerArtist, kMaxTrackCount));
        ASSIGN_OR_RETURN(q.country, CheckCountry(request->context()));
        q.user_id = request->user_id();
        q.recent_track_ids = ToVector(request->recent_track_ids());
        q.exclude_track_ids = ToVector(request->exclude_track_ids());
        q.exclude_artist_ids = ToVector(request->exclude_artist_ids());
        ASSIGN_OR_RETURN(core::RecommendResult result,
                         core::Recommend(model, q));
        FillTracks(model, result.items, response->mutable_items());
        response->set_cold_start(result.cold_start);
        response->set_model_version(model.metadata().version);
        if (metrics_ != nullptr) {
          metrics_->ObserveItems("Recommend", response->items_size());
          if (result.cold_start) metrics_->CountColdStart();
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::Radio(
    grpc::CallbackServerContext* context, const pb::RadioRequest* request,
    pb::RadioResponse* response) {
  return Serve(
      context, "Radio", models_, metrics_,
      [&](const ServingModel& model) -> absl::Status {
        core::RadioQuery q;
        switch (request->seed_case()) {
          case pb::RadioRequest::kSeedTrackId:
            RETURN_IF_ERROR(
                CheckId("seed_track_id", request->seed_track_id(), true));
            q.seed_track_id = request->seed_track_id();
            break;
          case pb::RadioRequest::kSeedArtistId:
            RETURN_IF_ERROR(
                CheckId("seed_artist_id", request->seed_artist_id(), true));
            q.seed_artist_id = request->seed_artist_id();
            break;
          case pb::RadioRequest::kSeedGenre:
            RETURN_IF_ERROR(CheckId("seed_genre", request->seed_genre(), true));
            q.seed_genre = request->seed_genre();
            break;
          case pb::RadioRequest::SEED_NOT_SET:
            return absl::InvalidArgumentError(
                "a seed is required: seed_track_id, seed_artist_id or "
                "seed_genre");
        }
        RETURN_IF_ERROR(CheckId("user_id", request->user_id(), false));
        RETURN_IF_ERROR(CheckIdList(
            "exclude_track_ids", request->exclude_track_ids(), kMaxExclusions));
        ASSIGN_OR_RETURN(
            q.count, CheckCount("count", request->count(), kDefaultTrackCount,
                                kMaxTrackCount));
        ASSIGN_OR_RETURN(q.artist_spacing,
                         CheckCount("artist_spacing", request->artist_spacing(),
                                    kDefaultArtistSpacing, kMaxArtistSpacing));
        ASSIGN_OR_RETURN(q.country, CheckCountry(request->context()));
        q.user_id = request->user_id();
        q.exclude_track_ids = ToVector(request->exclude_track_ids());
        ASSIGN_OR_RETURN(std::vector<core::ScoredTrack> items,
                         core::Radio(model, q));
        FillTracks(model, items, response->mutable_items());
        response->set_model_version(model.metadata().version);
        if (metrics_ != nullptr)
          metrics_->ObserveItems("Radio", response->items_size());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::RelatedArtists(
    grpc::CallbackServerContext* context,
    const pb::RelatedArtistsRequest* request,
    pb::RelatedArtistsResponse* response) {
  return Serve(
      context, "RelatedArtists", models_, metrics_,
      [&](const ServingModel& model) -> absl::Status {
        RETURN_IF_ERROR(CheckId("artist_id", request->artist_id(), true));
        ASSIGN_OR_RETURN(const int count,
                         CheckCount("count", request->count(),
                                    kDefaultArtistCount, kMaxArtistCount));
        ASSIGN_OR_RETURN(
            std::vector<core::ScoredArtist> artists,
            core::RelatedArtists(model, request->artist_id(), count));
        FillArtists(model, artists, response->mutable_artists());
        response->set_model_version(model.metadata().version);
        if (metrics_ != nullptr) {
          metrics_->ObserveItems("RelatedArtists", response->artists_size());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::NowPlaying(
    grpc::CallbackServerContext* context, const pb::NowPlayingRequest* request,
    pb::NowPlayingResponse* response) {
  return Serve(
      context, "NowPlaying", models_, metrics_,
      [&](const ServingModel& model) -> absl::Status {
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
        q.current_track_id = request->current_track_id();
        q.user_id = request->user_id();
        q.recent_track_ids = ToVector(request->recent_track_ids());
        ASSIGN_OR_RETURN(core::NowPlayingResult result,
                         core::NowPlaying(model, q));
        FillTracks(model, result.up_next, response->mutable_up_next());
        FillArtists(model, result.related_artists,
                    response->mutable_related_artists());
        FillTracks(model, result.more_by_artist,
                   response->mutable_more_by_artist());
        response->set_model_version(model.metadata().version);
        if (metrics_ != nullptr) {
          metrics_->ObserveItems("NowPlaying", response->up_next_size());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecommenderService::GetModelInfo(
    grpc::CallbackServerContext* context,
    const pb::GetModelInfoRequest* request, pb::ModelInfo* response) {
  return Serve(context, "GetModelInfo", models_, metrics_,
               [&](const ServingModel& model) -> absl::Status {
                 const core::ModelMetadata& m = model.metadata();
                 response->set_model_version(m.version);
                 response->set_created_at_seconds(m.created_at_seconds);
                 response->set_num_users(m.num_users);
                 response->set_num_tracks(m.num_tracks);
                 response->set_num_artists(m.num_artists);
                 response->set_num_interactions(m.num_interactions);
                 response->set_cf_dimensions(m.cf_dimensions);
                 response->set_content_dimensions(m.content_dimensions);
                 for (const auto& [name, value] : m.metrics)
                   (*response->mutable_metrics())[name] = value;
                 auto& blend = *response->mutable_blend_weights();
                 blend["cf"] = m.blend.cf;
                 blend["content"] = m.blend.content;
                 blend["popularity"] = m.blend.popularity;
                 for (const std::string& g : model.catalog().genres)
                   response->add_genres(g);
                 for (const auto& [name, value] : m.training)
                   (*response->mutable_training())[name] = value;
                 return absl::OkStatus();
               });
}

}  // namespace recsys::server
