"""The web workers' garbage collector (helpdesk.runtime): tuned in each worker of the production server through
``helpdesk.wsgi.served`` (Granian's factory), left alone by a plain import (the development server, the tests) and
when ``WEB_GC_TUNING`` is off. Each case runs in a fresh interpreter: the collector is process-wide (this one, the
test runner's, is never tuned, so its thresholds are CPython's defaults)."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk import runtime, serve
from tests.faults.services import app_env

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, json, sys
import helpdesk.wsgi as wsgi
before = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
app = wsgi.served() if sys.argv[1] == "served" else wsgi.application
print(json.dumps({"before": before, "threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "same_app": app is wsgi.application}))
"""


def probe(how: str, tmp_path, **extra) -> dict:
    env = app_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", "", **extra)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE, how], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_worker_of_the_production_server_freezes_its_start_and_collects_less_often(tmp_path):
    seen = probe("served", tmp_path)
    assert seen["before"]["frozen"] == 0 and tuple(seen["before"]["threshold"]) != runtime.GC_THRESHOLD
    assert tuple(seen["threshold"]) == runtime.GC_THRESHOLD
    assert seen["frozen"] > 50_000  # Django and the apps, out of the collector's view
    assert seen["same_app"]


def test_importing_the_application_leaves_the_collector_alone(tmp_path):
    seen = probe("import", tmp_path)
    assert seen["threshold"] == seen["before"]["threshold"] == list(gc.get_threshold()) and seen["frozen"] == 0


@pytest.mark.parametrize("value", ["0", "off", "no", "false"])
def test_web_gc_tuning_off_leaves_the_collector_as_cpython_sets_it(tmp_path, value):
    seen = probe("served", tmp_path, WEB_GC_TUNING=value)
    assert seen["threshold"] == seen["before"]["threshold"] == list(gc.get_threshold()) and seen["frozen"] == 0


def test_the_server_loads_the_app_through_the_factory():
    options = serve.server_options()
    assert options["factory"] is True and options["target"] == "helpdesk.wsgi:served"
