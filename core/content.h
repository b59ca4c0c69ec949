// The content model: one dense, unit-length vector per track built from its
// audio features (standardised over the catalog), genre, sub-genre and release
// era, so that cosine similarity means "sounds alike and sits in the same
// part of the catalog". Used for tracks and artists with few listeners, and
// as one term of the hybrid score.
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
};

// Number of columns ContentVectors() produces for `catalog`.
int ContentDimensions(const Catalog& catalog);

// tracks x ContentDimensions(catalog); every row has unit L2 norm (a track
// with nothing known is the zero row). Column layout: 9 audio features,
// release year, then one column per genre and per sub-genre.
FactorMatrix ContentVectors(const Catalog& catalog,
                            const ContentOptions& options = {});

}  // namespace recsys::core

#endif  // RECSYS_CORE_CONTENT_H_
