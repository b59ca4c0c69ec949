// The content model: one dense, unit-length vector per track built from its
// audio features (standardised over the catalog), genre, sub-genre, release
// era and text tags, so that cosine similarity means "sounds alike, is
// described alike and sits in the same part of the catalog". Used for tracks
// and artists with few listeners, and as one term of the hybrid score.
#ifndef RECSYS_CORE_CONTENT_H_
#define RECSYS_CORE_CONTENT_H_

#include "core/als.h"
#include "core/catalog.h"

namespace recsys::core {

struct ContentOptions {
  float audio_weight = 1.0f;     // weight of the 9 standardised audio features
  float genre_weight = 1.5f;     // weight of the genre one-hot block
  float subgenre_weight = 1.0f;  // weight of the sub-genre one-hot block
  float era_weight = 0.5f;       // weight of the standardised release year
  float tag_weight = 1.5f;       // weight of the tag block (when tags exist)
};

// Columns of the tag block: TF-IDF tag vectors randomly projected to this
// many dimensions (a Johnson-Lindenstrauss sketch, seeded by tag text so the
// projection of a tag is the same in every run).
inline constexpr int kTagDimensions = 32;

// Number of columns ContentVectors() produces for `catalog`.
int ContentDimensions(const Catalog& catalog);

// tracks x ContentDimensions(catalog); every row has unit L2 norm (a track
// with nothing known is the zero row). Column layout: 9 audio features,
// release year, one column per genre and per sub-genre, then, when any track
// has tags, kTagDimensions columns of projected TF-IDF
// (log(1 + count) x log(tracks / tracks with the tag)).
FactorMatrix ContentVectors(const Catalog& catalog,
                            const ContentOptions& options = {});

}  // namespace recsys::core

#endif  // RECSYS_CORE_CONTENT_H_
