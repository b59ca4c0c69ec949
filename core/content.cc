#include "core/content.h"

#include <cmath>

namespace recsys::core {

int ContentDimensions(const Catalog& catalog) {
  return kNumAudioFeatures + 1 + static_cast<int>(catalog.genres.size()) +
         static_cast<int>(catalog.subgenres.size());
}

FactorMatrix ContentVectors(const Catalog& catalog,
                            const ContentOptions& options) {
  const int64_t n = static_cast<int64_t>(catalog.tracks.size());
  constexpr int kYearColumn = kNumAudioFeatures;
  const int genre_offset = kNumAudioFeatures + 1;
  const int subgenre_offset =
      genre_offset + static_cast<int>(catalog.genres.size());
  FactorMatrix v = FactorMatrix::Zero(n, ContentDimensions(catalog));
  if (n == 0) return v;

  // Raw numeric columns first, then standardise them so that tempo (BPM) and
  // loudness (dB) weigh no more than the [0, 1] features.
  for (int64_t t = 0; t < n; ++t) {
    const Track& track = catalog.tracks[t];
    for (int f = 0; f < kNumAudioFeatures; ++f) v(t, f) = track.audio[f];
    if (track.release_year > 0) v(t, kYearColumn) = track.release_year;
  }
  for (int c = 0; c <= kYearColumn; ++c) {
    double sum = 0, sum_sq = 0;
    int64_t count = 0;
    for (int64_t t = 0; t < n; ++t) {
      if (c == kYearColumn && catalog.tracks[t].release_year <= 0) continue;
      sum += v(t, c);
      sum_sq += double{v(t, c)} * v(t, c);
      ++count;
    }
    if (count == 0) continue;
    const double mean = sum / count;
    const double var = std::max(0.0, sum_sq / count - mean * mean);
    const double scale = var > 1e-12 ? 1.0 / std::sqrt(var) : 0.0;
    const float weight =
        c == kYearColumn
            ? options.era_weight
            : options.audio_weight / std::sqrt(float{kNumAudioFeatures});
    for (int64_t t = 0; t < n; ++t) {
      if (c == kYearColumn && catalog.tracks[t].release_year <= 0) {
        v(t, c) = 0;  // unknown year: neutral
        continue;
      }
      v(t, c) = static_cast<float>((v(t, c) - mean) * scale) * weight;
    }
  }
  for (int64_t t = 0; t < n; ++t) {
    const Track& track = catalog.tracks[t];
    v(t, genre_offset + track.genre) = options.genre_weight;
    if (!catalog.subgenres.empty() &&
        !catalog.subgenres[track.subgenre].empty()) {
      v(t, subgenre_offset + track.subgenre) = options.subgenre_weight;
    }
    const float norm = v.row(t).norm();
    if (norm > 0) v.row(t) /= norm;
  }
  return v;
}

}  // namespace recsys::core
