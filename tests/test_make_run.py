"""`make run`'s embedded shape, for real: migrate, demo data, then web + worker + beat on SQLite and a
filesystem broker, in subprocesses; a web-chat message is answered through the API and the worker delivers it,
and the ticket number sent on escalation points the requester at the port it serves on.
"""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url, *, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, json.loads(response.read() or b"null")


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


@pytest.fixture
def embedded_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CELERY_TASK_ALWAYS_EAGER",
            "DJANGO_SETTINGS_MODULE",
            "SITE_URL",
        }
    }
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path / "var"), "PORT": str(free_port())})
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_embedded_shape_serves_answers_and_stops_on_ctrl_c(embedded_env):
    manage(embedded_env, "migrate", "--noinput")
    first = manage(embedded_env, "load_demo").stdout
    again = manage(embedded_env, "load_demo").stdout
    assert "0 inquiries added" not in first and "0 inquiries added" in again
    token = manage(embedded_env, "drf_create_token", "petugas1.soetta").stdout.split()[2]

    base = f"http://127.0.0.1:{embedded_env['PORT']}"
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "scripts/run_embedded.py"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: call(f"{base}/healthz")[0] == 200, 60), "web server did not come up"
        _, session = call(f"{base}/api/v1/webchat/sessions/", method="POST", body={"office": "050100"})
        visitor = {"X-Webchat-Token": session["token"]}
        call(f"{base}/api/v1/webchat/messages/", method="POST", body={"text": "Halo dari tes"}, headers=visitor)

        officer = {"Authorization": f"Token {token}"}
        _, listing = call(f"{base}/api/v1/inquiries/?channel=webchat&page_size=200", headers=officer)
        inquiry = next(item for item in listing["results"] if item["preview"] == "Halo dari tes")
        status, _ = call(
            f"{base}/api/v1/inquiries/{inquiry['id']}/reply/",
            method="POST",
            body={"text": "Jawaban dari petugas", "kind": "answer"},
            headers=officer,
        )
        assert status == 201

        def delivered():
            _, thread = call(f"{base}/api/v1/webchat/messages/", headers=visitor)
            return any(m["from"] == "office" for m in thread["messages"])

        assert wait_for(delivered, 60), "the worker did not deliver the reply"

        # Escalated: the ticket-number message tells the requester to look it up here, on this port.
        _, units = call(f"{base}/api/v1/units/?office=050100", headers=officer)
        status, _ = call(
            f"{base}/api/v1/inquiries/{inquiry['id']}/escalate/",
            method="POST",
            body={"unit": units[0]["id"], "summary": "Perlu jawaban unit"},
            headers=officer,
        )
        assert status == 201

        def ticket_number_sent():
            _, thread = call(f"{base}/api/v1/webchat/messages/", headers=visitor)
            return [m["text"] for m in thread["messages"] if "BC-050100-" in m["text"]]

        assert wait_for(ticket_number_sent, 60), "the worker did not deliver the ticket number"
        assert f"{base}/tiket/" in ticket_number_sent()[0]
    finally:
        runner.send_signal(signal.SIGINT)
        try:
            output, _ = runner.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)
            raise
    assert runner.returncode == 0, output
    assert "http://127.0.0.1:" in output and "petugas1.soetta" in output
    # Nothing of it is left running.
    left = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(runner.pid)], capture_output=True, text=True)
    assert [line for line in left.stdout.splitlines() if " Z" not in line] == []


def load_runner():
    spec = importlib.util.spec_from_file_location("run_embedded", ROOT / "scripts" / "run_embedded.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_links_to_requesters_follow_the_port_served_unless_site_url_is_set(tmp_path):
    runner = load_runner()
    no_file = tmp_path / "missing.env"
    assert runner.child_environment({}, port="8801", dot_env=no_file)["SITE_URL"] == "http://127.0.0.1:8801"
    given = {"SITE_URL": "https://helpdesk.example.go.id"}
    assert runner.child_environment(given, port="8801", dot_env=no_file)["SITE_URL"] == given["SITE_URL"]
    # A SITE_URL in .env is the user's too: settings read it, the runner does not hide it behind the port.
    dot_env = tmp_path / ".env"
    dot_env.write_text("DEBUG=1\nSITE_URL=https://demo.example.go.id\n")
    assert "SITE_URL" not in runner.child_environment({}, port="8801", dot_env=dot_env)


def test_make_run_writes_a_development_env_before_its_first_manage_py_command():
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S607
    lines = dry_run.stdout.splitlines()
    writes = next(i for i, line in enumerate(lines) if "scripts/dev_env.py" in line)
    first_manage = next(i for i, line in enumerate(lines) if "manage.py" in line)
    assert writes < first_manage
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)  # noqa: S607
    assert ignored.returncode == 0, ".env must be git-ignored"
