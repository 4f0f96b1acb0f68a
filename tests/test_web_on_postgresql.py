"""The raw-HTTP tests (tests/web) again, on PostgreSQL, production's database.

They run in a pytest process of their own, because the app under test is one Dash app
per process; this test fails with their output when any of them fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_raw_http_tests_pass_on_postgresql(pg_reason, tmp_path):
    from tests.conftest import IN_CI

    if pg_reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {pg_reason}")
        pytest.skip(f"PostgreSQL not reachable: {pg_reason}")
    env = {**os.environ, "COURT_KPI_TEST_WEB_DB": "postgresql"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "--basetemp", str(tmp_path / "t"), "tests/web"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"tests/web on PostgreSQL: {summary}")
    assert done.returncode == 0, "\n".join(
        line for line in done.stdout.splitlines() if not line.startswith("{"))[-6000:]
    assert " passed" in summary and " failed" not in summary
