#include "core/catalog.h"

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

}  // namespace recsys::core
