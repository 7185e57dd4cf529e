"""Private services for fault tests: a PostgreSQL cluster and a redis-server of the test's own, on free ports
under a temporary folder, and the app's own processes (the web server, a Celery worker) pointed at them. Stopping
them never disturbs CI's shared PostgreSQL and Redis."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def postgres_available() -> tuple[bool, str]:
    if not (_binary("initdb") and _binary("pg_ctl")):
        return False, "initdb / pg_ctl not found: no private PostgreSQL cluster"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return False, "running as root without runuser: initdb refuses root"
    return True, ""


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class PrivatePostgres:
    """initdb + pg_ctl on a free port; trust auth for user postgres on 127.0.0.1 only."""

    def __init__(self):
        # Its own folder directly under the temporary directory: pytest's folders are private to root, and the
        # server runs as the postgres user when the tests run as root (initdb refuses root).
        self.base = Path(tempfile.mkdtemp(prefix="helpdesk-faults-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            [*self.as_postgres, _binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            [
                *self.as_postgres,
                shutil.which("psql") or "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                "CREATE DATABASE helpdesk",
            ],
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/helpdesk"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [
                *self.as_postgres,
                _binary("pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.base / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [*self.as_postgres, _binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            check=False,
            capture_output=True,
        )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_answers(self.port), 20, "redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def app_env(database_url: str, broker_url: str, **extra) -> dict:
    """The production settings (DEBUG off) on the private services, with plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "READ_DOT_ENV_FILE": "0",
            "DEBUG": "0",
            "SECRET_KEY": "faults-only-Qv7sK2pX9mL4nB8rT1wY6cZ3hJ5dF0gA-not-for-production",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_PROXY_SSL_HEADER": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "LOG_FORMAT": "plain",
            **extra,
        }
    )
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class AppProcess:
    """One of the app's processes (the web server or a Celery worker), its output in a file for the assertions."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)

    def tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:]


def web_server(env: dict, log: Path) -> tuple[AppProcess, str]:
    """The production web server (``python -m helpdesk.serve``: Granian, 2 workers) on a free loopback port."""
    port = free_port()
    process = AppProcess(
        [sys.executable, "-m", "helpdesk.serve"],
        {**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        log,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: port_answers(port), 60, f"the web server ({process.tail()})")
    return process, base


def worker(env: dict, log: Path) -> AppProcess:
    return AppProcess(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        log,
    )


def get(url: str, **kwargs):
    try:
        return requests.get(url, timeout=10, **kwargs)
    except requests.RequestException:
        return None


# --- The one office every fault test sets up -------------------------------------------------------------------
TELEGRAM_SECRET = "faults-secret-tg"
SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from offices.models import Office, Role, StaffProfile, Typology
typology = Typology.objects.create(name="KPU", officer_limit=6)
office = Office.objects.create(code="050100", name="KPU Soekarno-Hatta", typology=typology, always_open=True)
user = get_user_model().objects.create_user("petugas.faults", password="pw-faults-123456")
StaffProfile.objects.create(user=user, office=office, role=Role.OFFICER)
print("TOKEN=" + Token.objects.create(user=user).key)
"""


def prepare(env: dict, *, webchat: bool = False) -> str:
    """Migrate the private database, create the office (24/7), an officer and a Telegram account (slug
    tg-faults), and a web-chat account if asked; returns the officer's API token."""
    manage(env, "migrate", "--noinput")
    token = manage(env, "shell", "-c", SETUP).split("TOKEN=")[1].strip()
    account = ["--office", "050100", "--secret", TELEGRAM_SECRET, "--access-token", "123456:faults-bot-token"]
    manage(env, "channel_account_add", "--kind", "telegram", "--slug", "tg-faults", *account)
    if webchat:
        manage(env, "channel_account_add", "--kind", "webchat", "--office", "050100", "--slug", "wc-faults")
    return token


def beat(env: dict, folder: Path) -> AppProcess:
    return AppProcess(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "beat",
            "--loglevel",
            "INFO",
            "-s",
            str(folder / "beat-schedule"),
        ],
        env,
        folder / "beat.log",
    )


def query(url: str, sql: str, params: list | None = None) -> list[tuple]:
    """Rows read straight from the private database (not through the test's own connection); a statement that
    returns none (an INSERT) is committed and gives []."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
