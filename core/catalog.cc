#include "core/catalog.h"

#include <algorithm>

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
