"""Run the embedded shape: the web server, a Celery worker and Celery beat, on SQLite and a filesystem broker.

Used by `make run`. Ctrl-C stops all three.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [PYTHON, "-m", "celery", "-A", "helpdesk", "worker", "--beat", "--loglevel=INFO", "--concurrency=2"],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}  # noqa: S603
    print(
        f"\n  Helpdesk Bea Cukai is running on http://127.0.0.1:{port}/\n"
        f"  Web chat demo: http://127.0.0.1:{port}/webchat/demo/   API docs: http://127.0.0.1:{port}/api/docs/\n"
        "  Logins (password demo-bea-cukai): admin (superuser), petugas1.soetta (officer),\n"
        "  koordinator.soetta, kepala.soetta, kepatuhan.soetta, admin.soetta; same for .priok .makassar .jayapura\n"
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
