#include "core/explore_report.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/catalog.h"
#include "core/text_io.h"

namespace recsys::core {
namespace {

// Lines are drawn through at most this many points and bar charts show at
// most this many bars, so a page stays small and fast to draw whatever the
// catalog size.
constexpr size_t kMaxLinePoints = 300;
constexpr size_t kMaxCategories = 20;
constexpr int kAudioHistogramBins = 24;
// Longer category and model names are cut (the full name is the tooltip).
constexpr size_t kMaxLabelChars = 28;

constexpr absl::string_view kBarColor = "#4e79a7";
constexpr absl::string_view kAccentColor = "#e15759";
constexpr absl::string_view kAxisColor = "#888";
constexpr absl::string_view kGridColor = "#ececec";
// Tableau 10: distinguishable, and readable when printed in grey.
constexpr absl::string_view kSeriesColors[] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

// ---------------------------------------------------------------------------
// Text.

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// At most `max_chars` code points of `text`, the last an ellipsis when cut.
// Counts UTF-8 lead bytes, so a cut never splits a character.
std::string TruncateLabel(absl::string_view text, size_t max_chars) {
  auto is_lead = [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  };
  if (static_cast<size_t>(std::count_if(text.begin(), text.end(), is_lead)) <=
      max_chars) {
    return std::string(text);
  }
  size_t cut = 0;
  for (size_t kept = 0; cut < text.size(); ++cut) {
    if (is_lead(text[cut]) && kept++ == max_chars - 1) break;
  }
  return absl::StrCat(text.substr(0, cut), "\u2026");
}

// 1234567 -> "1,234,567".
std::string FormatCount(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// 0.382 -> "38.2%"; small shares keep two significant digits ("0.042%") so
// that the density of a sparse dataset does not print as 0.
std::string FormatPercent(double fraction) {
  const double percent = fraction * 100;
  if (percent == 0) return "0%";
  if (percent >= 1) return absl::StrFormat("%.1f%%", percent);
  return absl::StrFormat("%.2g%%", percent);
}

// Three significant digits; thousands and millions as "k" and "M" so that
// tick labels stay short.
std::string FormatNumber(double v) {
  const double magnitude = std::fabs(v);
  if (magnitude >= 1e6) return absl::StrFormat("%.3gM", v / 1e6);
  if (magnitude >= 1e4) return absl::StrFormat("%.3gk", v / 1e3);
  // Four digits below 10^4, or %g would write 1000 as "1e+03".
  return magnitude >= 1e3 ? absl::StrFormat("%.4g", v)
                          : absl::StrFormat("%.3g", v);
}

std::string FormatMetric(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.4f", v) : "n/a";
}

// Pixels with one decimal: enough for a sharp chart, short for a big one.
std::string Px(double v) { return absl::StrFormat("%.1f", v); }

// `count` and the noun, plural when count != 1 ("1 track", "2 tracks").
std::string Counted(uint64_t count, absl::string_view noun) {
  return absl::StrCat(FormatCount(count), " ", noun, count == 1 ? "" : "s");
}

// ---------------------------------------------------------------------------
// Statistics.

// The q-quantile (q in [0, 1]) of `values`, interpolating linearly between
// order statistics (so the median of an even count is the mean of the middle
// two). Reorders `values`; linear time. REQUIRES: `values` is not empty.
template <typename T>
double Quantile(std::vector<T>& values, double q) {
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(position);
  std::nth_element(values.begin(), values.begin() + below, values.end());
  const double low = values[below];
  if (below + 1 == values.size()) return low;
  // After nth_element everything past `below` is >= it; the next order
  // statistic is their minimum.
  const double high =
      *std::min_element(values.begin() + below + 1, values.end());
  return low + (high - low) * (position - static_cast<double>(below));
}

// What the charts need from the interactions, gathered in one pass.
struct InteractionTotals {
  std::vector<uint32_t> listeners_per_track;
  std::vector<uint64_t> plays_per_track;
  std::vector<uint32_t> tracks_per_user;
  std::vector<uint64_t> plays_per_user;
  uint64_t plays = 0;
  uint64_t skips = 0;
  uint64_t likes = 0;
};

InteractionTotals CountInteractions(const Dataset& dataset) {
  InteractionTotals totals;
  totals.listeners_per_track.assign(dataset.catalog.tracks.size(), 0);
  totals.plays_per_track.assign(dataset.catalog.tracks.size(), 0);
  totals.tracks_per_user.assign(dataset.users.size(), 0);
  totals.plays_per_user.assign(dataset.users.size(), 0);
  for (const Interaction& x : dataset.interactions) {
    ++totals.listeners_per_track[x.track];
    totals.plays_per_track[x.track] += x.plays;
    ++totals.tracks_per_user[x.user];
    totals.plays_per_user[x.user] += x.plays;
    totals.plays += x.plays;
    totals.skips += x.skips;
    totals.likes += x.liked ? 1 : 0;
  }
  return totals;
}

// ---------------------------------------------------------------------------
// Charts.

// Rounds a raw tick step to 1, 2 or 5 times a power of ten.
double NiceStep(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalized = raw / magnitude;
  if (normalized < 1.5) return magnitude;
  if (normalized < 3) return 2 * magnitude;
  if (normalized < 7) return 5 * magnitude;
  return 10 * magnitude;
}

constexpr int kTargetTicks = 5;

// The smallest tick-aligned value >= `max` (1 when max <= 0), so that an
// axis from 0 ends on a labelled tick.
double NiceCeil(double max) {
  if (!(max > 0)) return 1;
  const double step = NiceStep(max / kTargetTicks);
  return std::ceil(max / step - 1e-9) * step;
}

enum class TickFormat { kNumber, kPercent };

std::string FormatTick(double v, TickFormat format) {
  if (format == TickFormat::kPercent) return absl::StrFormat("%.0f%%", v * 100);
  return FormatNumber(v);
}

// Maps data values along one axis to SVG pixels, linearly or by log10.
class Scale {
 public:
  // REQUIRES: lo < hi.
  static Scale Linear(double lo, double hi, double pixel_lo, double pixel_hi) {
    return Scale(false, lo, hi, pixel_lo, pixel_hi);
  }
  // REQUIRES: 0 < lo < hi.
  static Scale Log(double lo, double hi, double pixel_lo, double pixel_hi) {
    return Scale(true, lo, hi, pixel_lo, pixel_hi);
  }

  double operator()(double v) const {
    const double t = log_ ? (std::log10(v) - std::log10(lo_)) /
                                (std::log10(hi_) - std::log10(lo_))
                          : (v - lo_) / (hi_ - lo_);
    return pixel_lo_ + t * (pixel_hi_ - pixel_lo_);
  }

  // Values worth a labelled tick inside [lo, hi]: about five round numbers,
  // or the powers of ten (with 2x and 5x on short log ranges).
  std::vector<double> Ticks() const {
    std::vector<double> ticks;
    if (log_) {
      const int first = static_cast<int>(std::floor(std::log10(lo_) + 1e-9));
      const int last = static_cast<int>(std::ceil(std::log10(hi_) - 1e-9));
      const bool short_range = last - first <= 2;
      for (int e = first; e <= last; ++e) {
        for (const double m : {1.0, 2.0, 5.0}) {
          if (m != 1 && !short_range) continue;
          const double v = m * std::pow(10.0, e);
          if (v >= lo_ * (1 - 1e-9) && v <= hi_ * (1 + 1e-9)) {
            ticks.push_back(v);
          }
        }
      }
      return ticks;
    }
    const double step = NiceStep((hi_ - lo_) / kTargetTicks);
    for (double i = std::ceil(lo_ / step - 1e-9); i * step <= hi_ + step * 1e-9;
         ++i) {
      // Multiplying (not accumulating) keeps 0.1 * 3 from drifting; the
      // comparison turns -0 into 0.
      const double v = i * step;
      ticks.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    }
    return ticks;
  }

 private:
  Scale(bool log, double lo, double hi, double pixel_lo, double pixel_hi)
      : log_(log), lo_(lo), hi_(hi), pixel_lo_(pixel_lo), pixel_hi_(pixel_hi) {}

  bool log_;
  double lo_, hi_, pixel_lo_, pixel_hi_;
};

// The plot area of a chart, in SVG pixels from the top left corner.
struct PlotArea {
  double left, top, right, bottom;
};

enum class AxisSide { kLeft, kRight };

// Builds one `<svg class="chart">`. Marks (bars and lines) carry class
// "mark": the page's render check looks for drawn marks, not just axes.
class SvgChart {
 public:
  SvgChart(absl::string_view id, absl::string_view title, int width, int height,
           PlotArea area)
      : area_(area) {
    absl::StrAppend(&svg_, "<svg class=\"chart\" id=\"", id,
                    "\" viewBox=\"0 0 ", width, " ", height, "\" width=\"",
                    width, "\" height=\"", height, "\" role=\"img\"><title>",
                    HtmlEscape(title), "</title>\n");
  }

  // Ticks, tick labels and grid lines of the horizontal axis under the plot,
  // with `title` (if not empty) centred below.
  void AddXAxis(const Scale& x, TickFormat format, absl::string_view title) {
    for (const double v : x.Ticks()) {
      const std::string px = Px(x(v));
      absl::StrAppend(&svg_, "<line stroke=\"", kGridColor, "\" x1=\"", px,
                      "\" x2=\"", px, "\" y1=\"", Px(area_.top), "\" y2=\"",
                      Px(area_.bottom), "\"/><text x=\"", px, "\" y=\"",
                      Px(area_.bottom + 15), "\" text-anchor=\"middle\">",
                      FormatTick(v, format), "</text>");
    }
    AddAxisLine(area_.left, area_.bottom, area_.right, area_.bottom);
    if (!title.empty()) {
      AddText((area_.left + area_.right) / 2, area_.bottom + 32, title,
              "middle", "axis-title");
    }
  }

  // Ticks, tick labels and (left axis only) grid lines of a vertical axis,
  // with `title` (if not empty) written along it.
  void AddYAxis(const Scale& y, TickFormat format, absl::string_view title,
                AxisSide side) {
    const bool left = side == AxisSide::kLeft;
    const double at = left ? area_.left : area_.right;
    for (const double v : y.Ticks()) {
      const std::string py = Px(y(v));
      if (left) {
        absl::StrAppend(&svg_, "<line stroke=\"", kGridColor, "\" x1=\"",
                        Px(area_.left), "\" x2=\"", Px(area_.right), "\" y1=\"",
                        py, "\" y2=\"", py, "\"/>");
      }
      absl::StrAppend(&svg_, "<text x=\"", Px(left ? at - 6 : at + 6),
                      "\" y=\"", py, "\" dy=\"0.32em\" text-anchor=\"",
                      left ? "end" : "start", "\">", FormatTick(v, format),
                      "</text>");
    }
    AddAxisLine(at, area_.top, at, area_.bottom);
    if (title.empty()) return;
    const double title_x = left ? at - 44 : at + 44;
    const double title_y = (area_.top + area_.bottom) / 2;
    absl::StrAppend(&svg_, "<text class=\"axis-title\" transform=\"translate(",
                    Px(title_x), ",", Px(title_y), ") rotate(", left ? -90 : 90,
                    ")\" text-anchor=\"middle\">", HtmlEscape(title),
                    "</text>\n");
  }

  // A bar (a data mark) with `tooltip` shown on hover.
  void AddBar(double x, double y, double width, double height,
              absl::string_view color, absl::string_view tooltip) {
    absl::StrAppend(&svg_, "<rect class=\"mark\" x=\"", Px(x), "\" y=\"", Px(y),
                    "\" width=\"", Px(width), "\" height=\"", Px(height),
                    "\" fill=\"", color, "\"><title>", HtmlEscape(tooltip),
                    "</title></rect>\n");
  }

  // A line through `points` (pixels); a NaN point ends one stretch and the
  // next finite point starts another. Draws nothing without two finite
  // points in a row.
  void AddSeries(absl::Span<const std::pair<double, double>> points,
                 absl::string_view color, absl::string_view dash) {
    std::string path;
    bool pen_down = false;
    size_t segments = 0;
    for (const auto& [x, y] : points) {
      if (!std::isfinite(x) || !std::isfinite(y)) {
        pen_down = false;
        continue;
      }
      if (pen_down) ++segments;
      absl::StrAppend(&path, pen_down ? "L" : "M", Px(x), " ", Px(y));
      pen_down = true;
    }
    if (segments == 0) return;
    absl::StrAppend(&svg_, "<path class=\"mark\" fill=\"none\"",
                    Stroke(color, dash), " d=\"", path, "\"/>\n");
  }

  // A legend row at (x, y): a short stroke like the series' and `text`.
  // Not a mark, so a chart whose series failed to draw still fails the
  // render check.
  void AddLegendEntry(double x, double y, absl::string_view color,
                      absl::string_view dash, absl::string_view text) {
    absl::StrAppend(&svg_, "<line", Stroke(color, dash), " x1=\"", Px(x),
                    "\" y1=\"", Px(y), "\" x2=\"", Px(x + 22), "\" y2=\"",
                    Px(y), "\"/>");
    AddText(x + 28, y + 4, text, "start", "legend");
  }

  // An axis line (not a data mark).
  void AddAxisLine(double x1, double y1, double x2, double y2) {
    absl::StrAppend(&svg_, "<line stroke=\"", kAxisColor, "\" x1=\"", Px(x1),
                    "\" y1=\"", Px(y1), "\" x2=\"", Px(x2), "\" y2=\"", Px(y2),
                    "\"/>");
  }

  // `text` (escaped here); `css_class` may be empty.
  void AddText(double x, double y, absl::string_view text,
               absl::string_view anchor, absl::string_view css_class) {
    absl::StrAppend(
        &svg_, "<text x=\"", Px(x), "\" y=\"", Px(y), "\" text-anchor=\"",
        anchor, "\"",
        css_class.empty() ? "" : absl::StrCat(" class=\"", css_class, "\""),
        ">", HtmlEscape(text), "</text>\n");
  }

  std::string Finish() && {
    absl::StrAppend(&svg_, "</svg>");
    return std::move(svg_);
  }

 private:
  // The stroke attributes of a series and its legend entry; `dash` is an SVG
  // dash array, empty for a solid line.
  static std::string Stroke(absl::string_view color, absl::string_view dash) {
    return absl::StrCat(
        " stroke=\"", color, "\" stroke-width=\"2\"",
        dash.empty() ? "" : absl::StrCat(" stroke-dasharray=\"", dash, "\""));
  }

  PlotArea area_;
  std::string svg_;
};

// Chart sizes: the SVG scales down with the page (CSS), these are the
// proportions and the size at full width.
constexpr int kWideWidth = 760;
constexpr int kWideHeight = 320;

std::string Figure(std::string svg, absl::string_view caption) {
  return absl::StrCat("<figure>", svg, "<figcaption>", HtmlEscape(caption),
                      "</figcaption></figure>\n");
}

std::string Note(absl::string_view text) {
  return absl::StrCat("<p class=\"note\">", HtmlEscape(text), "</p>\n");
}

std::string Section(absl::string_view id, absl::string_view heading,
                    absl::string_view body) {
  return absl::StrCat("<section id=\"", id, "\"><h2>", HtmlEscape(heading),
                      "</h2>\n", body, "</section>\n");
}

// ---------------------------------------------------------------------------
// Sections.

std::string SummarySection(const Dataset& dataset,
                           const InteractionTotals& totals) {
  const uint64_t users = dataset.users.size();
  const uint64_t tracks = dataset.catalog.tracks.size();
  const uint64_t interactions = dataset.interactions.size();
  const uint64_t silent_tracks = std::count(
      totals.listeners_per_track.begin(), totals.listeners_per_track.end(), 0u);
  std::string density = "n/a";
  if (users > 0 && tracks > 0) {
    density = FormatPercent(static_cast<double>(interactions) /
                            (static_cast<double>(users) * tracks));
  }
  std::string median = "n/a";
  if (users > 0) {
    std::vector<uint32_t> per_user = totals.tracks_per_user;
    median = absl::StrFormat("%g", Quantile(per_user, 0.5));
  }
  const std::pair<absl::string_view, std::string> rows[] = {
      {"Users", FormatCount(users)},
      {"Tracks", FormatCount(tracks)},
      {"Artists", FormatCount(dataset.catalog.artists.size())},
      {"Genres", FormatCount(dataset.catalog.genres.size())},
      {"Interactions (user-track pairs)", FormatCount(interactions)},
      {"Density (interactions / users \u00d7 tracks)", density},
      {"Plays", FormatCount(totals.plays)},
      {"Skips", FormatCount(totals.skips)},
      {"Likes", FormatCount(totals.likes)},
      {"Median distinct tracks per user", median},
      {"Tracks nobody listened to", FormatCount(silent_tracks)},
  };
  std::string table = "<table class=\"summary\">\n";
  for (const auto& [label, value] : rows) {
    absl::StrAppend(&table, "<tr><th>", HtmlEscape(label), "</th><td>", value,
                    "</td></tr>\n");
  }
  absl::StrAppend(&table, "</table>\n");
  return Section("summary", "Summary", table);
}

std::string LongTailSection(const InteractionTotals& totals) {
  constexpr absl::string_view kHeading = "Popularity long tail";
  const size_t n = totals.listeners_per_track.size();
  if (n == 0) return Section("long-tail", kHeading, Note("No tracks."));
  const uint32_t most = *std::max_element(totals.listeners_per_track.begin(),
                                          totals.listeners_per_track.end());
  if (most == 0) {
    return Section("long-tail", kHeading,
                   Note("No interactions, so no popularity to chart."));
  }
  // Most listened first; ties by plays, then by index, so the order (and the
  // page) is deterministic.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&totals](uint32_t a, uint32_t b) {
    const uint32_t la = totals.listeners_per_track[a];
    const uint32_t lb = totals.listeners_per_track[b];
    if (la != lb) return la > lb;
    const uint64_t pa = totals.plays_per_track[a];
    const uint64_t pb = totals.plays_per_track[b];
    return pa != pb ? pa > pb : a < b;
  });
  // cumulative_plays[r] = plays of the r + 1 most listened tracks.
  std::vector<uint64_t> cumulative_plays(n);
  uint64_t running = 0;
  for (size_t r = 0; r < n; ++r) {
    running += totals.plays_per_track[order[r]];
    cumulative_plays[r] = running;
  }
  const double total_plays = static_cast<double>(totals.plays);

