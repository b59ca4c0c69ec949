// Little-endian encoding of the model store's values. Every structured value
// starts with a one-byte format version so the layout can evolve; readers
// reject versions they do not know. Decoding is bounds-checked: a truncated
// or oversized value is an error, never a read past the buffer.
#ifndef RECSYS_STORAGE_CODEC_H_
#define RECSYS_STORAGE_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace recsys::storage {

class Encoder {
 public:
  void PutU8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void PutU16(uint16_t v) { PutRaw(&v, sizeof v); }
  void PutU32(uint32_t v) { PutRaw(&v, sizeof v); }
  void PutI32(int32_t v) { PutRaw(&v, sizeof v); }
  void PutI64(int64_t v) { PutRaw(&v, sizeof v); }
  void PutF32(float v) { PutRaw(&v, sizeof v); }
  void PutBytes(absl::string_view s) { out_.append(s.data(), s.size()); }
  void PutString(absl::string_view s) {
    PutU32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void PutFloats(absl::Span<const float> v) {
    PutRaw(v.data(), v.size() * sizeof(float));
  }
  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  // x86-64 and arm64 are little-endian; the store's files are not meant to
  // move to a big-endian machine.
  void PutRaw(const void* p, size_t n) {
    out_.append(static_cast<const char*>(p), n);
  }
  std::string out_;
};

// Reads what Encoder wrote. Each Get returns false (and leaves the decoder
// failed) when the input is too short.
class Decoder {
 public:
  explicit Decoder(absl::string_view in) : in_(in) {}
  bool GetU8(uint8_t* v) { return GetRaw(v, sizeof *v); }
  bool GetU16(uint16_t* v) { return GetRaw(v, sizeof *v); }
  bool GetU32(uint32_t* v) { return GetRaw(v, sizeof *v); }
  bool GetI32(int32_t* v) { return GetRaw(v, sizeof *v); }
  bool GetI64(int64_t* v) { return GetRaw(v, sizeof *v); }
  bool GetF32(float* v) { return GetRaw(v, sizeof *v); }
  bool GetString(std::string* s) {
    uint32_t n = 0;
    if (!GetU32(&n) || n > in_.size()) return Fail();
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  // Exactly `n` raw bytes.
  bool GetBytes(size_t n, std::string* s) {
    if (failed_ || in_.size() < n) return Fail();
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool GetFloats(float* out, size_t n) {
    return GetRaw(out, n * sizeof(float));
  }
  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  bool GetRaw(void* p, size_t n) {
    if (failed_ || in_.size() < n) return Fail();
    std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }
  absl::string_view in_;
  bool failed_ = false;
};

// Big-endian index keys sort in numeric order, so a scan returns rows in
// index order.
inline std::string IndexKey(uint32_t index) {
  char key[4] = {static_cast<char>(index >> 24), static_cast<char>(index >> 16),
                 static_cast<char>(index >> 8), static_cast<char>(index)};
  return std::string(key, 4);
}

inline bool ParseIndexKey(absl::string_view key, uint32_t* index) {
  if (key.size() != 4) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(key.data());
  *index = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
           (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  return true;
}

}  // namespace recsys::storage

#endif  // RECSYS_STORAGE_CODEC_H_
