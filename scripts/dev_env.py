"""Write the development `.env` beside manage.py, once: DEBUG=1 and a generated SECRET_KEY.

Used by `make run` and `make test` (the Makefile's `dev-env`) before any manage.py command, so that afterwards
every `.venv/bin/python manage.py ...` of the README works in this checkout with no variable set. An existing
`.env` is never changed (it may be a production one copied from `.env.example`). The file is git-ignored; the
test suite never reads it.
"""

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = """\
# Development settings for this checkout, written by `make run` / `make test` once (scripts/dev_env.py).
# Never use it in production: there, set DEBUG=0 and your own SECRET_KEY (see .env.example).
DEBUG=1
SECRET_KEY={key}
"""


def dev_env_write(*, path: Path) -> bool:
    """Write a development `.env` at `path` unless one is there; True if it was written."""
    if path.exists():
        return False
    path.write_text(TEMPLATE.format(key=secrets.token_urlsafe(50)), encoding="utf-8")
    path.chmod(0o600)
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / ".env"
    if dev_env_write(path=path):
        print(f"Wrote {path.name} for development (DEBUG=1, a generated SECRET_KEY).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
