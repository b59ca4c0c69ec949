#include "core/model.h"

#include <algorithm>
#include <cmath>
#include <future>

#include "core/status_macros.h"

namespace recsys::core {
namespace {

// log(1 + n) / log(1 + max): keeps the long tail distinguishable from zero.
std::vector<float> LogScale(const std::vector<int64_t>& counts) {
  const int64_t max_count =
      counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  std::vector<float> scaled(counts.size(), 0.0f);
  if (max_count == 0) return scaled;
  const double denom = std::log1p(static_cast<double>(max_count));
  for (size_t i = 0; i < counts.size(); ++i) {
    scaled[i] = static_cast<float>(std::log1p(double(counts[i])) / denom);
  }
  return scaled;
}

}  // namespace

Popularity ComputePopularity(const SparseRows& history,
                             const std::vector<User>& users, int regional_top,
                             int min_country_users) {
  Popularity pop;
  std::vector<int64_t> listeners(history.cols(), 0);
  absl::flat_hash_map<std::string, std::vector<uint32_t>> users_by_country;
  for (int64_t u = 0; u < history.rows(); ++u) {
    const absl::Span<const float> values = history.RowValues(u);
    const absl::Span<const uint32_t> tracks = history.RowIndices(u);
    for (size_t k = 0; k < tracks.size(); ++k) {
      if (values[k] > 0) ++listeners[tracks[k]];
    }
    if (!users[u].country.empty()) {
      users_by_country[users[u].country].push_back(static_cast<uint32_t>(u));
    }
  }
  pop.global = LogScale(listeners);
  pop.listeners.assign(listeners.begin(), listeners.end());

  for (const auto& [country, members] : users_by_country) {
    if (static_cast<int>(members.size()) < min_country_users) continue;
    absl::flat_hash_map<uint32_t, int64_t> counts;
    for (uint32_t u : members) {
      const absl::Span<const float> values = history.RowValues(u);
      const absl::Span<const uint32_t> tracks = history.RowIndices(u);
      for (size_t k = 0; k < tracks.size(); ++k) {
        if (values[k] > 0) ++counts[tracks[k]];
      }
    }
    std::vector<std::pair<uint32_t, int64_t>> ranked(counts.begin(),
                                                     counts.end());
    const size_t keep = std::min<size_t>(regional_top, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                      [](const auto& a, const auto& b) {
                        return a.second != b.second ? a.second > b.second
                                                    : a.first < b.first;
                      });
    if (keep == 0) continue;
    const double denom = std::log1p(static_cast<double>(ranked[0].second));
    auto& top = pop.regional[country];
    top.reserve(keep);
    for (size_t i = 0; i < keep; ++i) {
      top.emplace_back(
          ranked[i].first,
          static_cast<float>(std::log1p(double(ranked[i].second)) / denom));
    }
  }
  return pop;
}

}  // namespace recsys::core

namespace recsys::core {

FactorMatrix UnitRows(FactorMatrix rows) {
  for (int64_t r = 0; r < rows.rows(); ++r) {
    const float norm = rows.row(r).norm();
    if (norm > 0 && std::isfinite(norm)) {
      rows.row(r) /= norm;
    } else {
      rows.row(r).setZero();
    }
  }
  return rows;
}

FactorMatrix IndexRows(const TrackSide& tracks, bool unit_cf) {
  const int64_t n = tracks.cf.rows();
  const int64_t cf = tracks.cf.cols(), content = tracks.content.cols();
  FactorMatrix rows(n, cf + content + 1);
  rows.leftCols(cf) = unit_cf ? UnitRows(tracks.cf) : tracks.cf;
  rows.middleCols(cf, content) = tracks.content;
  for (int64_t t = 0; t < n; ++t) {
    rows(t, cf + content) =
        t < static_cast<int64_t>(tracks.popularity.global.size())
            ? tracks.popularity.global[t]
            : 0.0f;
  }
  return rows;
}

absl::StatusOr<TrackIndexes> BuildTrackIndexes(const TrackSide& tracks,
                                               const HnswOptions& options) {
  // The two graphs are built side by side, one thread each.
  auto build = [&](bool unit_cf) {
    return HnswIndex::Build(IndexRows(tracks, unit_cf), options);
  };
  std::future<absl::StatusOr<std::unique_ptr<HnswIndex>>> station = std::async(
      options.threads > 1 ? std::launch::async : std::launch::deferred, build,
      true);
  absl::StatusOr<std::unique_ptr<HnswIndex>> personal = build(false);
  absl::StatusOr<std::unique_ptr<HnswIndex>> station_built = station.get();
  if (!personal.ok()) return personal.status();
  if (!station_built.ok()) return station_built.status();
  TrackIndexes indexes;
  indexes.personal = *std::move(personal);
  indexes.station = *std::move(station_built);
  return indexes;
}

}  // namespace recsys::core
