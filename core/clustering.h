// Spherical k-means: groups unit vectors (a listener's tracks) into k
// clusters by cosine similarity. Used to build one daily mix per cluster of a
// user's taste.
#ifndef RECSYS_CORE_CLUSTERING_H_
#define RECSYS_CORE_CLUSTERING_H_

#include <cstdint>
#include <vector>

#include "Eigen/Core"
#include "absl/types/span.h"

namespace recsys::core {

struct Clustering {
  // k x d unit centroids, largest cluster (by weight) first.
  Eigen::MatrixXf centroids;
  // Per input point: its cluster (row of centroids).
  std::vector<int> assignment;
};

// Clusters the rows of `points` (n x d, unit or zero rows) with weights
// (n, > 0) into at most `k` clusters; fewer when there are fewer distinct
// points. Deterministic for a given `seed` (k-means++ initialisation, then
// `iterations` Lloyd steps). Returns zero clusters when n == 0.
Clustering SphericalKMeans(const Eigen::MatrixXf& points,
                           absl::Span<const float> weights, int k,
                           int iterations, uint64_t seed);

}  // namespace recsys::core

#endif  // RECSYS_CORE_CLUSTERING_H_
