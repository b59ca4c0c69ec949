#include "core/recommender.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <future>
#include <mutex>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/als.h"
#include "core/clustering.h"
#include "core/parallel.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

// How many of a user's strongest plays explain a recommendation.
constexpr size_t kReasonHistory = 50;
// How many of a user's top artists explain "similar to artists you like".
constexpr size_t kReasonArtists = 20;
// Listeners at which an artist's co-listening signal is trusted as much as
// its content (RelatedArtists blends by listeners / (listeners + this)).
constexpr double kArtistListenerPrior = 20;
// Listeners at which a candidate related artist is trusted halfway between
// a guess and a well-known artist.
constexpr double kCandidateListenerPrior = 5;
// Weight of the user's taste in a personalised station.
constexpr float kRadioUserWeight = 0.3f;
// A station's centre moves toward what it recently played by this much
// (relative to the seed), so it drifts instead of jumping.
constexpr float kRadioDrift = 0.3f;
constexpr size_t kRadioDriftWindow = 10;
// Pull toward liked and push away from skipped tracks, in score units.
constexpr float kRadioLikePull = 0.4f;
constexpr float kRadioSkipPush = 0.6f;
// Strengths (core/als.h) given to what a request brings: a play, a declared
// like, and an artist's top tracks standing in for a liked artist.
constexpr float kRecentPlayStrength = 0.7f;
constexpr float kLikedTrackStrength = 1.4f;
constexpr float kLikedArtistTrackStrength = 0.7f;
constexpr int kTracksPerLikedArtist = 3;
// Share of a daily mix made of the user's own favourites.
constexpr double kMixFamiliarShare = 0.3;
// Candidates asked of each index by the first stage (core/track_index.h).
constexpr size_t kMinCandidates = 192;
constexpr size_t kMaxCandidates = 4096;

