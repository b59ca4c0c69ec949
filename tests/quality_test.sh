#!/usr/bin/env bash
# The quality bars of docs/QUALITY.md, checked on the real data: runs one
# evaluation suite of `recsys-train evaluate` and compares the models' metrics.
#
# Usage: quality_test.sh TRAINER SHARED_DIR SUITE
# SHARED_DIR holds data/ and eval/ (../shared beside the clone). Without it
# the test is skipped (exit 77), unless CI=true, where it fails.
set -eu

trainer="$1"
shared="$2"
suite="$3"

if [ ! -d "$shared/data" ] || [ ! -d "$shared/eval" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $shared/data or $shared/eval is missing (CI=true)" >&2
    exit 1
  fi
  echo "SKIP: $shared/data and $shared/eval are not here (a clone without ../shared)"
  exit 77
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$suite" in
  lastfm-*)
    "$trainer" evaluate --suite="$suite" --log_level=warning \
      --lastfm_dir="$shared/data/lastfm-hetrec2k" \
      --split_dir="$shared/eval/lastfm-2k" \
      --artist_features_csv="$shared/data/spotify-artist-features/data_w_genres.csv" \
      --out_dir="$out" --top_lists ;;
  spotify-playlists)
    "$trainer" evaluate --suite="$suite" --log_level=warning \
      --spotify_csv="$shared/data/spotify-songs-tidytuesday/spotify_songs.csv" \
      --out_dir="$out" ;;
  *) fail "unknown suite $suite" ;;
esac

metrics="$out/$suite.metrics.tsv"
[ -s "$metrics" ] || fail "no $metrics"
# metric MODEL NAME: the value from the metrics table.
metric() {
  awk -F'\t' -v m="$1" -v k="$2" '$1 == m && $2 == k { print $3; found = 1 }
    END { if (!found) exit 1 }' "$metrics" || fail "no $2 for model $1"
}
# check DESCRIPTION AWK-CONDITION: fails with the description when false.
check() {
  if awk "BEGIN { exit !($2) }"; then
    echo "ok: $1"
  else
    fail "$1"
  fi
}

case "$suite" in
  lastfm-fixed)
    peer="$(metric als-peer ndcg@10)"
    hybrid="$(metric hybrid ndcg@10)"
    recall="$(metric hybrid recall@20)"
    check "ALS at the peer's settings: NDCG@10 $peer within 0.248 +- 0.005" \
      "$peer >= 0.243 && $peer <= 0.253"
    check "hybrid NDCG@10 $hybrid >= 0.26 (best peer number 0.2501)" \
      "$hybrid >= 0.26"
    check "hybrid Recall@20 $recall above the best peer's 0.2764" \
      "$recall > 0.2764"
    # The top-20 lists: 20 per evaluated user and model, ranks 1..20.
    lists="$out/$suite.top20.tsv"
    users="$(metric hybrid users)"
    rows="$(awk -F'\t' '$1 == "hybrid"' "$lists" | wc -l)"
    check "top-20 lists of the hybrid: $rows rows for $users users" \
      "$rows == 20 * $users"
    ;;
  lastfm-cold)
    hybrid="$(metric hybrid recall@20)"
    pop="$(metric popularity recall@20)"
    random="$(metric random recall@20)"
    check "cold items: hybrid Recall@20 $hybrid >= 1.5 x popularity $pop" \
      "$hybrid >= 1.5 * $pop"
    check "cold items: hybrid Recall@20 $hybrid >= 10 x random $random" \
      "$hybrid >= 10 * $random"
    ;;
  spotify-playlists)
    hybrid="$(metric hybrid ndcg@10)"
    cf="$(metric cf-only ndcg@10)"
    content="$(metric content-only ndcg@10)"
    check "playlists: hybrid NDCG@10 $hybrid > CF-only $cf" "$hybrid > $cf"
    check "playlists: hybrid NDCG@10 $hybrid > content-only $content" \
      "$hybrid > $content"
    ;;
esac
for f in md curves.tsv html; do
  [ -s "$out/$suite.$f" ] || fail "no $out/$suite.$f"
done
echo "PASS: $suite"
