"""The analytics benchmark's settings (BENCH_* environment variables); no Django here: they
choose the database before Django starts."""

import os

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modo_bench_analytics")
ORGANIZATIONS = int(os.environ.get("BENCH_ORGANIZATIONS", "1000"))
USAGE_ROWS = int(os.environ.get("BENCH_USAGE_ROWS", "1000000"))
HISTORY_DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "730"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET_MS = float(os.environ.get("BENCH_TARGET_MS", "200"))
FULL_PLANS = os.environ.get("BENCH_PLANS") == "full"
ROLLUPS = os.environ.get("BENCH_ROLLUPS", "on") != "off"
