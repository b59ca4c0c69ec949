#include "core/catalog.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace recsys::core {

absl::string_view ContentKindName(ContentKind kind) {
  switch (kind) {
    case ContentKind::kMusic:
      return "music";
    case ContentKind::kPodcast:
      return "podcast";
    case ContentKind::kAudiobook:
      return "audiobook";
  }
  return "music";
}

std::optional<ContentKind> ParseContentKind(absl::string_view name) {
  for (ContentKind kind :
       {ContentKind::kMusic, ContentKind::kPodcast, ContentKind::kAudiobook}) {
    if (name == ContentKindName(kind)) return kind;
  }
  return std::nullopt;
}

void MergeInteractions(std::vector<Interaction>& interactions,
                       std::vector<Interaction> more) {
  interactions.insert(interactions.end(), more.begin(), more.end());
  std::sort(interactions.begin(), interactions.end(),
            [](const Interaction& a, const Interaction& b) {
              return a.user != b.user ? a.user < b.user : a.track < b.track;
            });
  const auto saturating_add = [](uint32_t a, uint32_t b) {
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
  };
  size_t out = 0;
  for (size_t i = 0; i < interactions.size(); ++i) {
    if (out > 0 && interactions[out - 1].user == interactions[i].user &&
        interactions[out - 1].track == interactions[i].track) {
      Interaction& merged = interactions[out - 1];
      merged.plays = saturating_add(merged.plays, interactions[i].plays);
      merged.skips = saturating_add(merged.skips, interactions[i].skips);
      merged.liked = merged.liked || interactions[i].liked;
    } else {
      interactions[out++] = interactions[i];
    }
  }
  interactions.resize(out);
}

bool AvailableIn(const Catalog& catalog, const Track& track,
                 absl::string_view country) {
  if (track.markets == 0 || country.empty()) return true;
  const std::vector<std::string>& set = catalog.market_sets[track.markets];
  return std::binary_search(set.begin(), set.end(), country);
}

MarketSetInterner::MarketSetInterner(Catalog* catalog) : catalog_(catalog) {
  for (size_t i = 0; i < catalog_->market_sets.size(); ++i) {
    index_.emplace(absl::StrJoin(catalog_->market_sets[i], " "),
                   static_cast<uint32_t>(i));
  }
}

uint32_t MarketSetInterner::Intern(std::vector<std::string> countries) {
  std::sort(countries.begin(), countries.end());
  countries.erase(std::unique(countries.begin(), countries.end()),
                  countries.end());
  if (countries.empty()) return 0;
  const auto [it, added] =
      index_.emplace(absl::StrJoin(countries, " "),
                     static_cast<uint32_t>(catalog_->market_sets.size()));
  if (added) catalog_->market_sets.push_back(std::move(countries));
  return it->second;
}

std::string SupportReport::ToString() const {
  return absl::StrCat("tracks_below_minimum=", tracks_below_minimum,
                      " users_dropped=", users_dropped,
                      " interactions_dropped=", interactions_dropped);
}

SupportReport DropLowSupport(Dataset& dataset, int min_user_tracks,
                             int min_track_users) {
  SupportReport report;
  std::vector<int64_t> track_users(dataset.catalog.tracks.size(), 0);
  for (const Interaction& x : dataset.interactions) ++track_users[x.track];
  for (int64_t n : track_users) {
    if (n > 0 && n < min_track_users) ++report.tracks_below_minimum;
  }
  std::vector<int64_t> user_tracks(dataset.users.size(), 0);
  std::vector<Interaction> kept;
  kept.reserve(dataset.interactions.size());
  for (const Interaction& x : dataset.interactions) {
    if (track_users[x.track] < min_track_users) continue;
    kept.push_back(x);
    ++user_tracks[x.user];
  }
  std::vector<uint32_t> new_index(dataset.users.size(), 0);
  std::vector<User> users;
  for (size_t u = 0; u < dataset.users.size(); ++u) {
    if (user_tracks[u] < min_user_tracks) {
      ++report.users_dropped;
      continue;
    }
    new_index[u] = static_cast<uint32_t>(users.size());
    users.push_back(std::move(dataset.users[u]));
  }
  std::vector<Interaction> out;
  out.reserve(kept.size());
  for (Interaction x : kept) {
    if (user_tracks[x.user] < min_user_tracks) continue;
    x.user = new_index[x.user];
    out.push_back(x);
  }
  report.interactions_dropped =
      static_cast<int64_t>(dataset.interactions.size() - out.size());
  dataset.users = std::move(users);
  dataset.interactions = std::move(out);
  return report;
}

}  // namespace recsys::core
