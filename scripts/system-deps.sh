#!/usr/bin/env bash
# Installs the system packages Newsflow needs when they are missing (Debian/Ubuntu, as root):
# a Java 17 runtime and Maven for the embedded Kafka broker.
set -euo pipefail
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "newsflow: missing ${missing[*]}; install them (Java 17 and Maven) and retry" >&2
  exit 1
fi
echo "installing ${missing[*]} …"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
