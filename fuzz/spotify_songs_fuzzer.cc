// Fuzzes the TidyTuesday Spotify songs importer.
#include "core/spotify_songs_import.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = recsys::fuzz::WriteScratch(
      "spotify_songs.csv",
      absl::string_view(reinterpret_cast<const char*>(data), size));
  (void)recsys::core::ReadSpotifySongs(path);
  return 0;
}
