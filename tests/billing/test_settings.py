"""The dev gateway is the embedded default's only: never on under production settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_GATEWAYS = "from billing.gateways import gateways_enabled; print(sorted(gateways_enabled()))"


def enabled_gateways(settings_module: str, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIDTRANS_", "XENDIT_", "BILLING_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY="k7#Qv9$wL2@pXz!8mRb4^nT6&yHc3*eJd5%uFg1(aS0)oPi-lK",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/modo",
        REDIS_URL="redis://127.0.0.1:6379/14",
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_GATEWAYS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_has_no_dev_gateway_even_without_keys():
    assert enabled_gateways("modo.settings.production") == "[]"


def test_the_embedded_default_has_only_the_dev_gateway():
    assert enabled_gateways("modo.settings.local") == "['dev']"


def test_setting_gateway_keys_switches_the_dev_gateway_off():
    assert (
        enabled_gateways("modo.settings.local", MIDTRANS_SERVER_KEY="k", XENDIT_SECRET_KEY="x")
        == "['midtrans', 'xendit']"
    )
