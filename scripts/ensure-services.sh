#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer before the tests run.
# Starts them where this machine has them installed but stopped; otherwise says how to start them.
set -u

answers() {  # host port
  python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

wait_for() {  # name port
  for _ in $(seq 1 30); do answers 127.0.0.1 "$2" && return 0; sleep 1; done
  return 1
}

if ! answers 127.0.0.1 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  wait_for postgresql 5432 || {
    echo "PostgreSQL is not answering on 127.0.0.1:5432: start it (e.g. 'docker compose up -d postgres' or your OS service manager) and run make test again." >&2
    exit 1
  }
fi

if ! answers 127.0.0.1 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  wait_for redis 6379 || {
    echo "Redis is not answering on 127.0.0.1:6379: start it (e.g. 'docker compose up -d redis' or 'redis-server --daemonize yes') and run make test again." >&2
    exit 1
  }
fi
echo "PostgreSQL and Redis answer."