  const PlotArea area{70, 40, kWideWidth - 70, kWideHeight - 50};
  SvgChart chart("long-tail", "Listeners per track, most listened first",
                 kWideWidth, kWideHeight, area);
  const Scale x = Scale::Linear(0, 1, area.left, area.right);
  const double log_top = std::pow(10.0, std::ceil(std::log10(most) - 1e-9));
  // The domain starts a little below 1 so that the many single-listener
  // tracks draw above the x axis instead of on it.
  const Scale listeners =
      Scale::Log(0.7, std::max(10.0, log_top), area.bottom, area.top);
  const Scale share = Scale::Linear(0, 1, area.bottom, area.top);
  chart.AddXAxis(x, TickFormat::kPercent,
                 "tracks, most listened first (share of catalog)");
  chart.AddYAxis(listeners, TickFormat::kNumber, "listeners (log scale)",
                 AxisSide::kLeft);
  if (totals.plays > 0) {
    chart.AddYAxis(share, TickFormat::kPercent, "cumulative share of plays",
                   AxisSide::kRight);
  }
  // Evenly spaced ranks, first and last included: the curve is monotone, so
  // samples lose no shape that a few hundred pixels could show.
  const size_t samples = std::min(n, kMaxLinePoints);
  std::vector<std::pair<double, double>> listener_points, share_points;
  for (size_t i = 0; i < samples; ++i) {
    const size_t rank = samples == 1 ? 0 : i * (n - 1) / (samples - 1);
    const double px = x(static_cast<double>(rank + 1) / n);
    const uint32_t count = totals.listeners_per_track[order[rank]];
    // log(0) has no place on the axis: the line stops where the tail of
    // never-heard tracks begins, and the caption counts them.
    listener_points.emplace_back(
        px, count > 0 ? listeners(count)
                      : std::numeric_limits<double>::quiet_NaN());
    if (totals.plays > 0) {
      share_points.emplace_back(px,
                                share(cumulative_plays[rank] / total_plays));
    }
  }
  if (n == 1) {
    // One track still deserves a visible mark: a flat line across the plot.
    listener_points.emplace_back(x(0), listener_points.front().second);
  }
  chart.AddSeries(listener_points, kBarColor, "");
  chart.AddSeries(share_points, kAccentColor, "6 3");
  // Above the plot: inside, one curve or the other crosses every corner.
  chart.AddLegendEntry(area.left, 16, kBarColor, "", "listeners per track");
  if (totals.plays > 0) {
    chart.AddLegendEntry(area.left + 200, 16, kAccentColor, "6 3",
                         "cumulative share of plays");
  }

