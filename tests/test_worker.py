"""A real Celery worker, fed through a real Redis broker, delivers a reply and meets the target."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from channels_intake.models import OutboundMessage
from helpdesk.celery import app
from tests import factories
from tests.conftest import close_worker_connections
from tickets.inquiries import inbound_message_receive
from tickets.models import TargetStatus
from tickets.replies import reply_send


@pytest.fixture
def redis_app(redis_url):
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(broker_url=redis_url, task_always_eager=False, broker_transport_options={})
    app._pool = None
    yield app
    close_worker_connections()
    app.conf.update(saved)
    app._pool = None


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_reply_through_redis(redis_app):
    from channels_intake.adapters import InboundMessage

    office = factories.OfficeFactory()
    officer = factories.StaffFactory(office=office).user
    account = factories.ChannelAccountFactory(office=office, kind="webchat")
    stored = inbound_message_receive(
        account=account,
        message=InboundMessage(
            dedupe_key="m1",
            sender_id="visitor",
            sender_name="Visitor",
            text="Halo",
            sent_at=None,
            recipient_id="",
            channel="webchat",
        ),
    )
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        reply_send(inquiry=stored.inquiry, author=officer, text="Jawaban", kind="answer")
        assert wait_for(lambda: OutboundMessage.objects.filter(status="sent").exists())

    inquiry = stored.inquiry
    inquiry.refresh_from_db()
    assert inquiry.response_met_at is not None
    assert inquiry.response_status in (TargetStatus.MET, TargetStatus.BREACHED)


def test_the_worker_runs_below_the_webs_cpu_priority(tmp_path):
    """``celery worker`` as docker-compose and ``make run`` start it: its main process and the pool's children
    run WORKER_NICE steps below the priority they were started with (the web keeps its own)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        READ_DOT_ENV_FILE="0",
        SECRET_KEY="worker-nice-test-Qv7sK2pX9mL4nB8rT1wY6cZ3hJ5dF0gA-not-for-production",
        VAR_DIR=str(tmp_path),  # a filesystem broker and a SQLite file of its own: no service needed
        CELERY_TASK_ALWAYS_EAGER="0",
        WORKER_NICE="7",
    )
    log = tmp_path / "worker.log"
    args = [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool", "prefork", "--concurrency", "1"]
    args += ["-l", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(args, cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)  # noqa: S603
    started = os.getpriority(os.PRIO_PROCESS, 0)

    def children() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == process.pid:
                    found.append(int(entry.name))
        return found

    try:
        ready = wait_for(lambda: process.poll() is not None or ("ready." in log.read_text() and children()), 60)
        assert ready and process.poll() is None, log.read_text(errors="replace")[-3000:]
        expected = min(19, started + 7)
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == expected
        assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in children()] == [expected]
        assert os.getpriority(os.PRIO_PROCESS, 0) == started  # this process (the web's stand-in) is left alone
    finally:
        process.terminate()
        process.wait(30)
