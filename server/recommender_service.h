// The recsys.v1.Recommender gRPC service: validates each request, converts
// it to a core query, runs it on the model being served and converts the
// answer back. Limits on request fields are the constants below (also in
// docs/API.md).
//
// Thread-safe; handlers run on gRPC's callback threads and never block on
// anything but CPU work and RocksDB point reads.
#ifndef RECSYS_SERVER_RECOMMENDER_SERVICE_H_
#define RECSYS_SERVER_RECOMMENDER_SERVICE_H_

#include "recsys/v1/recommender.grpc.pb.h"
#include "server/metrics.h"
#include "server/model_holder.h"

namespace recsys::server {

inline constexpr int kDefaultTrackCount = 20;
inline constexpr int kMaxTrackCount = 500;
inline constexpr int kDefaultArtistCount = 10;
inline constexpr int kMaxArtistCount = 100;
inline constexpr int kDefaultNowPlayingCount = 10;
inline constexpr int kMaxNowPlayingCount = 100;
inline constexpr int kMaxExclusions = 10000;
inline constexpr int kMaxRecentTracks = 500;
inline constexpr int kMaxIdBytes = 256;
inline constexpr int kDefaultMaxPerArtist = 2;
inline constexpr int kDefaultArtistSpacing = 3;
inline constexpr int kMaxArtistSpacing = 50;

class RecommenderService final
    : public recsys::v1::Recommender::CallbackService {
 public:
  // `models` and `metrics` must outlive the service; `metrics` may be null.
  RecommenderService(const ModelHolder* models, ServerMetrics* metrics)
      : models_(models), metrics_(metrics) {}

  grpc::ServerUnaryReactor* Recommend(
      grpc::CallbackServerContext* context,
      const recsys::v1::RecommendRequest* request,
      recsys::v1::RecommendResponse* response) override;
  grpc::ServerUnaryReactor* Radio(grpc::CallbackServerContext* context,
                                  const recsys::v1::RadioRequest* request,
                                  recsys::v1::RadioResponse* response) override;
  grpc::ServerUnaryReactor* RelatedArtists(
      grpc::CallbackServerContext* context,
      const recsys::v1::RelatedArtistsRequest* request,
      recsys::v1::RelatedArtistsResponse* response) override;
  grpc::ServerUnaryReactor* NowPlaying(
      grpc::CallbackServerContext* context,
      const recsys::v1::NowPlayingRequest* request,
      recsys::v1::NowPlayingResponse* response) override;
  grpc::ServerUnaryReactor* GetModelInfo(
      grpc::CallbackServerContext* context,
      const recsys::v1::GetModelInfoRequest* request,
      recsys::v1::ModelInfo* response) override;

 private:
  const ModelHolder* models_;
  ServerMetrics* metrics_;
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_RECOMMENDER_SERVICE_H_
