#include "core/clustering.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace recsys::core {

Clustering SphericalKMeans(const Eigen::MatrixXf& points,
                           absl::Span<const float> weights, int k,
                           int iterations, uint64_t seed) {
  const int64_t n = points.rows();
  Clustering result;
  if (n == 0 || k <= 0) {
    result.centroids.resize(0, points.cols());
    return result;
  }
  std::mt19937_64 rng(seed);
  auto uniform = [&rng]() {
    return (rng() >> 11) * (1.0 / 9007199254740992.0);
  };

  // k-means++: each next centre is drawn with probability proportional to
  // weight x (1 - best similarity to the centres so far).
  std::vector<int64_t> centres = {static_cast<int64_t>(rng() % n)};
  std::vector<double> distance(n, 2.0);
  while (static_cast<int>(centres.size()) < k) {
    const auto last = points.row(centres.back());
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      distance[i] =
          std::min<double>(distance[i], 1.0 - points.row(i).dot(last));
      total += weights[i] * std::max(0.0, distance[i]);
    }
    if (total <= 1e-9) break;  // every point coincides with a centre
    double target = uniform() * total;
    int64_t chosen = n - 1;
    for (int64_t i = 0; i < n; ++i) {
      target -= weights[i] * std::max(0.0, distance[i]);
      if (target <= 0) {
        chosen = i;
        break;
      }
    }
    centres.push_back(chosen);
  }
  const int clusters = static_cast<int>(centres.size());
  Eigen::MatrixXf centroids(clusters, points.cols());
  for (int c = 0; c < clusters; ++c) centroids.row(c) = points.row(centres[c]);

  std::vector<int> assignment(n, 0);
  for (int it = 0; it < iterations; ++it) {
    const Eigen::MatrixXf sims = points * centroids.transpose();
    for (int64_t i = 0; i < n; ++i) sims.row(i).maxCoeff(&assignment[i]);
    Eigen::MatrixXf sums = Eigen::MatrixXf::Zero(clusters, points.cols());
    for (int64_t i = 0; i < n; ++i)
      sums.row(assignment[i]) += weights[i] * points.row(i);
    for (int c = 0; c < clusters; ++c) {
      const float norm = sums.row(c).norm();
      // An emptied cluster keeps its centre; it is dropped below.
      if (norm > 0) centroids.row(c) = sums.row(c) / norm;
    }
  }
  const Eigen::MatrixXf sims = points * centroids.transpose();
  std::vector<double> mass(clusters, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    sims.row(i).maxCoeff(&assignment[i]);
    mass[assignment[i]] += weights[i];
  }
  // Largest first; empty clusters dropped.
  std::vector<int> order(clusters);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return mass[a] > mass[b]; });
  std::vector<int> rank(clusters, -1);
  int kept = 0;
  for (int c : order) {
    if (mass[c] > 0) rank[c] = kept++;
  }
  result.centroids.resize(kept, points.cols());
  for (int c = 0; c < clusters; ++c) {
    if (rank[c] >= 0) result.centroids.row(rank[c]) = centroids.row(c);
  }
  result.assignment.resize(n);
  for (int64_t i = 0; i < n; ++i) result.assignment[i] = rank[assignment[i]];
  return result;
}

}  // namespace recsys::core