Eigen::VectorXf Unit(Eigen::VectorXf v) {
  const float norm = v.norm();
  if (norm > 0) v /= norm;
  return v;
}

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t HashString(absl::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The index of every id in `ids` that the catalog knows, in order.
template <typename FindFn>
std::vector<uint32_t> KnownIds(const std::vector<std::string>& ids,
                               const FindFn& find) {
  std::vector<uint32_t> known;
  known.reserve(ids.size());
  for (const std::string& id : ids) {
    if (std::optional<uint32_t> index = find(id)) known.push_back(*index);
  }
  return known;
}

std::vector<uint32_t> KnownTracks(const ServingModel& model,
                                  const std::vector<std::string>& ids) {
  return KnownIds(ids,
                  [&](const std::string& id) { return model.FindTrack(id); });
}

absl::flat_hash_set<uint32_t> AsSet(const std::vector<uint32_t>& v) {
  return absl::flat_hash_set<uint32_t>(v.begin(), v.end());
}

// The fitted blend for the listener (known or folded in) with the
// variant's overrides.
BlendWeights BlendOf(const ServingModel& model, const BlendOverride& override,
                     bool stored_user) {
  return override.Apply(stored_user ? model.metadata().blend
                                    : model.metadata().cold_start_blend);
}

// Items a request considers, with their scores: every track (or artist) of
// the model, or the candidates of the first stage.
struct Candidates {
  std::vector<uint32_t> ids;
  std::vector<float> scores;  // aligned with ids
};

Candidates Dense(std::vector<float> scores) {
  Candidates c;
  c.ids.resize(scores.size());
  std::iota(c.ids.begin(), c.ids.end(), 0u);
  c.scores = std::move(scores);
  return c;
}

struct Ranked {
  uint32_t id = 0;
  float score = 0;
};

// Walks candidates in descending score order and keeps those `accept` takes,
// until `count` are kept. Sorts only a prefix, growing it when filters reject
// many candidates.
template <typename AcceptFn>
std::vector<Ranked> TopAccepted(const Candidates& c, int count,
                                AcceptFn accept) {
  const size_t n = c.ids.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto by_score = [&](uint32_t a, uint32_t b) {
    return c.scores[a] != c.scores[b] ? c.scores[a] > c.scores[b]
                                      : c.ids[a] < c.ids[b];
  };
  std::vector<Ranked> kept;
  size_t sorted = 0;
  size_t window = std::min(n, static_cast<size_t>(count) * 4 + 64);
  while (static_cast<int>(kept.size()) < count && sorted < n) {
    std::partial_sort(order.begin() + sorted, order.begin() + window,
                      order.end(), by_score);
    for (size_t i = sorted; i < window && static_cast<int>(kept.size()) < count;
         ++i) {
      if (accept(c.ids[order[i]])) {
        kept.push_back({c.ids[order[i]], c.scores[order[i]]});
      }
    }
    sorted = window;
    window = std::min(n, window * 4);
  }
  return kept;
}

// A request's hybrid score is linear in a track's vectors:
//   score(t) = cf_row(t) · cf + content(t) · content
//              + popularity * PopularityFor(t, country)
// with cf_row the track's CF vector, or its unit vector when `cf_unit`.
// Two-stage serving relies on this: but for the regional half of
// popularity, the score is one inner product with the rows of an index
// (IndexRows() in core/model.h).
struct ScoreQuery {
  Eigen::VectorXf cf;  // empty: no CF term
  bool cf_unit = false;
  Eigen::VectorXf content;  // empty: no content term
  float popularity = 0;
  std::string country;
};

// Every track's score, by matrix products over the whole catalog.
Candidates ScoreAll(const ServingModel& model, const ScoreQuery& q) {
  const TrackSide& side = model.tracks();
  const int64_t n = side.cf.rows();
  std::vector<float> scores(n, 0.0f);
  Eigen::Map<Eigen::VectorXf> total(scores.data(), n);
  if (q.cf.size() > 0) {
    total.noalias() += (q.cf_unit ? model.track_cf_unit() : side.cf) * q.cf;
  }
  if (q.content.size() > 0) total.noalias() += side.content * q.content;
  if (q.popularity != 0) {
    model.AddPopularity(q.country, q.popularity, absl::MakeSpan(scores));
  }
  return Dense(std::move(scores));
}

// The first stage: the `k` tracks of the index with the largest score but
// for its regional part, and the country's most popular tracks, scored
// exactly.
// The vector an index is searched with for `q`: the score but for its
// regional part is one inner product with the index's rows. `regional`:
// whether q.country has a popularity list of its own.
Eigen::VectorXf IndexQuery(const ServingModel& model, const ScoreQuery& q,
                           bool regional) {
  const TrackSide& side = model.tracks();
  const int64_t cf = side.cf.cols(), content = side.content.cols();
  Eigen::VectorXf v = Eigen::VectorXf::Zero(cf + content + 1);
  if (q.cf.size() > 0) v.head(cf) = q.cf;
  if (q.content.size() > 0) v.segment(cf, content) = q.content;
  // PopularityFor() is half global, half regional where the country has a
  // list of its own.
  v[cf + content] = regional ? 0.5f * q.popularity : q.popularity;
  return v;
}

// `precomputed`: the index's answer for q computed at publication
// (UserRecord::candidates), used instead of a search when it holds k.
Candidates ScoreNearest(const ServingModel& model, const ScoreQuery& q, int k,
                        absl::Span<const uint32_t> precomputed) {
  const TrackSide& side = model.tracks();
  const bool regional = model.HasRegionalPopularity(q.country);
  const bool popularity_only = q.cf.size() == 0 && q.content.size() == 0;
  // The sorted lists answer popularity alone exactly, and hold the regional
  // half the index does not.
  const bool popular_lists = q.popularity > 0 && (regional || popularity_only);
  Candidates c;
  absl::flat_hash_set<uint32_t> seen;
  // At most k from the index (or the list), k global and k regional.
  const size_t most = static_cast<size_t>(k) * (popular_lists ? 3 : 1);
  seen.reserve(most);
  c.ids.reserve(most);
  auto add = [&](uint32_t t) {
    if (seen.insert(t).second) c.ids.push_back(t);
  };
  if (!popularity_only && precomputed.size() >= static_cast<size_t>(k)) {
    model.CountPrecomputedFirstStage();
    for (uint32_t t : precomputed.first(k)) add(t);
  } else if (!popularity_only) {
    const Eigen::VectorXf v = IndexQuery(model, q, regional);
    const HnswIndex& index =
        q.cf_unit ? *model.indexes().station : *model.indexes().personal;
    for (const Neighbor& n :
         index.Search(absl::MakeConstSpan(v.data(), v.size()), k)) {
      add(n.row);
    }
  }
  if (popular_lists) {
    for (uint32_t t : model.PopularTracks(q.country, k)) add(t);
  }
  const ServingModel::CountryPopularity popularity =
      model.PopularityIn(q.country);
  c.scores.resize(c.ids.size());
  for (size_t i = 0; i < c.ids.size(); ++i) {
    const uint32_t t = c.ids[i];
    float score = 0;
    if (q.cf.size() > 0) {
      score += (q.cf_unit ? model.track_cf_unit().row(t) : side.cf.row(t))
                   .dot(q.cf.transpose());
    }
    if (q.content.size() > 0) {
      score += side.content.row(t).dot(q.content.transpose());
    }
    if (q.popularity != 0) score += q.popularity * popularity(t);
    c.scores[i] = score;
  }
  return c;
}

// The `count` best tracks for `q` that the accept function (made fresh by
// `make_accept()` for each pass: it may count what it takes) lets through.
// Large catalogs go through the first stage, asking the index for enough
// candidates to survive `rejects` likely rejections (heard or excluded
// tracks); when filters leave fewer than `count`, the index is asked once
// more for kWidenFactor times as many (counted: widened_first_stages()),
// and when that is not enough either, the whole catalog is scored, so a
// strict filter costs time, never results. `precomputed`: see ScoreNearest.
template <typename MakeAccept>
std::vector<Ranked> RankTracks(const ServingModel& model, const ScoreQuery& q,
                               int count, size_t rejects,
                               const MakeAccept& make_accept,
                               absl::Span<const uint32_t> precomputed = {}) {
  if (model.two_stage()) {
    const int k = static_cast<int>(
        std::clamp<size_t>(4 * static_cast<size_t>(count) + rejects,
                           kMinCandidates, kMaxCandidates));
    std::vector<Ranked> kept = TopAccepted(
        ScoreNearest(model, q, k, precomputed), count, make_accept());
    if (static_cast<int>(kept.size()) >= count) return kept;
    // Candidates that some filter or cap thins out (an artist cap among
    // one artist's near-identical tracks, a rare release year): a wider
    // search costs a fraction of scoring every track.
    const int64_t widened = int64_t{k} * kWidenFactor;
    if (widened < static_cast<int64_t>(model.catalog().tracks.size())) {
      model.CountWidenedFirstStage();
      kept = TopAccepted(ScoreNearest(model, q, static_cast<int>(widened), {}),
                         count, make_accept());
      if (static_cast<int>(kept.size()) >= count) return kept;
    }
    model.CountExhaustiveFallback();
  }
  return TopAccepted(ScoreAll(model, q), count, make_accept());
}

// Caps tracks per artist inside one answer.
class ArtistCap {
 public:
  ArtistCap(const Catalog& catalog, int max_per_artist)
      : catalog_(catalog), max_(max_per_artist) {}
  // True (and counted) when the track's artist is still under the cap.
  bool Take(uint32_t track) {
    int& n = taken_[catalog_.tracks[track].artist];
    if (n >= max_) return false;
    ++n;
    return true;
  }

 private:
  const Catalog& catalog_;
  int max_;
  absl::flat_hash_map<uint32_t, int> taken_;
};

// What the server knows of a listener at request time.
struct Taste {
  Eigen::VectorXf cf;       // empty when nothing is known
  Eigen::VectorXf content;  // unit content profile; empty when unknown
  absl::flat_hash_set<uint32_t> heard;  // tracks never to recommend
  // Positive tracks with their strengths, strongest first.
  std::vector<std::pair<uint32_t, float>> positives;
  std::vector<uint32_t> favourites;  // the strongest positives (reasons)
  // Declared liked artists first, then the most played.
  std::vector<uint32_t> favourite_artists;
  absl::flat_hash_set<uint32_t> known_artists;
  std::string country;
  bool stored = false;  // the user has a stored vector
};

struct TasteInput {
  const UserRecord* record = nullptr;
  std::vector<uint32_t> recent;
  std::vector<uint32_t> liked_tracks;
  std::vector<uint32_t> liked_artists;
};

Taste BuildTaste(const ServingModel& model, const TasteInput& in) {
  const Catalog& catalog = model.catalog();
  Taste taste;
  std::vector<uint32_t> items;
  std::vector<float> strengths;
  auto add = [&](uint32_t track, float strength, bool heard) {
    items.push_back(track);
    strengths.push_back(strength);
    if (heard) taste.heard.insert(track);
  };
  if (in.record != nullptr) {
    taste.stored = true;
    taste.country = in.record->country;
    for (const HistoryEntry& e : in.record->history)
      add(e.track, e.strength, true);
  }
  for (uint32_t t : in.recent) add(t, kRecentPlayStrength, true);
  for (uint32_t t : in.liked_tracks) add(t, kLikedTrackStrength, true);
  for (uint32_t a : in.liked_artists) {
    taste.favourite_artists.push_back(a);
    taste.known_artists.insert(a);
    int taken = 0;
    for (uint32_t t : model.ArtistTracks(a)) {
      if (taken++ == kTracksPerLikedArtist) break;
      add(t, kLikedArtistTrackStrength, /*heard=*/false);
    }
  }

  absl::flat_hash_map<uint32_t, float> artist_strength;
  for (size_t k = 0; k < items.size(); ++k) {
    if (taste.heard.contains(items[k])) {
      taste.known_artists.insert(catalog.tracks[items[k]].artist);
    }
    if (strengths[k] <= 0) continue;
    taste.positives.emplace_back(items[k], strengths[k]);
    artist_strength[catalog.tracks[items[k]].artist] += strengths[k];
  }
  std::stable_sort(
      taste.positives.begin(), taste.positives.end(),
      [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [track, strength] : taste.positives) {
    if (taste.favourites.size() >= kReasonHistory) break;
    taste.favourites.push_back(track);
  }
  std::vector<std::pair<uint32_t, float>> artists(artist_strength.begin(),
                                                  artist_strength.end());
  std::sort(artists.begin(), artists.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [artist, strength] : artists) {
    if (taste.favourite_artists.size() >= kReasonArtists) break;
    if (std::find(taste.favourite_artists.begin(),
                  taste.favourite_artists.end(),
                  artist) == taste.favourite_artists.end()) {
      taste.favourite_artists.push_back(artist);
    }
  }

  const ModelMetadata& meta = model.metadata();
  if (in.record != nullptr && items.size() == in.record->history.size()) {
    taste.cf = Eigen::Map<const Eigen::VectorXf>(
        in.record->factors.data(), static_cast<int>(in.record->factors.size()));
  } else if (!items.empty()) {
    // Real-time personalisation: the ALS user step over the stored history
    // plus what the request brought.
    taste.cf = FoldInUser(model.tracks().cf, model.track_gram(), items,
                          strengths, meta.alpha);
  }
  if (!taste.positives.empty()) {
    Eigen::VectorXf profile =
        Eigen::VectorXf::Zero(model.tracks().content.cols());
    for (const auto& [track, strength] : taste.positives) {
      profile +=
          std::log1p(strength) * model.tracks().content.row(track).transpose();
    }
    taste.content = Unit(std::move(profile));
  }
  return taste;
}

// The hybrid score of a user's taste (see ScoreQuery).
ScoreQuery TasteQuery(const Taste& taste, const BlendWeights& w,
                      absl::string_view country) {
  ScoreQuery q;
  if (taste.cf.size() > 0 && w.cf != 0) q.cf = w.cf * taste.cf;
  if (taste.content.size() > 0 && w.content != 0) {
    q.content = w.content * taste.content;
  }
  q.popularity = w.popularity;
  q.country = std::string(country);
  return q;
}

std::string ArtistName(const ServingModel& model, uint32_t track) {
  const Catalog& c = model.catalog();
  return c.artists[c.tracks[track].artist].name;
}

Reason PopularReason(absl::string_view country) {
  Reason r;
  r.kind = ReasonKind::kPopularInRegion;
  r.country = std::string(country);
  r.text = country.empty() ? "Popular right now"
                           : absl::StrCat("Popular in ", country);
  return r;
}

// Explains a personal pick by the closest of the user's favourites: a track
// in CF space, or, for an artist new to the user, one of the artists they
// like when that artist is closer.
Reason PersonalReason(const ServingModel& model, const Taste& taste,
                      uint32_t track, absl::Span<const uint32_t> favourites) {
  const Catalog& catalog = model.catalog();
  const FactorMatrix& unit = model.track_cf_unit();
  float best = -2;
  uint32_t best_track = favourites.empty() ? track : favourites[0];
  for (uint32_t f : favourites) {
    const float sim = unit.row(f).dot(unit.row(track));
    if (sim > best) {
      best = sim;
      best_track = f;
    }
  }
  Reason r;
  const uint32_t artist = catalog.tracks[track].artist;
  if (!taste.known_artists.contains(artist)) {
    const FactorMatrix& artists = model.artist_cf_unit();
    float best_artist_sim = -2;
    uint32_t best_artist = 0;
    for (uint32_t a : taste.favourite_artists) {
      const float sim = artists.row(a).dot(artists.row(artist));
      if (sim > best_artist_sim) {
        best_artist_sim = sim;
        best_artist = a;
      }
    }
    if (best_artist_sim > best) {
      r.kind = ReasonKind::kSimilarToArtistsYouLike;
      r.source_artist = best_artist;
      r.text = absl::StrCat("Similar to ", catalog.artists[best_artist].name,
                            ", an artist you like");
      return r;
    }
  }
  r.kind = ReasonKind::kBecauseYouListened;
  r.source_track = best_track;
  r.source_artist = catalog.tracks[best_track].artist;
  r.text =
      absl::StrCat("Because you listened to ", ArtistName(model, best_track));
  return r;
}

// The reason names the larger part of a score: personal or popular.
Reason RecommendReason(const ServingModel& model, const Taste& taste,
                       const BlendWeights& w, float score, uint32_t track,
                       absl::string_view country) {
  const float popular = w.popularity * model.PopularityFor(track, country);
  if (!taste.favourites.empty() && score - popular >= popular) {
    return PersonalReason(model, taste, track, taste.favourites);
  }
  return PopularReason(country);
}

// Monday-based week number since the Unix epoch (1970-01-01 was a
// Thursday): it changes at the start of each ISO week, Monday 00:00 UTC.
int64_t WeekNumber(int64_t unix_seconds) {
  const int64_t day =
      unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
  const int64_t shifted = day + 3;
  return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7;
}

// Discover Weekly: from the best `4 * count` candidates, a weekly seeded
// Gumbel-top-k sample (the same all week for a user and model version, a
// fresh one next week), with a quota of artists new to the user.
std::vector<Ranked> WeeklySelection(const ServingModel& model,
                                    const RecommendQuery& query,
                                    const Taste& taste,
                                    std::vector<Ranked> pool) {
  if (pool.empty()) return pool;
  const Catalog& catalog = model.catalog();
  uint64_t seed = HashString(query.user_id);
  seed = HashString(model.metadata().version, Mix64(seed));
  seed = Mix64(seed ^ static_cast<uint64_t>(WeekNumber(query.now_seconds)));
  // The temperature follows the pool's score spread, so the sample favours
  // the best candidates without fixing them.
  float lo = pool[0].score, hi = lo;
  for (const Ranked& r : pool) {
    lo = std::min(lo, r.score);
    hi = std::max(hi, r.score);
  }
  const double temperature = std::max(1e-6, (hi - lo) / 4.0);
  std::vector<std::pair<double, Ranked>> keyed;
  keyed.reserve(pool.size());
  for (const Ranked& r : pool) {
    const uint64_t t = r.id;
    const double u = ((Mix64(seed ^ (t * 0x9e3779b97f4a7c15ULL)) >> 11) + 0.5) *
                     (1.0 / 9007199254740992.0);
    keyed.emplace_back(r.score / temperature - std::log(-std::log(u)), r);
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second.id < b.second.id;
  });
  const int count = query.count;
  const int want_new =
      static_cast<int>(std::lround(query.new_artist_share * count));
  std::vector<Ranked> chosen;
  std::vector<bool> taken(keyed.size(), false);
  int new_taken = 0, known_taken = 0;
  for (size_t i = 0; i < keyed.size(); ++i) {
    const bool is_new = !taste.known_artists.contains(
        catalog.tracks[keyed[i].second.id].artist);
    if (is_new ? new_taken < want_new : known_taken < count - want_new) {
      (is_new ? new_taken : known_taken)++;
      taken[i] = true;
    }
  }
  // When one kind runs short, the other fills the list.
  int total = new_taken + known_taken;
  for (size_t i = 0; i < keyed.size() && total < count; ++i) {
    if (!taken[i]) {
      taken[i] = true;
      ++total;
    }
  }
  for (size_t i = 0; i < keyed.size(); ++i) {
    if (taken[i]) chosen.push_back(keyed[i].second);
  }
  return chosen;
}

// Most common genre among weighted tracks.
uint16_t DominantGenre(const Catalog& catalog,
                       const std::vector<std::pair<uint32_t, float>>& tracks) {
  absl::flat_hash_map<uint16_t, float> weight;
  for (const auto& [t, w] : tracks) weight[catalog.tracks[t].genre] += w;
  uint16_t best = 0;
  float best_weight = -1;
  for (const auto& [g, w] : weight) {
    if (w > best_weight || (w == best_weight && g < best)) {
      best = g;
      best_weight = w;
    }
  }
  return best;
}

// Daily mixes: the user's positive tracks clustered in CF space; each mix is
// the cluster's favourites (about a third) interleaved with new tracks close
// to the cluster's centre. No track appears in two mixes.
std::vector<Mix> DailyMixes(const ServingModel& model,
                            const RecommendQuery& query, const Taste& taste,
                            const BlendWeights& w, absl::string_view country,
                            const std::function<bool(uint32_t)>& allowed) {
  const Catalog& catalog = model.catalog();
  const FactorMatrix& unit = model.track_cf_unit();
  std::vector<Mix> mixes;
  if (taste.positives.empty()) {
    // Nothing to cluster: one mix of what is popular where the user is.
    Mix mix;
    mix.title = "Daily Mix 1";
    mix.description = country.empty() ? "Popular right now"
                                      : absl::StrCat("Popular in ", country);
    ScoreQuery popular;
    popular.popularity = 1.0f;
    popular.country = std::string(country);
    for (const Ranked& r :
         RankTracks(model, popular, query.count, taste.heard.size(), [&] {
           return [&, cap = ArtistCap(catalog, query.max_per_artist)](
                      uint32_t t) mutable { return allowed(t) && cap.Take(t); };
         })) {
      mix.items.push_back({r.id, r.score, PopularReason(country)});
    }
    mixes.push_back(std::move(mix));
    return mixes;
  }

  Eigen::MatrixXf points(taste.positives.size(), unit.cols());
  std::vector<float> weights;
  for (size_t i = 0; i < taste.positives.size(); ++i) {
    points.row(i) = unit.row(taste.positives[i].first);
    weights.push_back(taste.positives[i].second);
  }
  const Clustering clusters =
      SphericalKMeans(points, weights, query.num_mixes, /*iterations=*/10,
                      HashString(query.user_id, 0x6d69786573ULL));

  absl::flat_hash_set<uint32_t> used;
  for (int c = 0; c < clusters.centroids.rows(); ++c) {
    std::vector<std::pair<uint32_t, float>> members;
    for (size_t i = 0; i < taste.positives.size(); ++i) {
      if (clusters.assignment[i] == c) members.push_back(taste.positives[i]);
    }
    Mix mix;
    mix.title = absl::StrCat("Daily Mix ", mixes.size() + 1);
    std::vector<std::string> top_artists;
    absl::flat_hash_set<uint32_t> seen_artists;
    for (const auto& [t, s] : members) {
      const uint32_t a = catalog.tracks[t].artist;
      if (top_artists.size() < 2 && seen_artists.insert(a).second) {
        top_artists.push_back(catalog.artists[a].name);
      }
    }
    mix.description =
        absl::StrCat(catalog.genres[DominantGenre(catalog, members)], " · ",
                     absl::StrJoin(top_artists, ", "));

    ArtistCap familiar_cap(catalog, query.max_per_artist);
    const int familiar_slots =
        static_cast<int>(std::lround(kMixFamiliarShare * query.count));
    std::vector<ScoredTrack> familiar;
    for (const auto& [t, s] : members) {
      if (static_cast<int>(familiar.size()) >= familiar_slots) break;
      const Track& track = catalog.tracks[t];
      if (used.contains(t) ||
          !PassesFilter(catalog, track, query.filter, country) ||
          !familiar_cap.Take(t)) {
        continue;
      }
      Reason r;
      r.kind = ReasonKind::kBecauseYouListened;
      r.source_track = t;
      r.source_artist = track.artist;
      r.text = absl::StrCat("In your rotation: ",
                            catalog.artists[track.artist].name);
      familiar.push_back({t, s, std::move(r)});
      used.insert(t);
    }

    Eigen::VectorXf content =
        Eigen::VectorXf::Zero(model.tracks().content.cols());
    std::vector<uint32_t> member_tracks;
    for (const auto& [t, s] : members) {
      content += s * model.tracks().content.row(t).transpose();
      member_tracks.push_back(t);
    }
    content = Unit(std::move(content));
    ScoreQuery near;
    near.cf = w.cf * clusters.centroids.row(c).transpose();
    near.cf_unit = true;
    near.content = w.content * content;
    near.popularity = w.popularity;
    near.country = std::string(country);
    const int new_slots = query.count - static_cast<int>(familiar.size());
    std::vector<ScoredTrack> fresh;
    for (const Ranked& r : RankTracks(
             model, near, new_slots, taste.heard.size() + used.size(), [&] {
               return [&, cap = familiar_cap](uint32_t t) mutable {
                 return !used.contains(t) && allowed(t) && cap.Take(t);
               };
             })) {
      used.insert(r.id);
      fresh.push_back(
          {r.id, r.score, PersonalReason(model, taste, r.id, member_tracks)});
    }
    // One favourite in every three tracks, starting with one.
    size_t f = 0, n = 0;
    while (f < familiar.size() || n < fresh.size()) {
      const bool familiar_turn = mix.items.size() % 3 == 0;
      if ((familiar_turn && f < familiar.size()) || n >= fresh.size()) {
        mix.items.push_back(std::move(familiar[f++]));
      } else {
        mix.items.push_back(std::move(fresh[n++]));
      }
    }
    if (!mix.items.empty()) mixes.push_back(std::move(mix));
  }
  return mixes;
}

// Unit CF and content vectors describing a station's seed.
struct Seed {
  Eigen::VectorXf cf;
  Eigen::VectorXf content;
  std::optional<uint32_t> track;
  std::optional<uint32_t> artist;
  std::string label;  // "Velvet Horizon", "Nova Drift", "rock"
};

Seed TrackSeed(const ServingModel& model, uint32_t track) {
  Seed seed;
  seed.track = track;
  seed.artist = model.catalog().tracks[track].artist;
  seed.cf = model.track_cf_unit().row(track).transpose();
  seed.content = model.tracks().content.row(track).transpose();
  seed.label = model.catalog().tracks[track].title;
  return seed;
}

absl::StatusOr<Seed> ResolveSeed(const ServingModel& model,
                                 const RadioQuery& q) {
  const int seeds = !q.seed_track_id.empty() + !q.seed_artist_id.empty() +
                    !q.seed_genre.empty();
  if (seeds != 1) {
    return absl::InvalidArgumentError(
        "exactly one of seed_track_id, seed_artist_id, seed_genre is required");
  }
  const Catalog& c = model.catalog();
  if (!q.seed_track_id.empty()) {
    std::optional<uint32_t> t = model.FindTrack(q.seed_track_id);
    if (!t) {
      return absl::NotFoundError(
          absl::StrCat("unknown seed_track_id '", q.seed_track_id, "'"));
    }
    return TrackSeed(model, *t);
  }
  Seed seed;
  if (!q.seed_artist_id.empty()) {
    std::optional<uint32_t> a = model.FindArtist(q.seed_artist_id);
    if (!a) {
      return absl::NotFoundError(
          absl::StrCat("unknown seed_artist_id '", q.seed_artist_id, "'"));
    }
    seed.artist = *a;
    seed.cf = model.artist_cf_unit().row(*a).transpose();
    seed.content = model.artist_content().row(*a).transpose();
    seed.label = c.artists[*a].name;
    return seed;
  }
  std::optional<uint16_t> g = model.FindGenre(q.seed_genre);
  if (!g) {
    return absl::NotFoundError(
        absl::StrCat("unknown seed_genre '", q.seed_genre, "'"));
  }
  const TrackSide& side = model.tracks();
  seed.cf = Eigen::VectorXf::Zero(side.cf.cols());
  seed.content = Eigen::VectorXf::Zero(side.content.cols());
  for (size_t t = 0; t < c.tracks.size(); ++t) {
    if (c.tracks[t].genre != *g) continue;
    // Popular tracks define a genre's centre more than obscure ones.
    const float weight = 0.1f + side.popularity.global[t];
    seed.cf += weight * model.track_cf_unit().row(t).transpose();
    seed.content += weight * side.content.row(t).transpose();
  }
  seed.cf = Unit(std::move(seed.cf));
  seed.content = Unit(std::move(seed.content));
  seed.label = c.genres[*g];
  return seed;
}

// The unit mean CF vector of some tracks; empty when there are none.
Eigen::VectorXf MeanDirection(const ServingModel& model,
                              absl::Span<const uint32_t> tracks) {
  if (tracks.empty()) return Eigen::VectorXf();
  Eigen::VectorXf sum = Eigen::VectorXf::Zero(model.track_cf_unit().cols());
  for (uint32_t t : tracks) sum += model.track_cf_unit().row(t).transpose();
  return Unit(std::move(sum));
}

// Everything that shapes a station page besides its seed.
struct StationContext {
  const Taste* taste = nullptr;
  absl::flat_hash_set<uint32_t> excluded;
  std::vector<uint32_t> recent;  // played before this page, oldest first
  std::vector<uint32_t> liked;
  std::vector<uint32_t> skipped;
  int count = 20;
  int spacing = 3;
  std::string country;
  TrackFilter filter;
  BlendWeights blend;
};

// A station's score (see ScoreQuery): similarity to the (drifting) seed,
// the listener's taste and likes, away from skips, and a little popularity.
ScoreQuery StationQuery(const ServingModel& model, const Seed& seed,
                        const StationContext& ctx) {
  const TrackSide& side = model.tracks();
  const BlendWeights& w = ctx.blend;
  Eigen::VectorXf centre = seed.cf;
  const size_t window = std::min(ctx.recent.size(), kRadioDriftWindow);
  const Eigen::VectorXf recent = MeanDirection(
      model,
      absl::MakeConstSpan(ctx.recent).subspan(ctx.recent.size() - window));
  if (recent.size() > 0) centre = Unit(centre + kRadioDrift * recent);
  ScoreQuery q;
  q.cf_unit = true;
  q.cf = w.cf * centre;
  q.content = w.content * seed.content;
  if (ctx.taste != nullptr && ctx.taste->cf.size() > 0) {
    q.cf += kRadioUserWeight * w.cf * Unit(ctx.taste->cf);
  }
  // Likes and skips steer in both spaces: CF (who listens to it) and
  // content (how it sounds), since a listener skips a sound as often as an
  // audience. Only what sets those tracks apart from the station counts
  // (their direction minus its projection on the station's centre): a
  // skipped track that is typical of the station must not push the whole
  // station away, which would make it jump instead of drift.
  const auto steer = [&](const std::vector<uint32_t>& tracks, float weight) {
    Eigen::VectorXf cf_dir = MeanDirection(model, tracks);
    if (cf_dir.size() == 0) return;
    cf_dir -= cf_dir.dot(centre) * centre;
    Eigen::VectorXf content_dir = Eigen::VectorXf::Zero(side.content.cols());
    for (uint32_t t : tracks) content_dir += side.content.row(t).transpose();
    content_dir = Unit(std::move(content_dir));
    content_dir -= content_dir.dot(seed.content) * seed.content;
    q.cf += weight * cf_dir;
    q.content += weight * content_dir;
  };
  steer(ctx.liked, kRadioLikePull);
  steer(ctx.skipped, -kRadioSkipPush);
  q.popularity = w.popularity;
  q.country = ctx.country;
  return q;
}

// Greedy re-rank that keeps tracks of one artist at least `spacing`
// positions apart, counting the artists just played before this page
// (`previous`, most recent last), taking the best-scored track allowed at
// each position.
std::vector<Ranked> SpaceArtists(const ServingModel& model,
                                 std::vector<Ranked> ranked, int count,
                                 int spacing,
                                 const std::vector<uint32_t>& previous) {
  const Catalog& c = model.catalog();
  std::vector<uint32_t> recent_artists;  // most recent last
  for (uint32_t t : previous) recent_artists.push_back(c.tracks[t].artist);
  std::vector<Ranked> out;
  std::vector<bool> used(ranked.size(), false);
  while (static_cast<int>(out.size()) < count) {
    bool placed = false;
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (used[i]) continue;
      const uint32_t artist = c.tracks[ranked[i].id].artist;
      bool too_close = false;
      for (int back = 1;
           back < spacing && back <= static_cast<int>(recent_artists.size());
           ++back) {
        if (recent_artists[recent_artists.size() - back] == artist) {
          too_close = true;
          break;
        }
      }
      if (too_close) continue;
      used[i] = true;
      out.push_back(ranked[i]);
      recent_artists.push_back(artist);
      placed = true;
      break;
    }
    // Only tracks of recently played artists are left: the page ends here
    // rather than breaking the spacing promise.
    if (!placed) break;
  }
  return out;
}