  std::vector<std::string> facts;
  if (totals.plays > 0) {
    std::vector<std::string> shares;
    for (const int percent : {1, 10, 20}) {
      // Integer arithmetic: ceil(n * percent / 100) without rounding error.
      const size_t top = std::max<size_t>(1, (n * percent + 99) / 100);
      shares.push_back(
          absl::StrCat("top ", percent, "% (", Counted(top, "track"), ") get ",
                       FormatPercent(cumulative_plays[top - 1] / total_plays)));
    }
    facts.push_back(
        absl::StrCat("Of all plays: ", absl::StrJoin(shares, "; "), "."));
  } else {
    facts.push_back("No plays recorded (only skips or likes).");
  }
  std::vector<uint32_t> per_track = totals.listeners_per_track;
  const uint64_t silent = std::count(per_track.begin(), per_track.end(), 0u);
  facts.push_back(
      absl::StrFormat("The most listened track has %s; the median track %g.",
                      Counted(most, "listener"), Quantile(per_track, 0.5)));
  facts.push_back(absl::StrCat(
      FormatCount(silent), " of ", Counted(n, "track"), " (",
      FormatPercent(static_cast<double>(silent) / n), ") have no listeners."));
  return Section("long-tail", kHeading,
                 Figure(std::move(chart).Finish(), absl::StrJoin(facts, " ")));
}

std::string ActivitySection(const InteractionTotals& totals) {
  constexpr absl::string_view kHeading = "Activity per user";
  const size_t n = totals.tracks_per_user.size();
  if (n == 0) return Section("activity", kHeading, Note("No users."));
  // Bin 0 holds users without tracks; bin b >= 1 holds [2^(b-1), 2^b - 1],
  // a log scale that keeps both the many light users and the few heavy ones
  // visible.
  std::vector<uint64_t> bins;
  uint64_t sum = 0;
  for (const uint32_t count : totals.tracks_per_user) {
    size_t bin = 0;
    for (uint32_t c = count; c > 0; c >>= 1) ++bin;
    if (bin >= bins.size()) bins.resize(bin + 1, 0);
    ++bins[bin];
    sum += count;
  }
  // Bin 0 is shown only when some user has no tracks.
  const size_t first_bin = bins[0] > 0 ? 0 : 1;
  const uint64_t tallest = *std::max_element(bins.begin(), bins.end());

  const PlotArea area{70, 20, kWideWidth - 20, kWideHeight - 50};
  SvgChart chart("user-activity", "Distinct tracks per user", kWideWidth,
                 kWideHeight, area);
  const Scale y = Scale::Linear(0, NiceCeil(tallest), area.bottom, area.top);
  chart.AddYAxis(y, TickFormat::kNumber, "users", AxisSide::kLeft);
  const double slot = (area.right - area.left) / (bins.size() - first_bin);
  for (size_t b = first_bin; b < bins.size(); ++b) {
    const uint64_t lo = b == 0 ? 0 : uint64_t{1} << (b - 1);
    const uint64_t hi = b == 0 ? 0 : (uint64_t{1} << b) - 1;
    const std::string label =
        lo == hi ? FormatNumber(lo)
                 : absl::StrCat(FormatNumber(lo), "\u2013", FormatNumber(hi));
    const double left = area.left + slot * (b - first_bin);
    if (bins[b] > 0) {
      // At least one pixel, so that a lone heavy user stays visible.
      const double top = std::min(y(bins[b]), area.bottom - 1);
      chart.AddBar(left + slot * 0.1, top, slot * 0.8, area.bottom - top,
                   kBarColor,
                   absl::StrCat("tracks per user ", label, ": ",
                                Counted(bins[b], "user")));
    }
    chart.AddText(left + slot / 2, area.bottom + 15, label, "middle", "");
  }
  chart.AddAxisLine(area.left, area.bottom, area.right, area.bottom);
  chart.AddText((area.left + area.right) / 2, area.bottom + 32,
                "distinct tracks per user (power-of-two bins)", "middle",
                "axis-title");

  std::vector<uint32_t> per_user = totals.tracks_per_user;
  const uint32_t most = *std::max_element(per_user.begin(), per_user.end());
  const uint64_t single = bins.size() > 1 ? bins[1] : 0;
  std::string caption = absl::StrFormat(
      "Median %g distinct tracks per user, mean %.1f, most active user %s. "
      "Users with a single track: %s (%s).",
      Quantile(per_user, 0.5), static_cast<double>(sum) / n, FormatCount(most),
      FormatCount(single), FormatPercent(static_cast<double>(single) / n));
  if (bins[0] > 0) {
    absl::StrAppend(&caption, " Users with none: ", FormatCount(bins[0]), " (",
                    FormatPercent(static_cast<double>(bins[0]) / n), ").");
  }
  return Section("activity", kHeading,
                 Figure(std::move(chart).Finish(), caption));
}

// A horizontal bar chart of the `plays` of named categories (countries,
// genres): the top kMaxCategories with plays, largest first, as shares of
// `total_plays`. `noun` and `plural` name a category ("country",
// "countries"). Returns a note when no category has plays.
// An empty name would leave a bar without a label.
absl::string_view DisplayName(absl::string_view name) {
  return name.empty() ? "(unnamed)" : name;
}

std::string PlaysByCategory(absl::string_view id, absl::string_view noun,
                            absl::string_view plural,
                            std::vector<std::pair<std::string, uint64_t>> plays,
                            uint64_t total_plays) {
  // Largest first, ties by name for a deterministic page.
  std::sort(plays.begin(), plays.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  const size_t with_plays =
      std::count_if(plays.begin(), plays.end(),
                    [](const auto& entry) { return entry.second > 0; });
  if (with_plays == 0 || total_plays == 0) {
    return Note(absl::StrCat("No plays recorded by ", noun, "."));
  }
  const size_t shown = std::min(with_plays, kMaxCategories);
  constexpr double kRowHeight = 20;
  const int height = static_cast<int>(30 + kRowHeight * shown + 45);
  const PlotArea area{170, 20, kWideWidth - 110, height - 45.0};
  SvgChart chart(id, absl::StrCat("Plays by ", noun), kWideWidth, height, area);
  const Scale x = Scale::Linear(
      0, NiceCeil(static_cast<double>(plays[0].second) / total_plays),
      area.left, area.right);
  chart.AddXAxis(x, TickFormat::kPercent, "share of all plays");
  uint64_t shown_plays = 0;
  for (size_t i = 0; i < shown; ++i) {
    const auto& [name, count] = plays[i];
    shown_plays += count;
    const double fraction = static_cast<double>(count) / total_plays;
    const double top = area.top + kRowHeight * i + 3;
    const absl::string_view label = DisplayName(name);
    chart.AddBar(area.left, top, std::max(1.0, x(fraction) - area.left),
                 kRowHeight - 6, kBarColor,
                 absl::StrCat(label, ": ", Counted(count, "play")));
    chart.AddText(area.left - 8, top + kRowHeight / 2 + 1,
                  TruncateLabel(label, kMaxLabelChars), "end", "category");
    chart.AddText(x(fraction) + 6, top + kRowHeight / 2 + 1,
                  FormatPercent(fraction), "start", "");
  }
  const std::string caption = absl::StrCat(
      FormatCount(with_plays), " ", with_plays == 1 ? noun : plural,
      " with plays; ", DisplayName(plays[0].first), " leads with ",
      FormatPercent(static_cast<double>(plays[0].second) / total_plays),
      " of all plays, and the ", FormatCount(shown), " shown have ",
      FormatPercent(static_cast<double>(shown_plays) / total_plays), ".");
  return Figure(std::move(chart).Finish(), caption);
}

std::string CountrySection(const Dataset& dataset,
                           const InteractionTotals& totals) {
  constexpr absl::string_view kHeading = "Plays by country";
  absl::flat_hash_map<std::string, uint64_t> by_country;
  uint64_t unknown_plays = 0;
  uint64_t unknown_users = 0;
  for (size_t u = 0; u < dataset.users.size(); ++u) {
    const std::string& country = dataset.users[u].country;
    if (country.empty()) {
      unknown_plays += totals.plays_per_user[u];
      ++unknown_users;
    } else {
      by_country[country] += totals.plays_per_user[u];
    }
  }
  if (by_country.empty()) {
    return Section("countries", kHeading,
                   Note("The data has no user countries."));
  }
  std::vector<std::pair<std::string, uint64_t>> plays(by_country.begin(),
                                                      by_country.end());
  std::string body = PlaysByCategory("plays-by-country", "country", "countries",
                                     std::move(plays), totals.plays);
  if (unknown_users > 0) {
    absl::StrAppend(&body,
                    Note(absl::StrCat(
                        "Users without a country (not charted): ",
                        FormatCount(unknown_users), ", with ",
                        totals.plays > 0
                            ? FormatPercent(static_cast<double>(unknown_plays) /
                                            totals.plays)
                            : "0%",
                        " of plays.")));
  }
  return Section("countries", kHeading, body);
}

std::string GenreSection(const Dataset& dataset,
                         const InteractionTotals& totals) {
  constexpr absl::string_view kHeading = "Plays by genre";
  const std::vector<std::string>& genres = dataset.catalog.genres;
  if (genres.size() < 2) {
    return Section(
        "genres", kHeading,
        Note(absl::StrCat("The catalog has ",
                          genres.empty() ? "no genres" : "a single genre",
                          ", so there is nothing to compare.")));
  }
  std::vector<uint64_t> plays(genres.size(), 0);
  const std::vector<Track>& tracks = dataset.catalog.tracks;
  for (size_t t = 0; t < tracks.size(); ++t) {
    plays[tracks[t].genre] += totals.plays_per_track[t];
  }
  std::vector<std::pair<std::string, uint64_t>> by_genre;
  by_genre.reserve(genres.size());
  for (size_t g = 0; g < genres.size(); ++g) {
    by_genre.emplace_back(genres[g], plays[g]);
  }
  return Section("genres", kHeading,
                 PlaysByCategory("plays-by-genre", "genre", "genres",
                                 std::move(by_genre), totals.plays));
}

std::string AudioHistogram(absl::string_view feature,
                           std::vector<float>& values) {
  constexpr int kWidth = 300;
  constexpr int kHeight = 180;
  const PlotArea area{46, 26, kWidth - 12, kHeight - 38};
  // Feature names are fixed identifiers, safe in an id.
  SvgChart chart(absl::StrCat("audio-", feature), feature, kWidth, kHeight,
                 area);
  const auto [min_it, max_it] =
      std::minmax_element(values.begin(), values.end());
  double lo = *min_it;
  double hi = *max_it;
  if (hi - lo < 1e-6) {
    // A constant feature still gets a readable axis around its value.
    lo -= 0.5;
    hi += 0.5;
  }
  std::vector<uint64_t> bins(kAudioHistogramBins, 0);
  const double bin_width = (hi - lo) / kAudioHistogramBins;
  for (const float v : values) {
    const int bin = static_cast<int>((v - lo) / bin_width);
    ++bins[std::clamp(bin, 0, kAudioHistogramBins - 1)];
  }
  const Scale x = Scale::Linear(lo, hi, area.left, area.right);
  const Scale y =
      Scale::Linear(0, NiceCeil(*std::max_element(bins.begin(), bins.end())),
                    area.bottom, area.top);
  chart.AddXAxis(x, TickFormat::kNumber, "");
  chart.AddYAxis(y, TickFormat::kNumber, "", AxisSide::kLeft);
  chart.AddText(area.left, 14, feature, "start", "panel-title");
  for (int b = 0; b < kAudioHistogramBins; ++b) {
    if (bins[b] == 0) continue;
    const double from = lo + bin_width * b;
    const double top = std::min(y(bins[b]), area.bottom - 1);
    chart.AddBar(x(from) + 0.5, top,
                 std::max(1.0, x(from + bin_width) - x(from) - 1),
                 area.bottom - top, kBarColor,
                 absl::StrFormat("%.3g to %.3g: %s", from, from + bin_width,
                                 Counted(bins[b], "track")));
  }
  const double q1 = Quantile(values, 0.25);
  const double median = Quantile(values, 0.5);
  const double q3 = Quantile(values, 0.75);
  return Figure(
      std::move(chart).Finish(),
      absl::StrFormat("median %.3g; middle half %.3g to %.3g", median, q1, q3));
}

std::string AudioSection(const Dataset& dataset) {
  constexpr absl::string_view kHeading = "Audio features";
  const std::vector<Track>& tracks = dataset.catalog.tracks;
  // An all-zero vector means "no audio analysis" (the readers' default), not
  // a silent track: counting it would pile a spike at 0 into every chart.
  std::vector<const Track*> analysed;
  for (const Track& track : tracks) {
    if (std::any_of(track.audio.begin(), track.audio.end(),
                    [](float v) { return v != 0; })) {
      analysed.push_back(&track);
    }
  }
  if (analysed.empty()) {
    return Section("audio", kHeading,
                   Note("No track has audio features (all are zero)."));
  }
  std::string body = absl::StrCat(
      "<p>", FormatCount(analysed.size()), " of ",
      Counted(tracks.size(), "track"), " (",
      FormatPercent(static_cast<double>(analysed.size()) / tracks.size()),
      ") have audio features; the others are left out. Loudness is in dB, "
      "tempo in beats per minute, the rest in [0, 1].</p>\n"
      "<div class=\"small-multiples\">\n");
  std::vector<float> values;
  values.reserve(analysed.size());
  for (int f = 0; f < kNumAudioFeatures; ++f) {
    values.clear();
    for (const Track* track : analysed) {
      if (std::isfinite(track->audio[f])) values.push_back(track->audio[f]);
    }
    if (values.empty()) continue;
    absl::StrAppend(&body, AudioHistogram(kAudioFeatureNames[f], values));
  }
  absl::StrAppend(&body, "</div>\n");
  return Section("audio", kHeading, body);
}

std::string ModelTable(absl::Span<const ModelEvaluationSummary> models) {
  // Columns: every metric name, in the order first seen.
  std::vector<std::string> columns;
  for (const ModelEvaluationSummary& model : models) {
    for (const auto& [name, value] : model.metrics) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
        columns.push_back(name);
      }
    }
  }
  std::string table = "<table class=\"metrics\">\n<tr><th>model</th>";
  for (const std::string& column : columns) {
    absl::StrAppend(&table, "<th>", HtmlEscape(column), "</th>");
  }
  absl::StrAppend(&table, "</tr>\n");
  for (const ModelEvaluationSummary& model : models) {
    absl::StrAppend(&table, "<tr><td>", HtmlEscape(model.name), "</td>");
    for (const std::string& column : columns) {
      const auto it = std::find_if(
          model.metrics.begin(), model.metrics.end(),
          [&column](const auto& metric) { return metric.first == column; });
      absl::StrAppend(
          &table, "<td>",
          it == model.metrics.end() ? "\u2013" : FormatMetric(it->second),
          "</td>");
    }
    absl::StrAppend(&table, "</tr>\n");
  }
  absl::StrAppend(&table, "</table>\n");
  return table;
}

