#!/usr/bin/env bash
# `make test`: start the embedded broker unless a cluster is configured, run every test,
# stop what was started.
#
# With no arguments the unit suite runs beside the integration suite: the integration tests
# spend most of their time waiting on the broker and on worker processes, the unit tests need
# no broker, so together they take the integration suite's time instead of the sum. The unit
# run's report is printed after the integration run's; the exit status fails if either does.
# With arguments, pytest runs once with them (e.g. one file); TESTS_SERIAL=1 runs the whole
# suite in one pytest, one test after the other (a slower machine, or to rule out the overlap).
set -euo pipefail
cd "$(dirname "$0")/.."
NF=.venv/bin/newsflow
started=0
unit_pid=""
unit_log=""
cleanup() {
  if [ -n "$unit_pid" ]; then kill "$unit_pid" 2>/dev/null || true; fi
  if [ -n "$unit_log" ]; then rm -f "$unit_log"; fi
  if [ "$started" = 1 ]; then "$NF" kafka stop || true; fi
}
trap cleanup EXIT
if [ -z "${NEWSFLOW_KAFKA_BOOTSTRAP:-}" ] && ! "$NF" kafka status >/dev/null; then
  "$NF" kafka start
  started=1
fi
if [ "$#" -gt 0 ] || [ "${TESTS_SERIAL:-0}" = 1 ]; then
  .venv/bin/pytest "$@"
  exit
fi

unit_log=$(mktemp)
# The cache plugin is off in the unit run: two pytest processes would write one cache.
.venv/bin/pytest -p no:cacheprovider tests/unit >"$unit_log" 2>&1 &
unit_pid=$!
integration=0
.venv/bin/pytest tests/integration || integration=$?
unit=0
wait "$unit_pid" || unit=$?
unit_pid=""
echo
echo "================================ unit tests ================================"
cat "$unit_log"
echo "integration tests: exit $integration, unit tests: exit $unit"
if [ "$integration" != 0 ]; then exit "$integration"; fi
exit "$unit"
