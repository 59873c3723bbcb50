#!/usr/bin/env bash
# Make sure a Java 17+ runtime is on PATH for local Spark (tests/spark, make demo-spark):
# install Debian's headless OpenJDK 17 with apt-get when it is missing or older.
set -euo pipefail
version() { java -version 2>&1 | sed -n -E '1s/.*version "([0-9]+).*/\1/p'; }
if command -v java >/dev/null 2>&1 && [ "$(version)" -ge 17 ]; then
  echo "Java $(version) is installed"; exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Java 17 is missing: installing openjdk-17-jre-headless with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
java -version
