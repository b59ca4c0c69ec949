#include "core/catalog.h"

#include <algorithm>
#include <cstdint>

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

}  // namespace recsys::core
