// The recsys.v1.Recommender gRPC service: validates each request, converts
// it to a core query, runs it on the model being served and converts the
// answer back. Limits on request fields are the constants below (also in
// docs/API.md).
//
// Thread-safe; handlers run on gRPC's callback threads and never block on
// anything but CPU work and RocksDB point reads.
//
// Reliability (docs/RELIABILITY.md): at most `max_concurrent_rpcs` RPCs run at
// once, the rest get RESOURCE_EXHAUSTED at once; an RPC whose deadline has
// passed (or whose client cancelled) stops at the next stage boundary.
#ifndef RECSYS_SERVER_RECOMMENDER_SERVICE_H_
#define RECSYS_SERVER_RECOMMENDER_SERVICE_H_

#include <atomic>
#include <functional>

#include "core/event_log.h"
#include "recsys/v1/recommender.grpc.pb.h"
#include "server/arena_allocator.h"
#include "server/metrics.h"
#include "server/model_holder.h"
#include "server/page_token.h"
#include "server/variants.h"

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
inline constexpr int kMaxLikes = 500;
inline constexpr int kMaxSessionFeedbackIds = 500;
inline constexpr int kDefaultNumMixes = 3;
inline constexpr int kMaxNumMixes = 6;
inline constexpr double kDefaultNewArtistShare = 0.5;
inline constexpr int kMaxFeedbackEvents = 1000;
inline constexpr int kMaxLabelBytes = 64;

// What the service needs besides the request; every pointer must outlive
// the service.
struct ServiceDeps {
  const ModelHolder* models = nullptr;          // required
  ServerMetrics* metrics = nullptr;             // may be null
  const VariantAssigner* variants = nullptr;    // required
  const PageTokenCodec* page_tokens = nullptr;  // required
  core::EventLogWriter* event_log = nullptr;    // null: feedback not logged
  // RPCs allowed in flight at once; more get RESOURCE_EXHAUSTED ("server
  // overloaded, retry with backoff") without queueing. 0: no limit.
  int max_concurrent_rpcs = 0;
  // Test seam, never set in production: when set, every admitted RPC hands
  // `resume` to it instead of running its work. `resume` runs the rest of the
  // RPC (deadline check, core call, response, Finish) on the thread that
  // calls it, so a test can hold RPCs in flight deterministically and release
  // them from its own thread; no gRPC thread blocks meanwhile. Every `resume`
  // must be called exactly once.
  std::function<void(const grpc::ServerContextBase& context,
                     std::function<void()> resume)>
      rpc_gate_for_testing;
};

class RecommenderService final
    : public recsys::v1::Recommender::CallbackService {
 public:
  explicit RecommenderService(ServiceDeps deps);

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
  grpc::ServerUnaryReactor* Feedback(
      grpc::CallbackServerContext* context,
      const recsys::v1::FeedbackRequest* request,
      recsys::v1::FeedbackResponse* response) override;

 private:
  // Runs one RPC: admission, deadline checks, `body`, metrics, Finish.
  template <typename Body>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  absl::string_view method, Body body);

  ServiceDeps deps_;
  std::atomic<int> in_flight_{0};
  // The four surfaces' messages live on pooled arenas (arena_allocator.h).
  ArenaMessageAllocator<recsys::v1::RecommendRequest,
                        recsys::v1::RecommendResponse>
      recommend_messages_;
  ArenaMessageAllocator<recsys::v1::RadioRequest, recsys::v1::RadioResponse>
      radio_messages_;
  ArenaMessageAllocator<recsys::v1::RelatedArtistsRequest,
                        recsys::v1::RelatedArtistsResponse>
      related_artists_messages_;
  ArenaMessageAllocator<recsys::v1::NowPlayingRequest,
                        recsys::v1::NowPlayingResponse>
      now_playing_messages_;
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_RECOMMENDER_SERVICE_H_
