// Fuzzes the radio page-token decoder: tokens come from clients.
#include "server/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const recsys::server::PageTokenCodec codec("fuzzing-key-0123456789",
                                                    absl::Hours(24));
  (void)codec.Decode(
      absl::string_view(reinterpret_cast<const char*>(data), size),
      absl::Now());
  return 0;
}
