#!/usr/bin/env bash
# The suite under load: `npm test` three times in a row in one clone of this repository while another clone runs
# `npm test` over and over beside it (the "robust under load" check; too long for CI). Clones HEAD into
# ${UNDER_LOAD_DIR:-/tmp/batchwatch-under-load}/{load,measured}, installs both, and prints each measured run's
# "N passed, N failed". Exits non-zero if any measured run failed.
set -uo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=${UNDER_LOAD_DIR:-/tmp/batchwatch-under-load}
runs=${UNDER_LOAD_RUNS:-3}
rm -rf "$dir" && mkdir -p "$dir"
for name in load measured; do
  git clone -q "$repo" "$dir/$name" && (cd "$dir/$name" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { echo "install failed in $dir/$name"; exit 1; }
done

# The load: full test runs back to back until the measured runs are over.
set -m # the loader gets its own process group, so that it and every process of its test run stop together
(cd "$dir/load" && while :; do npm test >/dev/null 2>&1; echo "load run ended $(date -u +%T)" >>"$dir/load.log"; done) &
loader=$!
set +m
trap 'kill -- -"$loader" 2>/dev/null' EXIT

failed=0
for run in $(seq 1 "$runs"); do
  results="$dir/run-$run.json"
  start=$(date +%s)
  (cd "$dir/measured" && npm test -- --reporter=dot --reporter=json --outputFile.json="$results" >"$dir/run-$run.log" 2>&1)
  counts=$(node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numFailedTestSuites} failed`)' "$results" 2>/dev/null || echo "0 passed, 1 failed (no results)")
  echo "run $run: $counts in $(($(date +%s) - start)) s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  case $counts in *" 0 failed"*) ;; *) failed=1 ;; esac
done
echo "load runs completed meanwhile: $(wc -l <"$dir/load.log" 2>/dev/null || echo 0)"
exit $failed
