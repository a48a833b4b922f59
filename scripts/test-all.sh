#!/usr/bin/env bash
# The whole test suite, twice: on a fresh SQLite file and on a fresh PostgreSQL database.
# Ends with one line "N passed, M failed" summed over both runs; exits non-zero if anything failed.
#   PG_URL   the PostgreSQL server to create the throwaway database on (default: local, trust auth)
#   REDIS_URL  the Redis the tests use (default redis://127.0.0.1:6379); each app takes its own key prefix
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=.test-results
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
export TEST_REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
rm -rf "$RESULTS" && mkdir -p "$RESULTS/tmp"
# Test databases, uploads and sockets land here, and go with the next run.
export TMPDIR="$PWD/$RESULTS/tmp"

summary() {
  node scripts/sum-jest-results.js "$RESULTS"/*.json | tee "$RESULTS/summary.txt"
}

echo "== build and type-check"
if ! npm run --silent build || ! npm run --silent typecheck; then
  echo "0 passed, 1 failed" | tee "$RESULTS/summary.txt"
  exit 1
fi

# The console suite needs a browser; without one it fails and says why.
bash scripts/ensure-chromium.sh || true

status=0
echo "== suite on SQLite"
env -u TEST_DATABASE_URL npx jest --runInBand --forceExit --json --outputFile="$RESULTS/sqlite.json" || status=1

echo "== suite on PostgreSQL"
db="taskgate_test_$(date +%s)_$$"
pg_base=${PG_URL%/*}
if node scripts/pg-database.js create "$PG_URL" "$db"; then
  TEST_DATABASE_URL="$pg_base/$db" npx jest --runInBand --forceExit --json --outputFile="$RESULTS/postgres.json" || status=1
  node scripts/pg-database.js drop "$PG_URL" "$db" || true
else
  echo "could not create PostgreSQL database $db on $PG_URL" >&2
  status=1
  echo '{"numPassedTests":0,"numFailedTests":1,"numRuntimeErrorTestSuites":0}' > "$RESULTS/postgres.json"
fi

summary
line=$(cat "$RESULTS/summary.txt")
[[ $status -eq 0 && $line == *" 0 failed" ]] || exit 1
