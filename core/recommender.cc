#include "core/recommender.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/als.h"
#include "core/status_macros.h"

namespace recsys::core {
namespace {

// How many of a user's strongest plays explain a recommendation.
constexpr size_t kReasonHistory = 50;
// Listeners at which an artist's co-listening signal is trusted as much as
// its content (RelatedArtists blends by listeners / (listeners + this)).
constexpr double kArtistListenerPrior = 20;
// Weight of the user's taste in a personalised station.
constexpr float kRadioUserWeight = 0.3f;

Eigen::VectorXf Unit(Eigen::VectorXf v) {
  const float norm = v.norm();
  if (norm > 0) v /= norm;
  return v;
}

// The index of every id in `ids` that the catalog knows.
template <typename FindFn>
absl::flat_hash_set<uint32_t> KnownIds(const std::vector<std::string>& ids,
                                       const FindFn& find) {
  absl::flat_hash_set<uint32_t> known;
  known.reserve(ids.size());
  for (const std::string& id : ids) {
    if (std::optional<uint32_t> index = find(id)) known.insert(*index);
  }
  return known;
}

// Walks tracks in descending score order and keeps those `accept` takes,
// until `count` are kept. Sorts only a prefix, growing it when filters reject
// many candidates.
template <typename AcceptFn>
std::vector<uint32_t> TopAccepted(const std::vector<float>& scores, int count,
                                  const AcceptFn& accept) {
  const size_t n = scores.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto by_score = [&](uint32_t a, uint32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  };
  std::vector<uint32_t> kept;
  size_t sorted = 0;
  size_t window = std::min(n, static_cast<size_t>(count) * 4 + 64);
  while (static_cast<int>(kept.size()) < count && sorted < n) {
    std::partial_sort(order.begin() + sorted, order.begin() + window,
                      order.end(), by_score);
    for (size_t i = sorted; i < window && static_cast<int>(kept.size()) < count;
         ++i) {
      if (accept(order[i])) kept.push_back(order[i]);
    }
    sorted = window;
    window = std::min(n, window * 4);
  }
  return kept;
}

// What the server knows of a listener at request time.
struct Taste {
  Eigen::VectorXf cf;       // empty when nothing is known
  Eigen::VectorXf content;  // unit content profile; empty when unknown
  absl::flat_hash_set<uint32_t> heard;  // every track in the history
  std::vector<uint32_t> favourites;     // strongest positive plays first
  std::string country;
  bool stored = false;  // the user has a stored vector
};

Taste BuildTaste(const ServingModel& model, const UserRecord* record,
                 const std::vector<uint32_t>& recent) {
  Taste taste;
  std::vector<uint32_t> items;
  std::vector<float> strengths;
  if (record != nullptr) {
    taste.stored = true;
    taste.country = record->country;
    for (const HistoryEntry& e : record->history) {
      items.push_back(e.track);
      strengths.push_back(e.strength);
    }
  }
  for (uint32_t t : recent) {
    items.push_back(t);
    strengths.push_back(1.0f);
  }
  taste.heard.insert(items.begin(), items.end());

  std::vector<size_t> positive;
  for (size_t k = 0; k < items.size(); ++k) {
    if (strengths[k] > 0) positive.push_back(k);
  }
  std::stable_sort(positive.begin(), positive.end(), [&](size_t a, size_t b) {
    return strengths[a] > strengths[b];
  });
  for (size_t k : positive) {
    if (taste.favourites.size() >= kReasonHistory) break;
    taste.favourites.push_back(items[k]);
  }

  const ModelMetadata& meta = model.metadata();
  if (record != nullptr && recent.empty()) {
    taste.cf = Eigen::Map<const Eigen::VectorXf>(
        record->factors.data(), static_cast<int>(record->factors.size()));
  } else if (!items.empty()) {
    // Real-time personalisation: the ALS user step over stored history plus
    // the plays the request brought.
    taste.cf = FoldInUser(model.tracks().cf, model.track_gram(), items,
                          strengths, meta.alpha);
  }
  if (!positive.empty()) {
    Eigen::VectorXf profile =
        Eigen::VectorXf::Zero(model.tracks().content.cols());
    for (size_t k : positive) {
      profile += std::log1p(strengths[k]) *
                 model.tracks().content.row(items[k]).transpose();
    }
    taste.content = Unit(std::move(profile));
  }
  return taste;
}

// The hybrid score of every track for a user's taste.
std::vector<float> ScoreForTaste(const ServingModel& model, const Taste& taste,
                                 absl::string_view country) {
  const TrackSide& side = model.tracks();
  const BlendWeights& w = model.metadata().blend;
  const int64_t n = side.cf.rows();
  std::vector<float> scores(n, 0.0f);
  Eigen::Map<Eigen::VectorXf> total(scores.data(), n);
  if (taste.cf.size() > 0) total.noalias() += w.cf * (side.cf * taste.cf);
  if (taste.content.size() > 0) {
    total.noalias() += w.content * (side.content * taste.content);
  }
  for (int64_t t = 0; t < n; ++t) {
    scores[t] +=
        w.popularity * model.PopularityFor(static_cast<uint32_t>(t), country);
  }
  return scores;
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

// Explains a recommended track by the favourite it is closest to in CF space.
Reason ListenedReason(const ServingModel& model, const Taste& taste,
                      uint32_t track) {
  const FactorMatrix& unit = model.track_cf_unit();
  float best = -2;
  uint32_t best_track = 0;
  for (uint32_t f : taste.favourites) {
    const float sim = unit.row(f).dot(unit.row(track));
    if (sim > best) {
      best = sim;
      best_track = f;
    }
  }
  Reason r;
  r.kind = ReasonKind::kBecauseYouListened;
  r.source_track = best_track;
  r.source_artist = model.catalog().tracks[best_track].artist;
  r.text =
      absl::StrCat("Because you listened to ", ArtistName(model, best_track));
  return r;
}

// Unit CF and content vectors describing a station's seed.
struct Seed {
  Eigen::VectorXf cf;
  Eigen::VectorXf content;
  std::optional<uint32_t> track;
  std::optional<uint32_t> artist;
  std::string label;  // "Velvet Horizon", "Nova Drift", "rock"
};

absl::StatusOr<Seed> ResolveSeed(const ServingModel& model,
                                 const RadioQuery& q) {
  const int seeds = !q.seed_track_id.empty() + !q.seed_artist_id.empty() +
                    !q.seed_genre.empty();
  if (seeds != 1) {
    return absl::InvalidArgumentError(
        "exactly one of seed_track_id, seed_artist_id, seed_genre is required");
  }
  const Catalog& c = model.catalog();
  Seed seed;
  if (!q.seed_track_id.empty()) {
    std::optional<uint32_t> t = model.FindTrack(q.seed_track_id);
    if (!t) {
      return absl::NotFoundError(
          absl::StrCat("unknown seed_track_id '", q.seed_track_id, "'"));
    }
    seed.track = *t;
    seed.artist = c.tracks[*t].artist;
    seed.cf = model.track_cf_unit().row(*t).transpose();
    seed.content = model.tracks().content.row(*t).transpose();
    seed.label = c.tracks[*t].title;
  } else if (!q.seed_artist_id.empty()) {
    std::optional<uint32_t> a = model.FindArtist(q.seed_artist_id);
    if (!a) {
      return absl::NotFoundError(
          absl::StrCat("unknown seed_artist_id '", q.seed_artist_id, "'"));
    }
    seed.artist = *a;
    seed.cf = model.artist_cf_unit().row(*a).transpose();
    seed.content = model.artist_content().row(*a).transpose();
    seed.label = c.artists[*a].name;
  } else {
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
  }
  return seed;
}

// Scores every track for a station: similarity to the seed, optionally the
// user's taste, and a little popularity.
std::vector<float> ScoreForSeed(const ServingModel& model, const Seed& seed,
                                const Taste* taste, absl::string_view country) {
  const TrackSide& side = model.tracks();
  const BlendWeights& w = model.metadata().blend;
  const int64_t n = side.cf.rows();
  Eigen::VectorXf cf = model.track_cf_unit() * seed.cf;
  Eigen::VectorXf content = side.content * seed.content;
  Eigen::VectorXf user;
  if (taste != nullptr && taste->cf.size() > 0) {
    user = model.track_cf_unit() * Unit(taste->cf);
  }
  std::vector<float> scores(n);
  for (int64_t t = 0; t < n; ++t) {
    float s =
        w.cf * cf[t] + w.content * content[t] +
        w.popularity * model.PopularityFor(static_cast<uint32_t>(t), country);
    if (user.size() > 0) s += kRadioUserWeight * w.cf * user[t];
    scores[t] = s;
  }
  return scores;
}

// Greedy re-rank that keeps tracks of one artist at least `spacing`
// positions apart, taking the best-scored track allowed at each position.
std::vector<uint32_t> SpaceArtists(const ServingModel& model,
                                   std::vector<uint32_t> ranked, int count,
                                   int spacing) {
  std::vector<uint32_t> out;
  std::vector<bool> used(ranked.size(), false);
  const Catalog& c = model.catalog();
  while (static_cast<int>(out.size()) < count) {
    bool placed = false;
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (used[i]) continue;
      const uint32_t artist = c.tracks[ranked[i]].artist;
      bool too_close = false;
      for (int back = 1; back < spacing && back <= static_cast<int>(out.size());
           ++back) {
        if (c.tracks[out[out.size() - back]].artist == artist) {
          too_close = true;
          break;
        }
      }
      if (too_close) continue;
      used[i] = true;
      out.push_back(ranked[i]);
      placed = true;
      break;
    }
    // Only tracks of recently played artists are left: the station ends
    // here rather than breaking the spacing promise.
    if (!placed) break;
  }
  return out;
}

std::vector<ScoredTrack> StationTracks(
    const ServingModel& model, const Seed& seed, const Taste* taste,
    const absl::flat_hash_set<uint32_t>& excluded, int count, int spacing,
    absl::string_view country) {
  const std::vector<float> scores = ScoreForSeed(model, seed, taste, country);
  // Tracks of one artist have near-identical vectors, so an uncapped pool can
  // hold too few artists to keep them apart. Cap each artist at the number of
  // slots spacing leaves it, and keep a margin for the re-rank.
  const Catalog& catalog = model.catalog();
  const int per_artist = std::max(1, (count + spacing - 1) / spacing);
  absl::flat_hash_map<uint32_t, int> taken;
  std::vector<uint32_t> ranked =
      TopAccepted(scores, count * 2 + 32, [&](uint32_t t) {
        if (excluded.contains(t) || (seed.track && t == *seed.track)) {
          return false;
        }
        int& n = taken[catalog.tracks[t].artist];
        if (n >= per_artist) return false;
        ++n;
        return true;
      });
  const std::vector<uint32_t> chosen =
      SpaceArtists(model, std::move(ranked), count, spacing);
  const Catalog& c = catalog;
  std::vector<ScoredTrack> out;
  out.reserve(chosen.size());
  for (uint32_t t : chosen) {
    ScoredTrack item{t, scores[t], {}};
    if (seed.artist && c.tracks[t].artist == *seed.artist) {
      item.reason.kind = ReasonKind::kSameArtist;
      item.reason.text = absl::StrCat("More by ", c.artists[*seed.artist].name);
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

}  // namespace

absl::StatusOr<std::shared_ptr<const ServingModel>> ServingModel::Create(
    std::unique_ptr<ModelVersion> version) {
  ASSIGN_OR_RETURN(TrackSide side, version->LoadTrackSide());
  std::shared_ptr<ServingModel> m(new ServingModel());
  m->version_ = std::move(version);
  m->tracks_ = std::move(side);
  const Catalog& c = m->tracks_.catalog;
  const int64_t n = static_cast<int64_t>(c.tracks.size());

  m->track_by_id_.reserve(n);
  for (int64_t t = 0; t < n; ++t) {
    m->track_by_id_.emplace(c.tracks[t].id, static_cast<uint32_t>(t));
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

  m->track_cf_unit_ = m->tracks_.cf;
  m->track_cf_unit_.rowwise().normalize();
  for (int64_t t = 0; t < n; ++t) {
    if (!std::isfinite(m->track_cf_unit_(t, 0)))
      m->track_cf_unit_.row(t).setZero();
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

absl::Span<const uint32_t> ServingModel::ArtistTracks(uint32_t artist) const {
  return absl::MakeConstSpan(
      artist_tracks_.data() + artist_track_offsets_[artist],
      artist_track_offsets_[artist + 1] - artist_track_offsets_[artist]);
}

float ServingModel::PopularityFor(uint32_t track,
                                  absl::string_view country) const {
  const float global = tracks_.popularity.global[track];
  if (country.empty()) return global;
  auto table = regional_.find(country);
  if (table == regional_.end()) return global;
  auto it = table->second.find(track);
  const float regional = it == table->second.end() ? 0.0f : it->second;
  return 0.5f * (global + regional);
}

absl::StatusOr<RecommendResult> Recommend(const ServingModel& model,
                                          const RecommendQuery& query) {
  ASSIGN_OR_RETURN(std::optional<UserRecord> record,
                   OptionalUser(model, query.user_id));
  std::vector<uint32_t> recent;
  RecommendResult result;
  for (const std::string& id : query.recent_track_ids) {
    if (std::optional<uint32_t> t = model.FindTrack(id)) {
      recent.push_back(*t);
    } else {
      ++result.unknown_recent_tracks;
    }
  }
  const Taste taste = BuildTaste(model, record ? &*record : nullptr, recent);
  result.cold_start = !taste.stored;
  const std::string country =
      query.country.empty() ? taste.country : query.country;

  const std::vector<float> scores = ScoreForTaste(model, taste, country);
  const auto excluded_tracks =
      KnownIds(query.exclude_track_ids,
               [&](const std::string& id) { return model.FindTrack(id); });
  const auto excluded_artists =
      KnownIds(query.exclude_artist_ids,
               [&](const std::string& id) { return model.FindArtist(id); });
  const Catalog& c = model.catalog();
  absl::flat_hash_map<uint32_t, int> per_artist;
  const std::vector<uint32_t> chosen =
      TopAccepted(scores, query.count, [&](uint32_t t) {
        if (taste.heard.contains(t) || excluded_tracks.contains(t))
          return false;
        const uint32_t artist = c.tracks[t].artist;
        if (excluded_artists.contains(artist)) return false;
        int& n = per_artist[artist];
        if (n >= query.max_per_artist) return false;
        ++n;
        return true;
      });

  const float pop_weight = model.metadata().blend.popularity;
  for (uint32_t t : chosen) {
    ScoredTrack item{t, scores[t], {}};
    // The reason names the larger part of the score: personal (CF and
    // content) or popular.
    const float popular = pop_weight * model.PopularityFor(t, country);
    const bool personal =
        !taste.favourites.empty() && scores[t] - popular >= popular;
    item.reason =
        personal ? ListenedReason(model, taste, t) : PopularReason(country);
    result.items.push_back(std::move(item));
  }
  return result;
}

absl::StatusOr<std::vector<ScoredTrack>> Radio(const ServingModel& model,
                                               const RadioQuery& query) {
  ASSIGN_OR_RETURN(const Seed seed, ResolveSeed(model, query));
  ASSIGN_OR_RETURN(std::optional<UserRecord> record,
                   OptionalUser(model, query.user_id));
  std::optional<Taste> taste;
  if (record) taste = BuildTaste(model, &*record, {});
  const auto excluded =
      KnownIds(query.exclude_track_ids,
               [&](const std::string& id) { return model.FindTrack(id); });
  return StationTracks(model, seed, taste ? &*taste : nullptr, excluded,
                       query.count, query.artist_spacing, query.country);
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
  for (int64_t a = 0; a < n; ++a) {
    // Co-listening is only as reliable as the rarer artist's audience.
    const double listeners =
        std::min(seed_listeners, model.artist_listeners(a));
    const float trust =
        static_cast<float>(listeners / (listeners + kArtistListenerPrior));
    cf_share[a] = trust * cf[a];
    scores[a] = cf_share[a] + (1.0f - trust) * content[a];
  }
  const std::vector<uint32_t> chosen =
      TopAccepted(scores, count, [&](uint32_t a) { return a != *seed; });
  std::vector<ScoredArtist> out;
  for (uint32_t a : chosen) {
    ScoredArtist item{a, scores[a], {}};
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
  absl::flat_hash_set<uint32_t> excluded =
      KnownIds(query.recent_track_ids,
               [&](const std::string& id) { return model.FindTrack(id); });
  excluded.insert(*current);
  std::vector<uint32_t> recent(excluded.begin(), excluded.end());
  std::sort(recent.begin(), recent.end());
  std::optional<Taste> taste;
  if (record || !query.recent_track_ids.empty()) {
    taste = BuildTaste(model, record ? &*record : nullptr, recent);
  }

  const Catalog& c = model.catalog();
  Seed seed;
  seed.track = *current;
  seed.artist = c.tracks[*current].artist;
  seed.cf = model.track_cf_unit().row(*current).transpose();
  seed.content = model.tracks().content.row(*current).transpose();
  seed.label = c.tracks[*current].title;

  NowPlayingResult result;
  result.up_next =
      StationTracks(model, seed, taste ? &*taste : nullptr, excluded,
                    query.count, /*spacing=*/2, query.country);
  ASSIGN_OR_RETURN(result.related_artists,
                   RelatedArtists(model, c.artists[*seed.artist].id, 5));
  constexpr int kMoreByArtist = 5;
  for (uint32_t t : model.ArtistTracks(*seed.artist)) {
    if (static_cast<int>(result.more_by_artist.size()) >= kMoreByArtist) break;
    if (excluded.contains(t)) continue;
    ScoredTrack item{t, model.tracks().popularity.global[t], {}};
    item.reason.kind = ReasonKind::kSameArtist;
    item.reason.source_artist = seed.artist;
    item.reason.text = absl::StrCat("More by ", c.artists[*seed.artist].name);
    result.more_by_artist.push_back(std::move(item));
  }
  return result;
}

}  // namespace recsys::core
