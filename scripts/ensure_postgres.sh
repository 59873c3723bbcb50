#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite:
# start the local cluster if it is installed but down; install it if it is missing.
set -euo pipefail
HOST=127.0.0.1
PORT=5432

ready() { python3 - "$HOST" "$PORT" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if ready; then echo "PostgreSQL is up on $HOST:$PORT"; exit 0; fi

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing it with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  # A throwaway test server: let the postgres user in over TCP from this machine without a password.
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  done
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
echo "Starting PostgreSQL $version"
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  if ready; then echo "PostgreSQL is up on $HOST:$PORT"; exit 0; fi
  sleep 1
done
echo "PostgreSQL did not come up on $HOST:$PORT" >&2
exit 1