std::string RecallChart(absl::Span<const ModelEvaluationSummary> models) {
  size_t max_k = 0;
  double max_recall = 0;
  for (const ModelEvaluationSummary& model : models) {
    max_k = std::max(max_k, model.recall_curve.size());
    for (const double r : model.recall_curve) {
      if (std::isfinite(r)) max_recall = std::max(max_recall, r);
    }
  }
  if (max_k == 0) return Note("No model has a Recall@K curve.");

  constexpr int kLegendWidth = 230;
  const PlotArea area{70, 20, kWideWidth - kLegendWidth, kWideHeight - 50};
  SvgChart chart("recall-at-k", "Recall@K per model", kWideWidth, kWideHeight,
                 area);
  // K = 1 alone would make an empty range.
  const Scale x =
      Scale::Linear(1, std::max<size_t>(max_k, 2), area.left, area.right);
  const Scale y = Scale::Linear(0, std::min(1.0, NiceCeil(max_recall)),
                                area.bottom, area.top);
  chart.AddXAxis(x, TickFormat::kNumber, "K (list length)");
  chart.AddYAxis(y, TickFormat::kNumber, "Recall@K", AxisSide::kLeft);
  std::vector<std::string> facts;
  for (size_t m = 0; m < models.size(); ++m) {
    const ModelEvaluationSummary& model = models[m];
    const absl::string_view color = kSeriesColors[m % std::size(kSeriesColors)];
    const std::vector<double>& curve = model.recall_curve;
    std::vector<std::pair<double, double>> points;
    const size_t samples = std::min(curve.size(), kMaxLinePoints);
    for (size_t i = 0; i < samples; ++i) {
      const size_t k =
          samples == 1 ? 1 : 1 + i * (curve.size() - 1) / (samples - 1);
      points.emplace_back(x(k), std::isfinite(curve[k - 1])
                                    ? y(curve[k - 1])
                                    : std::numeric_limits<double>::quiet_NaN());
    }
    if (curve.size() == 1) {
      // A single K is a point: draw it as a short level stroke to be seen.
      points.emplace_back(x(1) + 8, points.front().second);
    }
    chart.AddSeries(points, color, "");

    chart.AddLegendEntry(area.right + 16, area.top + 8 + 18 * m, color, "",
                         absl::StrCat(TruncateLabel(model.name, kMaxLabelChars),
                                      curve.empty() ? " (no curve)" : ""));

    // Recall@10, the usual cut-off, and at the curve's end.
    std::vector<std::string> at;
    for (const size_t k : {size_t{10}, curve.size()}) {
      if (k == 0 || k > curve.size()) continue;
      const std::string fact =
          absl::StrCat("Recall@", k, " ", FormatMetric(curve[k - 1]));
      if (at.empty() || at.back() != fact) at.push_back(fact);
    }
    if (!at.empty()) {
      facts.push_back(absl::StrCat(model.name, ": ", absl::StrJoin(at, ", ")));
    }
  }
  return Figure(std::move(chart).Finish(),
                absl::StrCat(absl::StrJoin(facts, "; "), "."));
}

