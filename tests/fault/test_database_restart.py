"""PostgreSQL restarting under load: bench/dbfault.py, run in the suite where it can run.

The script starts a cluster of its own on 127.0.0.1 (initdb, pg_ctl: Debian's PostgreSQL
programs), serves Code Monitor with gunicorn and runs `manage.py worker` against it, and
restarts the cluster three times (fast, immediate, stopped for 3 s) while respondents autosave,
then once more with no load. It exits 0 only if no acknowledged save was lost, nothing answered
500, the worker is alive and still sends email after each restart, and the first requests after
the idle restart all succeeded. Its waits for the restarts are the test's subject; each has a
deadline, and the load is bounded (`--max-seconds`, `--max-requests`). Deselect with
`-m "not fault"`. It runs in the suite's PostgreSQL pass (`.ci/run`), not the SQLite one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.test_settings import ROOT

pytestmark = pytest.mark.fault


def test_nothing_is_lost_when_postgresql_restarts_under_load() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # Its own cluster is independent of the suite's database: once per CI run is enough,
        # and the SQLite pass stays the quick one.
        pytest.skip("runs in the PostgreSQL pass of the suite; or run bench/dbfault.py")
    result = subprocess.run(
        [sys.executable, "bench/dbfault.py", "--max-seconds", "45", "--max-requests", "4000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if result.returncode == 77:  # the script's answer when there is no PostgreSQL to start
        pytest.skip(result.stderr.strip() or "no PostgreSQL programs (initdb, pg_ctl)")
    print(result.stdout)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
    assert "lost: 0" in result.stdout
