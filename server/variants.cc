#include "server/variants.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace recsys::server {
namespace {

// FNV-1a then a 64-bit finaliser: stable across processes and builds, unlike
// absl::Hash.
uint64_t StableHash(absl::string_view a, absl::string_view b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](absl::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  };
  feed(a);
  feed("/");
  feed(b);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<VariantAssigner> VariantAssigner::Parse(std::string experiment,
                                                       absl::string_view spec) {
  VariantAssigner assigner;
  assigner.experiment_ = std::move(experiment);
  spec = absl::StripAsciiWhitespace(spec);
  if (spec.empty()) {
    assigner.variants_.push_back(Variant{"default", 1, {}});
    return assigner;
  }
  double total = 0;
  for (absl::string_view part :
       absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(part, absl::MaxSplits(':', 2));
    Variant v;
    v.name = std::string(absl::StripAsciiWhitespace(fields[0]));
    if (!ValidName(v.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "variant name '", v.name, "' must be 1-64 of [A-Za-z0-9_-]"));
    }
    for (const Variant& other : assigner.variants_) {
      if (other.name == v.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("variant '", v.name, "' is repeated"));
      }
    }
    if (fields.size() < 2 ||
        !absl::SimpleAtod(absl::StripAsciiWhitespace(fields[1]), &v.share) ||
        !(v.share > 0) || !std::isfinite(v.share)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "variant '", v.name, "' needs a positive share: name:share"));
    }
    if (fields.size() == 3) {
      for (absl::string_view kv :
           absl::StrSplit(fields[2], ',', absl::SkipWhitespace())) {
        std::pair<absl::string_view, absl::string_view> p =
            absl::StrSplit(kv, '=');
        float value = 0;
        if (!absl::SimpleAtof(absl::StripAsciiWhitespace(p.second), &value) ||
            !std::isfinite(value) || value < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "variant '", v.name, "': '", kv, "' needs a number >= 0"));
        }
        const absl::string_view key = absl::StripAsciiWhitespace(p.first);
        if (key == "cf") {
          v.weights.cf = value;
        } else if (key == "content") {
          v.weights.content = value;
        } else if (key == "popularity") {
          v.weights.popularity = value;
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat("variant '", v.name, "': unknown weight '", key,
                           "' (cf, content or popularity)"));
        }
      }
    }
    total += v.share;
    assigner.variants_.push_back(std::move(v));
  }
  if (assigner.variants_.empty()) {
    return absl::InvalidArgumentError("no variant in the spec");
  }
  for (Variant& v : assigner.variants_) v.share /= total;
  return assigner;
}

const Variant& VariantAssigner::Assign(absl::string_view user_id) const {
  // The top 53 bits as a uniform draw in [0, 1).
  const double u =
      (StableHash(experiment_, user_id) >> 11) * (1.0 / 9007199254740992.0);
  double cumulative = 0;
  for (const Variant& v : variants_) {
    cumulative += v.share;
    if (u < cumulative) return v;
  }
  return variants_.back();
}

}  // namespace recsys::server
