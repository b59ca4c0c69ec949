// Reads a running server's Prometheus endpoint in tests: a plain-socket HTTP
// GET and a lookup of one sample in the text exposition format.
#ifndef RECSYS_TESTS_METRICS_SCRAPE_H_
#define RECSYS_TESTS_METRICS_SCRAPE_H_

#include <string>

namespace recsys::testing {

// GET http://127.0.0.1:port/path; returns the body, or "" when the
// connection fails.
std::string HttpGet(int port, const std::string& path);

// The value of the sample line `series value` (series = name{labels} exactly
// as exposed, labels sorted), or -1 when there is no such line.
double Sample(const std::string& text, const std::string& series);

}  // namespace recsys::testing

#endif  // RECSYS_TESTS_METRICS_SCRAPE_H_
