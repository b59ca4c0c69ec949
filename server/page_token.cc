#include "server/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/codec.h"

namespace recsys::server {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kMacBytes = 32;
// Issue times this far ahead of the server's clock are tolerated (clock skew
// between replicas).
constexpr absl::Duration kClockSkew = absl::Minutes(5);

void PutList(storage::Encoder& e, const std::vector<uint32_t>& list) {
  e.PutU16(static_cast<uint16_t>(list.size()));
  for (uint32_t v : list) e.PutU32(v);
}

bool GetList(storage::Decoder& d, size_t bound, std::vector<uint32_t>* list) {
  uint16_t n = 0;
  if (!d.GetU16(&n) || n > bound) return false;
  list->resize(n);
  for (uint32_t& v : *list) {
    if (!d.GetU32(&v)) return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("page_token ", why));
}

}  // namespace

std::string PageTokenCodec::Sign(absl::string_view payload) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
       mac, &mac_len);
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::string PageTokenCodec::Encode(const RadioPageToken& token) const {
  storage::Encoder e;
  e.PutU8(kFormatVersion);
  e.PutU8(static_cast<uint8_t>(token.seed_kind));
  e.PutU16(static_cast<uint16_t>(token.seed.size()));
  e.PutBytes(token.seed);
  e.PutI64(token.issued_at_seconds);
  PutList(e, token.session.played);
  PutList(e, token.session.skipped);
  PutList(e, token.session.liked);
  std::string bytes = e.Release();
  bytes.append(Sign(bytes));
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<RadioPageToken> PageTokenCodec::Decode(absl::string_view token,
                                                      absl::Time now) const {
  if (token.size() > kMaxPageTokenChars) {
    return Invalid(
        absl::StrCat("is longer than ", kMaxPageTokenChars, " characters"));
  }
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes))
    return Invalid("is not web-safe base64");
  if (bytes.size() < kMacBytes + 1) return Invalid("is truncated");
  const absl::string_view payload(bytes.data(), bytes.size() - kMacBytes);
  const std::string mac = Sign(payload);
  // Constant time, so response timing reveals nothing about the right MAC.
  if (CRYPTO_memcmp(mac.data(), bytes.data() + payload.size(), kMacBytes) !=
      0) {
    return Invalid("was not issued by this service or was modified");
  }
  storage::Decoder d(payload);
  uint8_t version = 0, kind = 0;
  uint16_t seed_len = 0;
  if (!d.GetU8(&version) || version != kFormatVersion) {
    return Invalid("has an unknown format version");
  }
  RadioPageToken out;
  if (!d.GetU8(&kind) || kind < 1 || kind > 3 || !d.GetU16(&seed_len) ||
      !d.GetBytes(seed_len, &out.seed) || !d.GetI64(&out.issued_at_seconds) ||
      !GetList(d, core::kMaxSessionPlayed, &out.session.played) ||
      !GetList(d, core::kMaxSessionFeedback, &out.session.skipped) ||
      !GetList(d, core::kMaxSessionFeedback, &out.session.liked) || !d.done()) {
    return Invalid("is malformed");
  }
  out.seed_kind = static_cast<RadioPageToken::SeedKind>(kind);
  const absl::Time issued = absl::FromUnixSeconds(out.issued_at_seconds);
  if (issued > now + kClockSkew) return Invalid("was issued in the future");
  if (now - issued > max_age_) return Invalid("is stale: start a new station");
  return out;
}

}  // namespace recsys::server
