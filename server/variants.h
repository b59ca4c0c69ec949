// A/B variants: named blend settings, each serving a configured share of
// users. A user's variant is fixed by a hash of the experiment name and the
// user id, so it is the same on every replica and every request, and
// changing the experiment name reshuffles everyone.
//
// Spec syntax (the --variants flag): variants separated by ';', each
//   name:share[:key=value,key=value]
// with keys cf, content, popularity overriding the model's fitted blend
// weights. Shares are relative (normalised to sum to 1). Example:
//   control:90;more_discovery:10:popularity=0.05,content=0.5
// An empty spec is one variant, "default", with the model's blend.
#ifndef RECSYS_SERVER_VARIANTS_H_
#define RECSYS_SERVER_VARIANTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/model.h"

namespace recsys::server {

struct Variant {
  std::string name;
  double share = 1;             // normalised: all variants sum to 1
  core::BlendOverride weights;  // unset fields: the model's weight
};

// Immutable after Parse(); thread-safe.
class VariantAssigner {
 public:
  // INVALID_ARGUMENT, naming the bad part, for a malformed spec: an empty or
  // repeated name, a share that is not a positive number, an unknown key or
  // a weight that is not a finite number >= 0.
  [[nodiscard]] static absl::StatusOr<VariantAssigner> Parse(
      std::string experiment, absl::string_view spec);

  // The variant of `user_id` (anonymous requests pass "" and all share one).
  const Variant& Assign(absl::string_view user_id) const;

  const std::vector<Variant>& variants() const { return variants_; }
  const std::string& experiment() const { return experiment_; }

 private:
  std::string experiment_;
  std::vector<Variant> variants_;
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_VARIANTS_H_
