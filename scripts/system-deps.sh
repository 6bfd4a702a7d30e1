#!/usr/bin/env bash
# Usage: system-deps.sh run|test. Installs the system packages Newsflow needs when they are missing (Debian/Ubuntu, as root):
# a Java 17 runtime and Maven for the embedded Kafka broker; Prometheus (server and promtool)
# and kcat for the operating and cross-client tests; Chromium for the live page's test.
set -euo pipefail
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ "${1:-run}" = test ]; then
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v kcat >/dev/null || missing+=(kcat)
  command -v chromium >/dev/null || missing+=(chromium)  # the live page's browser test
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "newsflow: missing ${missing[*]}; install them and retry" >&2
  exit 1
fi
echo "installing ${missing[*]} …"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
