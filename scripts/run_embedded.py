"""Run the embedded shape: the web server, a Celery worker and Celery beat, on SQLite and a filesystem broker.

Used by `make run`. Ctrl-C stops all three.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def dot_env_names(path: Path) -> set[str]:
    """The variables a `.env` file sets (settings read it too; a value there is the user's choice)."""
    if not path.is_file():
        return set()
    pattern = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
    return {m.group(1) for m in map(pattern.match, path.read_text(encoding="utf-8").splitlines()) if m}


def child_environment(environment: dict[str, str], *, port: str, dot_env: Path) -> dict[str, str]:
    """The environment of the web server and the worker: development mode, and links sent to requesters (the
    ticket lookup in the ticket-number message) pointing at the address served here unless SITE_URL is set."""
    env = dict(environment)
    env.setdefault("DEBUG", "1")
    if not env.get("SITE_URL") and "SITE_URL" not in dot_env_names(dot_env):
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    return env


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = child_environment(os.environ, port=port, dot_env=ROOT / ".env")
    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [PYTHON, "-m", "celery", "-A", "helpdesk", "worker", "--beat", "--loglevel=INFO", "--concurrency=2"],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}  # noqa: S603
    site = f"http://127.0.0.1:{port}"
    print(
        f"\n  Helpdesk Bea Cukai is running on {site}/\n"
        f"  Inbox: {site}/inbox/   Tickets: {site}/inbox/tickets/   SLA: {site}/sla/   Admin: {site}/admin/\n"
        f"  Web chat demo: {site}/webchat/demo/   Ticket lookup: {site}/tiket/   API docs: {site}/api/docs/\n"
        "  Logins (password demo-bea-cukai): admin (superuser), petugas1.soetta (officer),\n"
        "  koordinator.soetta, kepala.soetta, kepatuhan.soetta, admin.soetta; same for .priok .makassar .jayapura;\n"
        "  pusat.kepabeanan, pusat.cukai (head-office directorates working escalated tickets). See README.md.\n"
        f"  Links sent to requesters use {env.get('SITE_URL', 'SITE_URL from .env')}.\n"
        "  Ctrl-C stops the web server, the worker and beat.\n",
        flush=True,
    )

    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} stopped with exit code {process.returncode}; stopping the rest.", flush=True)
                code = process.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
