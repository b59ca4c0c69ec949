#!/usr/bin/env bash
# The Prometheus assets are valid and the alerts behave: promtool checks the
# config and the rules, and runs the rule unit tests (each alert fires on a
# sick server's synthetic series and stays quiet on a healthy one).
# Usage: promtool_test.sh REPO_ROOT
set -euo pipefail

root="$1"
dir="$root/deploy/prometheus"
if ! command -v promtool >/dev/null; then
  echo "FAIL: promtool not found (Debian package prometheus; deploy/install-deps.sh installs it)" >&2
  exit 1
fi
# check config resolves rule_files relative to the config file.
promtool check config "$dir/prometheus.yml"
promtool check rules "$dir/alerts.yml"
promtool test rules "$dir/alerts_test.yml"
echo "promtool_test: config, rules and rule unit tests passed"
