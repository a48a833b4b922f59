#!/usr/bin/env bash
# The whole test suite, on a fresh SQLite file and on a fresh PostgreSQL database: first the unit and
# e2e projects, then the reliability project (real processes killed, Redis stopped and restarted).
#   --reliability  run only the reliability project (`npm run test:reliability`)
# Ends with one line "N passed, M failed" summed over every run; exits non-zero if anything failed.
#   PG_URL   the PostgreSQL server to create the throwaway databases on (default: local, trust auth)
#   REDIS_URL  the Redis the tests use (default redis://127.0.0.1:6379); each app takes its own key prefix
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=.test-results
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
export TEST_REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
rm -rf "$RESULTS" && mkdir -p "$RESULTS/tmp"
# Test databases, uploads and sockets land here, and go with the next run.
export TMPDIR="$PWD/$RESULTS/tmp"

if [[ ${1:-} == --reliability ]]; then projects=(reliability); else projects=("unit e2e" reliability); fi

summary() {
  node scripts/sum-jest-results.js "$RESULTS"/*.json | tee "$RESULTS/summary.txt"
}

echo "== build, type-check and lint"
if ! npm run --silent build || ! npm run --silent typecheck || ! npm run --silent lint; then
  echo "0 passed, 1 failed" | tee "$RESULTS/summary.txt"
  exit 1
fi

# The console suite needs a browser and the metrics lint needs promtool; without them they fail and say why.
[[ ${1:-} == --reliability ]] || bash scripts/ensure-debian-packages.sh || true

status=0
# No --forceExit: every suite closes what it opens. A run that finishes its tests but does not exit
# (a handle left open) is stopped after JEST_EXIT_TIMEOUT and counted as a failure, never waited on.
JEST_EXIT_TIMEOUT=${JEST_EXIT_TIMEOUT:-25m}
jest_run() {
  timeout --signal=TERM --kill-after=30s "$JEST_EXIT_TIMEOUT" npx jest --runInBand "$@"
  local code=$?
  if [[ $code -eq 124 || $code -eq 137 ]]; then echo "jest did not finish within $JEST_EXIT_TIMEOUT (a test hung or a handle was left open)" >&2; fi
  return $code
}

# run_on <label> <projects>: one jest run of the projects on SQLite, then on a new PostgreSQL database.
run_on_both() {
  local label=$1 selected=$2
  echo "== $label on SQLite"
  # shellcheck disable=SC2086
  (unset TEST_DATABASE_URL && jest_run --selectProjects $selected --json --outputFile="$RESULTS/$label-sqlite.json") || status=1

  echo "== $label on PostgreSQL"
  local db="taskgate_test_$(date +%s)_$$"
  if node scripts/pg-database.js create "$PG_URL" "$db"; then
    # shellcheck disable=SC2086
    TEST_DATABASE_URL="${PG_URL%/*}/$db" jest_run --selectProjects $selected --json --outputFile="$RESULTS/$label-postgres.json" || status=1
    node scripts/pg-database.js drop "$PG_URL" "$db" || true
  else
    echo "could not create PostgreSQL database $db on $PG_URL" >&2
    status=1
  fi
  # A run that wrote no report (Jest itself crashed: process.exit in a suite's set-up) counts as a failure.
  local report
  for report in "$RESULTS/$label-sqlite.json" "$RESULTS/$label-postgres.json"; do
    [[ -f $report ]] || echo '{"numPassedTests":0,"numFailedTests":1,"numRuntimeErrorTestSuites":0}' > "$report"
  done
}

for selected in "${projects[@]}"; do
  if [[ $selected == reliability ]]; then run_on_both reliability reliability; else run_on_both suite "$selected"; fi
done

summary
line=$(cat "$RESULTS/summary.txt")
[[ $status -eq 0 && $line == *" 0 failed" ]] || exit 1