std::vector<ScoredTrack> StationTracks(const ServingModel& model,
                                       const Seed& seed,
                                       const StationContext& ctx) {
  // Tracks of one artist have near-identical vectors, so an uncapped pool can
  // hold too few artists to keep them apart. Cap each artist at the number of
  // slots spacing leaves it, and keep a margin for the re-rank.
  const Catalog& catalog = model.catalog();
  const int per_artist =
      std::max(1, (ctx.count + ctx.spacing - 1) / ctx.spacing);
  std::vector<Ranked> ranked = RankTracks(
      model, StationQuery(model, seed, ctx), ctx.count * 2 + 32,
      ctx.excluded.size() + 1, [&] {
        return [&, cap = ArtistCap(catalog, per_artist)](uint32_t t) mutable {
          return !ctx.excluded.contains(t) &&
                 (!seed.track || t != *seed.track) &&
                 PassesFilter(catalog, catalog.tracks[t], ctx.filter,
                              ctx.country) &&
                 cap.Take(t);
        };
      });
  const size_t previous = std::min<size_t>(ctx.recent.size(), ctx.spacing);
  const std::vector<Ranked> chosen = SpaceArtists(
      model, std::move(ranked), ctx.count, ctx.spacing,
      std::vector<uint32_t>(ctx.recent.end() - previous, ctx.recent.end()));
  std::vector<ScoredTrack> out;
  out.reserve(chosen.size());
  for (const auto& [t, score] : chosen) {
    ScoredTrack item{t, score, {}};
    if (seed.artist && catalog.tracks[t].artist == *seed.artist) {
      item.reason.kind = ReasonKind::kSameArtist;
      item.reason.text =
          absl::StrCat("More by ", catalog.artists[*seed.artist].name);
    } else {
      item.reason.kind = ReasonKind::kSimilarToSeed;
      item.reason.text = absl::StrCat("Similar to ", seed.label);
    }
    item.reason.source_track = seed.track;
    item.reason.source_artist = seed.artist;
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<std::optional<UserRecord>> OptionalUser(
    const ServingModel& model, absl::string_view user_id) {
  if (user_id.empty()) return std::optional<UserRecord>();
  absl::StatusOr<UserRecord> record = model.GetUser(user_id);
  if (absl::IsNotFound(record.status())) return std::optional<UserRecord>();
  if (!record.ok()) return record.status();
  return std::optional<UserRecord>(*std::move(record));
}

// Appends to a bounded list, dropping the oldest entries.
void AppendBounded(std::vector<uint32_t>& list, absl::Span<const uint32_t> add,
                   size_t bound) {
  list.insert(list.end(), add.begin(), add.end());
  if (list.size() > bound) list.erase(list.begin(), list.end() - bound);
}

// Session fingerprints back to the current model's tracks.
std::vector<uint32_t> ResolveFingerprints(const ServingModel& model,
                                          const std::vector<uint32_t>& fps) {
  std::vector<uint32_t> tracks;
  tracks.reserve(fps.size());
  for (uint32_t fp : fps) {
    if (std::optional<uint32_t> t = model.FindTrackByFingerprint(fp)) {
      tracks.push_back(*t);
    }
  }
  return tracks;
}

}  // namespace

bool PassesFilter(const Catalog& catalog, const Track& track,
                  const TrackFilter& filter, absl::string_view country) {
  if (filter.kind && track.kind != *filter.kind) return false;
  if (filter.exclude_explicit && track.explicit_content) return false;
  if (filter.released_after_year != 0 || filter.released_before_year != 0) {
    if (track.release_year <= 0) return false;
    if (filter.released_after_year != 0 &&
        track.release_year < filter.released_after_year) {
      return false;
    }
    if (filter.released_before_year != 0 &&
        track.release_year > filter.released_before_year) {
      return false;
    }
  }
  return AvailableIn(catalog, track, country);
}

uint32_t TrackFingerprint(absl::string_view track_id) {
  const uint64_t h = HashString(track_id);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

absl::StatusOr<std::shared_ptr<const ServingModel>> ServingModel::Create(
    std::unique_ptr<ModelVersion> version, const ServingOptions& options) {
  // The indexes load on another thread while the track side is read: each
  // is about half of a large model's start-up.
  std::future<absl::StatusOr<TrackIndexes>> indexes;
  if (version->metadata().num_tracks > options.exhaustive_max_tracks) {
    indexes = std::async(std::launch::async, [&version, &options] {
      return version->LoadIndexes(options.ef_search);
    });
  }
  absl::StatusOr<TrackSide> loaded = version->LoadTrackSide();
  absl::StatusOr<TrackIndexes> loaded_indexes =
      indexes.valid() ? indexes.get() : TrackIndexes();
  if (!loaded.ok()) return loaded.status();
  TrackSide side = *std::move(loaded);
  std::shared_ptr<ServingModel> m(new ServingModel());
  m->version_ = std::move(version);
  m->tracks_ = std::move(side);
  const Catalog& c = m->tracks_.catalog;
  const int64_t n = static_cast<int64_t>(c.tracks.size());

  m->track_by_id_.reserve(n);
  m->track_by_fingerprint_.reserve(n);
  for (int64_t t = 0; t < n; ++t) {
    m->track_by_id_.emplace(c.tracks[t].id, static_cast<uint32_t>(t));
    m->track_by_fingerprint_.emplace(TrackFingerprint(c.tracks[t].id),
                                     static_cast<uint32_t>(t));
  }
  m->artist_by_id_.reserve(c.artists.size());
  for (size_t a = 0; a < c.artists.size(); ++a) {
    m->artist_by_id_.emplace(c.artists[a].id, static_cast<uint32_t>(a));
  }
  for (size_t g = 0; g < c.genres.size(); ++g) {
    m->genre_by_name_.emplace(c.genres[g], static_cast<uint16_t>(g));
  }

  const std::vector<float>& pop = m->tracks_.popularity.global;
  m->artist_track_offsets_.assign(c.artists.size() + 1, 0);
  for (const Track& t : c.tracks) ++m->artist_track_offsets_[t.artist + 1];
  for (size_t a = 0; a < c.artists.size(); ++a) {
    m->artist_track_offsets_[a + 1] += m->artist_track_offsets_[a];
  }
  m->artist_tracks_.resize(n);
  {
    std::vector<uint32_t> cursor(m->artist_track_offsets_.begin(),
                                 m->artist_track_offsets_.end() - 1);
    for (int64_t t = 0; t < n; ++t) {
      m->artist_tracks_[cursor[c.tracks[t].artist]++] =
          static_cast<uint32_t>(t);
    }
  }
  for (size_t a = 0; a < c.artists.size(); ++a) {
    auto begin = m->artist_tracks_.begin() + m->artist_track_offsets_[a];
    auto end = m->artist_tracks_.begin() + m->artist_track_offsets_[a + 1];
    std::stable_sort(begin, end,
                     [&](uint32_t x, uint32_t y) { return pop[x] > pop[y]; });
  }

  m->track_cf_unit_ = UnitRows(m->tracks_.cf);
  if (n > options.exhaustive_max_tracks) {
    if (!loaded_indexes.ok()) return loaded_indexes.status();
    m->indexes_ = *std::move(loaded_indexes);
    const int64_t dimensions =
        m->tracks_.cf.cols() + m->tracks_.content.cols() + 1;
    const auto fits = [&](const std::shared_ptr<const HnswIndex>& index) {
      return index->size() == n && index->dimensions() == dimensions;
    };
    if (!m->indexes_.empty() &&
        (!m->indexes_.complete() || !fits(m->indexes_.personal) ||
         !fits(m->indexes_.station))) {
      return absl::DataLossError(
          absl::StrCat("model version ", m->metadata().version,
                       ": its track indexes do not match its track vectors"));
    }
  }
  {
    constexpr size_t kPopularList = kMaxCandidates;
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    const size_t keep = std::min(order.size(), kPopularList);
    std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                      [&](uint32_t a, uint32_t b) {
                        return pop[a] != pop[b] ? pop[a] > pop[b] : a < b;
                      });
    m->popular_.assign(order.begin(), order.begin() + keep);
  }

  // Artist vectors: listener-weighted means of their tracks' vectors.
  const std::vector<uint32_t>& listeners = m->tracks_.popularity.listeners;
  m->artist_cf_unit_ =
      FactorMatrix::Zero(c.artists.size(), m->tracks_.cf.cols());
  m->artist_content_ =
      FactorMatrix::Zero(c.artists.size(), m->tracks_.content.cols());
  m->artist_listeners_.assign(c.artists.size(), 0);
  for (int64_t t = 0; t < n; ++t) {
    const uint32_t a = c.tracks[t].artist;
    const float weight = 1.0f + listeners[t];
    m->artist_cf_unit_.row(a) += weight * m->track_cf_unit_.row(t);
    m->artist_content_.row(a) += weight * m->tracks_.content.row(t);
    m->artist_listeners_[a] += listeners[t];
  }
  for (size_t a = 0; a < c.artists.size(); ++a) {
    const float cf_norm = m->artist_cf_unit_.row(a).norm();
    if (cf_norm > 0) m->artist_cf_unit_.row(a) /= cf_norm;
    const float content_norm = m->artist_content_.row(a).norm();
    if (content_norm > 0) m->artist_content_.row(a) /= content_norm;
  }
  m->track_gram_ = RegularizedGram(m->tracks_.cf, m->metadata().regularization);
  for (const auto& [country, top] : m->tracks_.popularity.regional) {
    auto& table = m->regional_[country];
    table.reserve(top.size());
    for (const auto& [track, score] : top) table.emplace(track, score);
  }
  return std::shared_ptr<const ServingModel>(std::move(m));
}

std::optional<uint32_t> ServingModel::FindTrack(absl::string_view id) const {
  auto it = track_by_id_.find(id);
  if (it == track_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> ServingModel::FindArtist(absl::string_view id) const {
  auto it = artist_by_id_.find(id);
  if (it == artist_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint16_t> ServingModel::FindGenre(absl::string_view name) const {
  auto it = genre_by_name_.find(name);
  if (it == genre_by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> ServingModel::FindTrackByFingerprint(
    uint32_t fingerprint) const {
  auto it = track_by_fingerprint_.find(fingerprint);
  if (it == track_by_fingerprint_.end()) return std::nullopt;
  return it->second;
}

absl::Span<const uint32_t> ServingModel::ArtistTracks(uint32_t artist) const {
  return absl::MakeConstSpan(
      artist_tracks_.data() + artist_track_offsets_[artist],
      artist_track_offsets_[artist + 1] - artist_track_offsets_[artist]);
}

ServingModel::CountryPopularity ServingModel::PopularityIn(
    absl::string_view country) const {
  CountryPopularity p;
  p.global_ = &tracks_.popularity.global;
  if (!country.empty()) {
    auto table = regional_.find(country);
    if (table != regional_.end()) p.regional_ = &table->second;
  }
  return p;
}

void ServingModel::AddPopularity(absl::string_view country, float weight,
                                 absl::Span<float> scores) const {
  const std::vector<float>& global = tracks_.popularity.global;
  const auto regional = country.empty()
                            ? tracks_.popularity.regional.end()
                            : tracks_.popularity.regional.find(country);
  if (regional == tracks_.popularity.regional.end()) {
    for (size_t t = 0; t < scores.size(); ++t) scores[t] += weight * global[t];
    return;
  }
  // Half global, half regional, as PopularityFor(); tracks outside the
  // country's top list have regional popularity 0.
  const float half = 0.5f * weight;
  for (size_t t = 0; t < scores.size(); ++t) scores[t] += half * global[t];
  for (const auto& [track, score] : regional->second) {
    scores[track] += half * score;
  }
}

std::vector<uint32_t> ServingModel::PopularTracks(absl::string_view country,
                                                  int k) const {
  const size_t want = static_cast<size_t>(std::max(0, k));
  std::vector<uint32_t> out(popular_.begin(),
                            popular_.begin() + std::min(want, popular_.size()));
  auto regional = tracks_.popularity.regional.find(country);
  if (regional != tracks_.popularity.regional.end()) {
    for (size_t i = 0; i < regional->second.size() && i < want; ++i) {
      out.push_back(regional->second[i].first);
    }
  }
  return out;
}

absl::StatusOr<RecommendResult> Recommend(const ServingModel& model,
                                          const RecommendQuery& query) {
  ASSIGN_OR_RETURN(std::optional<UserRecord> record,
                   OptionalUser(model, query.user_id));
  const Catalog& catalog = model.catalog();
  RecommendResult result;
  TasteInput input;
  input.record = record ? &*record : nullptr;
  input.recent = KnownTracks(model, query.recent_track_ids);
  result.unknown_recent_tracks =
      static_cast<int64_t>(query.recent_track_ids.size() - input.recent.size());
  input.liked_tracks = KnownTracks(model, query.liked_track_ids);
  input.liked_artists =
      KnownIds(query.liked_artist_ids,
               [&](const std::string& id) { return model.FindArtist(id); });
  const Taste taste = BuildTaste(model, input);
  result.cold_start = !taste.stored;
  const std::string country =
      query.country.empty() ? taste.country : query.country;
  const BlendWeights blend = BlendOf(model, query.blend, taste.stored);

  const absl::flat_hash_set<uint32_t> excluded_tracks =
      AsSet(KnownTracks(model, query.exclude_track_ids));
  const absl::flat_hash_set<uint32_t> excluded_artists =
      AsSet(KnownIds(query.exclude_artist_ids, [&](const std::string& id) {
        return model.FindArtist(id);
      }));
  const std::function<bool(uint32_t)> allowed = [&](uint32_t t) {
    const Track& track = catalog.tracks[t];
    return !taste.heard.contains(t) && !excluded_tracks.contains(t) &&
           !excluded_artists.contains(track.artist) &&
           PassesFilter(catalog, track, query.filter, country);
  };

  if (query.surface == Surface::kDailyMix) {
    result.mixes = DailyMixes(model, query, taste, blend, country, allowed);
    return result;
  }
  const int depth =
      query.surface == Surface::kDiscoverWeekly ? 4 * query.count : query.count;
  // The publication's candidates answer the query PersonalIndexQuery()
  // builds: the stored taste alone, the model's blend, the stored country.
  const bool own_query =
      record && input.recent.empty() && input.liked_tracks.empty() &&
      input.liked_artists.empty() && !query.blend.cf && !query.blend.content &&
      !query.blend.popularity && country == taste.country;
  std::vector<Ranked> chosen = RankTracks(
      model, TasteQuery(taste, blend, country), depth,
      taste.heard.size() + excluded_tracks.size(),
      [&] {
        return [&, cap = ArtistCap(catalog, query.max_per_artist)](
                   uint32_t t) mutable { return allowed(t) && cap.Take(t); };
      },
      own_query ? absl::MakeConstSpan(record->candidates)
                : absl::Span<const uint32_t>());
  if (query.surface == Surface::kDiscoverWeekly) {
    chosen = WeeklySelection(model, query, taste, std::move(chosen));
  }
  for (const auto& [t, score] : chosen) {
    result.items.push_back(
        {t, score, RecommendReason(model, taste, blend, score, t, country)});
  }
  return result;
}

absl::StatusOr<Eigen::VectorXf> PersonalIndexQuery(const ServingModel& model,
                                                   absl::string_view user_id) {
  ASSIGN_OR_RETURN(UserRecord record, model.GetUser(user_id));
  TasteInput input;
  input.record = &record;
  const Taste taste = BuildTaste(model, input);
  return IndexQuery(
      model, TasteQuery(taste, BlendOf(model, {}, taste.stored), taste.country),
      model.HasRegionalPopularity(taste.country));
}

size_t CandidateListLength(int per_user, size_t history) {
  return std::min(static_cast<size_t>(std::max(per_user, 0)) + history,
                  kMaxCandidates);
}

absl::StatusOr<CandidateLists> ComputeCandidateLists(
    const ServingModel& model, const std::vector<User>& users, int per_user,
    int threads) {
  CandidateLists lists;
  if (!model.two_stage() || per_user <= 0) return lists;
  const HnswIndex& index = *model.indexes().personal;
  std::mutex mu;
  absl::Status status;
  // First the rows' lengths, which depend on the users' histories, so that
  // the searches below write straight into one array of the exact size.
  lists.offsets.assign(users.size() + 1, 0);
  ParallelFor(static_cast<int64_t>(users.size()), threads, 1024,
              [&](int64_t begin, int64_t end) {
                for (int64_t u = begin; u < end; ++u) {
                  absl::StatusOr<UserRecord> record =
                      model.GetUser(users[u].id);
                  if (!record.ok()) {
                    std::lock_guard<std::mutex> lock(mu);
                    status.Update(record.status());
                    return;
                  }
                  lists.offsets[u + 1] =
                      CandidateListLength(per_user, record->history.size());
                }
              });
  RETURN_IF_ERROR(status);
  for (size_t u = 0; u < users.size(); ++u) {
    lists.offsets[u + 1] += lists.offsets[u];
  }
  lists.tracks.resize(lists.offsets.back());
  // Row u is written at offsets[u], then the rows are closed up (a search
  // finds fewer only in an index of fewer rows).
  std::vector<uint32_t> found(users.size(), 0);
  ParallelFor(
      static_cast<int64_t>(users.size()), threads, 256,
      [&](int64_t begin, int64_t end) {
        for (int64_t u = begin; u < end; ++u) {
          absl::StatusOr<Eigen::VectorXf> v =
              PersonalIndexQuery(model, users[u].id);
          if (!v.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            status.Update(v.status());
            return;
          }
          const std::vector<Neighbor> best = index.Search(
              absl::MakeConstSpan(v->data(), v->size()),
              static_cast<int>(lists.offsets[u + 1] - lists.offsets[u]));
          for (size_t i = 0; i < best.size(); ++i) {
            lists.tracks[lists.offsets[u] + i] = best[i].row;
          }
          found[u] = static_cast<uint32_t>(best.size());
        }
      });
  RETURN_IF_ERROR(status);
  uint64_t end = 0;
  for (size_t u = 0; u < users.size(); ++u) {
    const uint64_t start = lists.offsets[u];
    lists.offsets[u] = end;
    if (end != start) {  // a move to the left, which std::copy allows
      std::copy_n(lists.tracks.begin() + start, found[u],
                  lists.tracks.begin() + end);
    }
    end += found[u];
  }
  lists.offsets.back() = end;
  lists.tracks.resize(end);
  return lists;
}

absl::StatusOr<RadioResult> Radio(const ServingModel& model,
                                  const RadioQuery& query) {
  ASSIGN_OR_RETURN(const Seed seed, ResolveSeed(model, query));
  ASSIGN_OR_RETURN(std::optional<UserRecord> record,
                   OptionalUser(model, query.user_id));
  std::optional<Taste> taste;
  if (record) taste = BuildTaste(model, TasteInput{&*record, {}, {}, {}});

  RadioResult result;
  result.session = query.session;
  std::vector<uint32_t> new_skips, new_likes;
  for (const std::string& id : query.skipped_track_ids)
    new_skips.push_back(TrackFingerprint(id));
  for (const std::string& id : query.liked_track_ids)
    new_likes.push_back(TrackFingerprint(id));
  AppendBounded(result.session.skipped, new_skips, kMaxSessionFeedback);
  AppendBounded(result.session.liked, new_likes, kMaxSessionFeedback);

  StationContext ctx;
  ctx.taste = taste ? &*taste : nullptr;
  ctx.recent = ResolveFingerprints(model, query.session.played);
  ctx.skipped = ResolveFingerprints(model, result.session.skipped);
  ctx.liked = ResolveFingerprints(model, result.session.liked);
  ctx.excluded = AsSet(KnownTracks(model, query.exclude_track_ids));
  ctx.excluded.insert(ctx.recent.begin(), ctx.recent.end());
  ctx.excluded.insert(ctx.skipped.begin(), ctx.skipped.end());
  ctx.excluded.insert(ctx.liked.begin(), ctx.liked.end());
  ctx.count = query.count;
  ctx.spacing = query.artist_spacing;
  ctx.country = query.country;
  ctx.filter = query.filter;
  ctx.blend = BlendOf(model, query.blend, /*stored_user=*/true);
  result.items = StationTracks(model, seed, ctx);

  std::vector<uint32_t> played;
  for (const ScoredTrack& item : result.items) {
    played.push_back(TrackFingerprint(model.catalog().tracks[item.track].id));
  }
  AppendBounded(result.session.played, played, kMaxSessionPlayed);
  return result;
}

absl::StatusOr<std::vector<ScoredArtist>> RelatedArtists(
    const ServingModel& model, absl::string_view artist_id, int count) {
  std::optional<uint32_t> seed = model.FindArtist(artist_id);
  if (!seed) {
    return absl::NotFoundError(
        absl::StrCat("unknown artist_id '", artist_id, "'"));
  }
  const Catalog& c = model.catalog();
  const int64_t n = static_cast<int64_t>(c.artists.size());
  const Eigen::VectorXf cf =
      model.artist_cf_unit() * model.artist_cf_unit().row(*seed).transpose();
  const Eigen::VectorXf content =
      model.artist_content() * model.artist_content().row(*seed).transpose();
  std::vector<float> scores(n);
  std::vector<float> cf_share(n);
  const int64_t seed_listeners = model.artist_listeners(*seed);
  // How far co-listening is trusted follows the seed's audience: an artist
  // with few listeners is placed by its content instead.
  const double seed_listener_count = static_cast<double>(seed_listeners);
  const float trust = static_cast<float>(
      seed_listener_count / (seed_listener_count + kArtistListenerPrior));
  for (int64_t a = 0; a < n; ++a) {
    cf_share[a] = trust * cf[a];
    // A candidate heard by almost no one is a guess whatever the signal
    // says (one listener's taste, or a genre label alone): damp it so that
    // artists with an audience come first.
    const double listeners = static_cast<double>(model.artist_listeners(a));
    const float confidence = static_cast<float>(
        0.5 + 0.5 * listeners / (listeners + kCandidateListenerPrior));
    cf_share[a] *= confidence;
    scores[a] = cf_share[a] + confidence * (1.0f - trust) * content[a];
  }
  const std::vector<Ranked> chosen =
      TopAccepted(Dense(scores), count, [&](uint32_t a) { return a != *seed; });
  std::vector<ScoredArtist> out;
  for (const auto& [a, score] : chosen) {
    ScoredArtist item{a, score, {}};
    item.reason.source_artist = *seed;
    if (cf_share[a] >= scores[a] - cf_share[a]) {
      item.reason.kind = ReasonKind::kFansAlsoLike;
      item.reason.text =
          absl::StrCat("Fans of ", c.artists[*seed].name, " also like");
    } else {
      item.reason.kind = ReasonKind::kSimilarSound;
      item.reason.text = absl::StrCat("Sounds like ", c.artists[*seed].name);
    }
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<NowPlayingResult> NowPlaying(const ServingModel& model,
                                            const NowPlayingQuery& query) {
  std::optional<uint32_t> current = model.FindTrack(query.current_track_id);
  if (!current) {
    return absl::NotFoundError(absl::StrCat("unknown current_track_id '",
                                            query.current_track_id, "'"));
  }
  ASSIGN_OR_RETURN(std::optional<UserRecord> record,
                   OptionalUser(model, query.user_id));
  StationContext ctx;
  ctx.recent = KnownTracks(model, query.recent_track_ids);
  ctx.recent.push_back(*current);
  std::optional<Taste> taste;
  if (record || !query.recent_track_ids.empty()) {
    taste = BuildTaste(
        model, TasteInput{record ? &*record : nullptr, ctx.recent, {}, {}});
  }
  const Catalog& c = model.catalog();
  const Seed seed = TrackSeed(model, *current);
  ctx.taste = taste ? &*taste : nullptr;
  ctx.excluded = AsSet(ctx.recent);
  ctx.count = query.count;
  ctx.spacing = 2;
  ctx.country = query.country;
  ctx.filter = query.filter;
  ctx.blend = BlendOf(model, query.blend, /*stored_user=*/true);

  NowPlayingResult result;
  result.up_next = StationTracks(model, seed, ctx);
  ASSIGN_OR_RETURN(result.related_artists,
                   RelatedArtists(model, c.artists[*seed.artist].id, 5));
  constexpr int kMoreByArtist = 5;
  for (uint32_t t : model.ArtistTracks(*seed.artist)) {
    if (static_cast<int>(result.more_by_artist.size()) >= kMoreByArtist) break;
    if (ctx.excluded.contains(t) ||
        !PassesFilter(c, c.tracks[t], query.filter, query.country)) {
      continue;
    }
    ScoredTrack item{t, model.tracks().popularity.global[t], {}};
    item.reason.kind = ReasonKind::kSameArtist;
    item.reason.source_artist = seed.artist;
    item.reason.text = absl::StrCat("More by ", c.artists[*seed.artist].name);
    result.more_by_artist.push_back(std::move(item));
  }
  return result;
}

}  // namespace recsys::core
