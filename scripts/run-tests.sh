#!/usr/bin/env bash
# `make test`: start the embedded broker unless a cluster is configured, run every test,
# stop what was started.
set -euo pipefail
cd "$(dirname "$0")/.."
NF=.venv/bin/newsflow
started=0
cleanup() { if [ "$started" = 1 ]; then "$NF" kafka stop || true; fi; }
trap cleanup EXIT
if [ -z "${NEWSFLOW_KAFKA_BOOTSTRAP:-}" ] && ! "$NF" kafka status >/dev/null; then
  "$NF" kafka start
  started=1
fi
.venv/bin/pytest "$@"
