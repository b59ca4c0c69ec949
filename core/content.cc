#include "core/content.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace recsys::core {

namespace {

bool HasTags(const Catalog& catalog) {
  for (const Track& t : catalog.tracks) {
    if (!t.tags.empty()) return true;
  }
  return false;
}

// A fixed pseudo-random unit-variance Gaussian direction per tag text.
Eigen::VectorXf TagDirection(const std::string& tag) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : tag) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  std::mt19937_64 rng(h);
  Eigen::VectorXf v(kTagDimensions);
  for (int i = 0; i < kTagDimensions; i += 2) {
    // Box-Muller on 53-bit uniforms.
    const double u1 = ((rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    const double u2 = (rng() >> 11) * (1.0 / 9007199254740992.0);
    const double r = std::sqrt(-2.0 * std::log(u1));
    v[i] = static_cast<float>(r * std::cos(2 * M_PI * u2));
    if (i + 1 < kTagDimensions)
      v[i + 1] = static_cast<float>(r * std::sin(2 * M_PI * u2));
  }
  return v;
}

}  // namespace

int ContentDimensions(const Catalog& catalog) {
  return kNumAudioFeatures + 1 + static_cast<int>(catalog.genres.size()) +
         static_cast<int>(catalog.subgenres.size()) +
         (HasTags(catalog) ? kTagDimensions : 0);
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
  if (HasTags(catalog)) {
    const int tag_offset =
        subgenre_offset + static_cast<int>(catalog.subgenres.size());
    std::vector<int64_t> document_frequency(catalog.tags.size(), 0);
    for (const Track& track : catalog.tracks) {
      for (const auto& [tag, count] : track.tags) ++document_frequency[tag];
    }
    std::vector<Eigen::VectorXf> directions(catalog.tags.size());
    for (int64_t t = 0; t < n; ++t) {
      const Track& track = catalog.tracks[t];
      if (track.tags.empty()) continue;
      Eigen::VectorXf sketch = Eigen::VectorXf::Zero(kTagDimensions);
      for (const auto& [tag, count] : track.tags) {
        if (directions[tag].size() == 0)
          directions[tag] = TagDirection(catalog.tags[tag]);
        const double idf =
            std::log(static_cast<double>(n) / document_frequency[tag]);
        sketch += static_cast<float>(std::log1p(count) * idf) * directions[tag];
      }
      const float norm = sketch.norm();
      if (norm > 0) {
        v.row(t).segment(tag_offset, kTagDimensions) =
            (options.tag_weight / norm) * sketch.transpose();
      }
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