std::string ModelSection(absl::Span<const ModelEvaluationSummary> models) {
  constexpr absl::string_view kHeading = "Models";
  if (models.empty()) {
    return Section("models", kHeading,
                   Note("No models were evaluated for this report."));
  }
  return Section("models", kHeading,
                 absl::StrCat(ModelTable(models), RecallChart(models)));
}

constexpr absl::string_view kStyle = R"css(
body{margin:0;background:#fff;color:#222;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 32px 40px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 10px;padding-top:14px;border-top:1px solid #e4e4e4}
.description{color:#555;margin:0 0 8px;word-break:break-word}
figure{margin:8px 0 16px}
figcaption{color:#444;font-size:13px;margin-top:4px;max-width:760px}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font-size:11px;fill:#555}
svg.chart .axis-title{font-size:12px;fill:#333}
svg.chart .panel-title{font-size:13px;font-weight:600;fill:#222}
svg.chart .category,svg.chart .legend{font-size:12px;fill:#333}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0 16px}
th,td{padding:4px 14px;border-bottom:1px solid #e6e6e6;text-align:right}
th:first-child,td:first-child{text-align:left}
table.summary th{font-weight:normal;color:#444}
table.metrics tr:first-child th{border-bottom:2px solid #bbb}
.note{color:#666;font-style:italic}
.small-multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:4px 20px}
.small-multiples figure{margin:4px 0}
.small-multiples figcaption{font-size:12px;margin-top:0}
footer{margin-top:32px;color:#999;font-size:12px}
#render-check{display:inline}
)css";

// Runs after layout: a chart passes when its SVG has a non-empty box and at
// least one data mark (bar or line) with a non-empty box; axes alone do not
// count, so a chart whose data failed to draw fails.
constexpr absl::string_view kRenderCheck = R"js(
addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart'), failed = [];
  charts.forEach(function (svg) {
    var box = svg.getBBox(), drawn = 0;
    svg.querySelectorAll('.mark').forEach(function (mark) {
      var b = mark.getBBox();
      if (b.width > 0 || b.height > 0) drawn++;
    });
    if (!(box.width > 0 && box.height > 0 && drawn > 0)) failed.push(svg.id);
  });
  document.getElementById('render-check').textContent = failed.length ?
      'charts-failed: ' + failed.join(' ') : 'charts-ok ' + charts.length;
});
)js";

}  // namespace

std::string RenderExploreReport(const Dataset& dataset,
                                absl::Span<const ModelEvaluationSummary> models,
                                const ExploreReportOptions& options) {
  const InteractionTotals totals = CountInteractions(dataset);
  std::string page = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      HtmlEscape(options.title), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n<main>\n<h1>", HtmlEscape(options.title),
      "</h1>\n");
  if (!options.dataset_description.empty()) {
    absl::StrAppend(&page, "<p class=\"description\">",
                    HtmlEscape(options.dataset_description), "</p>\n");
  }
  absl::StrAppend(&page, SummarySection(dataset, totals),
                  LongTailSection(totals), ActivitySection(totals),
                  CountrySection(dataset, totals),
                  GenreSection(dataset, totals), AudioSection(dataset),
                  ModelSection(models));
  absl::StrAppend(&page,
                  "<footer>Written by recsys. Render check: <div "
                  "id=\"render-check\">not run</div></footer>\n</main>\n"
                  "<script>",
                  kRenderCheck, "</script>\n</body>\n</html>\n");
  return page;
}

absl::Status WriteExploreReport(const std::string& path, const Dataset& dataset,
                                absl::Span<const ModelEvaluationSummary> models,
                                const ExploreReportOptions& options) {
  return WriteFileAtomically(path,
                             RenderExploreReport(dataset, models, options));
}

}  // namespace recsys::core
