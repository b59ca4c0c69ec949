// Radio page tokens: the station's seed and session (core::RadioSession)
// carried by the client between pages, so that any server replica can serve
// the next page without shared state.
//
// Wire format, before web-safe base64 (no padding):
//   u8 format version (1) | u8 seed kind | u16 seed length | seed bytes |
//   i64 issued-at (Unix seconds) | 3 x (u16 count | count x u32 fingerprint)
//   for played, skipped, liked | 32-byte HMAC-SHA256 of everything before.
// All integers little-endian. A token is at most kMaxPageTokenChars long.
#ifndef RECSYS_SERVER_PAGE_TOKEN_H_
#define RECSYS_SERVER_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/recommender.h"

namespace recsys::server {

inline constexpr size_t kMaxPageTokenChars = 8192;

struct RadioPageToken {
  enum class SeedKind : uint8_t { kTrack = 1, kArtist = 2, kGenre = 3 };
  SeedKind seed_kind = SeedKind::kTrack;
  std::string seed;  // the track id, artist id or genre name
  int64_t issued_at_seconds = 0;
  core::RadioSession session;
};

// Signs and checks tokens with one secret key. Thread-safe (immutable).
class PageTokenCodec {
 public:
  // `key`: the HMAC secret, shared by every replica (at least 16 bytes).
  // Tokens older than `max_age` are refused as stale.
  PageTokenCodec(std::string key, absl::Duration max_age)
      : key_(std::move(key)), max_age_(max_age) {}

  // REQUIRES: the session respects core's bounds and the seed is at most
  // 256 bytes, so the token fits kMaxPageTokenChars.
  std::string Encode(const RadioPageToken& token) const;

  // INVALID_ARGUMENT, saying which, when the token is too long, not base64,
  // of an unknown format, malformed, not signed with this key (tampered), or
  // issued more than max_age before `now` (stale) or in the future.
  [[nodiscard]] absl::StatusOr<RadioPageToken> Decode(absl::string_view token,
                                                      absl::Time now) const;

 private:
  std::string Sign(absl::string_view payload) const;

  std::string key_;
  absl::Duration max_age_;
};

}  // namespace recsys::server

#endif  // RECSYS_SERVER_PAGE_TOKEN_H_
