// Fuzzes the HetRec Last.fm importer: one input fills its five files.
#include "core/lastfm_import.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = recsys::fuzz::SplitInput<5>(data, size);
  const char* const names[] = {"artists.dat", "user_artists.dat", "tags.dat",
                               "user_taggedartists.dat", "user_friends.dat"};
  for (size_t i = 0; i < 5; ++i) recsys::fuzz::WriteScratch(names[i], parts[i]);
  recsys::core::LastfmOptions options;
  options.dir = recsys::fuzz::ScratchDir();
  (void)recsys::core::ReadLastfm(options);
  return 0;
}
