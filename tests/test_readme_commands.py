"""What the README tells a newcomer works as written.

- After `make run`, every `python manage.py ...` the README names runs in that checkout with no variable set:
  `make run` writes a development `.env` (scripts/dev_env.py), settings read it. Run here in a temporary copy of
  the checkout, with the `.env` written the way `make run` writes it and its migrate and demo data done first.
- A production start without SECRET_KEY is still refused (no `.env`, DEBUG off), and the test suite's settings
  never read a developer's `.env`.
- The README lists every page a newcomer can open and every demo login that `load_demo` creates.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# The README's placeholders, filled with the demo data's values.
PLACEHOLDERS = {
    "USERNAME": "petugas1.soetta",
    "{meta,whatsapp,telegram,x,webchat}": "webchat",
    "CODE": "050100",
    "SLUG": "web-readme",
    "...": "",
}
# What a command the README names needs to run without a terminal (the README shows it interactive).
NO_TERMINAL = {"createsuperuser": ["--noinput", "--username", "readme.admin", "--email", "readme@example.invalid"]}
# Variables a developer's shell or the test run may hold; the README's commands get none of them.
SCRUBBED = {
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "VAR_DIR",
    "SITE_URL",
    "READ_DOT_ENV_FILE",
    "SECURE_SSL_REDIRECT",
}
COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "var", ".env", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
    ".import_linter_cache", "control", "screenshots", "staticfiles",
)  # fmt: skip


def readme_manage_commands() -> list[list[str]]:
    """Every `python manage.py ...` in the README's inline code, as argv after `manage.py`, placeholders filled."""
    commands = []
    for code in re.findall(r"`([^`\n]*manage\.py [^`\n]*)`", README):
        words = code.split("manage.py", 1)[1].strip()
        for placeholder, value in PLACEHOLDERS.items():
            words = words.replace(placeholder, value)
        argv = shlex.split(words)
        unfilled = [word for word in argv if re.fullmatch(r"[A-Z_]{2,}|\{.*\}", word)]
        assert unfilled == [], f"README command {code!r}: add a value for {unfilled} to PLACEHOLDERS"
        commands.append(argv + NO_TERMINAL.get(argv[0], []))
    return commands


def clean_env() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in SCRUBBED}


def manage(checkout: Path, *args: str, check: bool = True, env: dict | None = None):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=checkout,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of this checkout without its `.env`, `var/` or `.venv` (the interpreter is this one)."""
    copy = tmp_path_factory.mktemp("readme") / "helpdesk"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORED)
    return copy


@pytest.fixture(scope="module")
def after_make_run(checkout):
    """The copy as `make run` leaves it: its `.env` written, migrated, the demo data loaded."""
    subprocess.run([sys.executable, "scripts/dev_env.py"], cwd=checkout, check=True, env=clean_env())  # noqa: S603
    manage(checkout, "migrate", "--noinput")
    manage(checkout, "load_demo")
    return checkout


def test_the_readme_names_the_commands_a_newcomer_needs():
    names = {argv[0] for argv in readme_manage_commands()}
    assert {"createsuperuser", "load_holidays", "channel_account_add", "drf_create_token"} <= names


def test_after_make_run_every_manage_py_command_of_the_readme_works_with_no_variable_set(after_make_run):
    for argv in readme_manage_commands():
        manage(after_make_run, *argv)
    token = manage(after_make_run, "drf_create_token", "petugas1.soetta").stdout
    assert re.search(r"\b[0-9a-f]{40}\b", token)


def test_make_runs_env_is_for_development_with_its_own_strong_key(after_make_run):
    values = dict(
        line.split("=", 1) for line in (after_make_run / ".env").read_text().splitlines() if "=" in line
    )  # fmt: skip
    assert values["DEBUG"] == "1"
    assert len(values["SECRET_KEY"]) >= 50 and not values["SECRET_KEY"].startswith("django-insecure")
    before = (after_make_run / ".env").read_text()
    subprocess.run([sys.executable, "scripts/dev_env.py"], cwd=after_make_run, check=True, env=clean_env())  # noqa: S603
    assert (after_make_run / ".env").read_text() == before, "a second `make run` keeps the .env"


def test_without_env_file_a_start_without_secret_key_is_refused(checkout, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(checkout, bare, ignore=shutil.ignore_patterns(".env", "var"))
    refused = manage(bare, "check", check=False)
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr


def test_read_dot_env_file_0_ignores_the_env_file(after_make_run):
    refused = manage(after_make_run, "check", check=False, env={**clean_env(), "READ_DOT_ENV_FILE": "0"})
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr


def test_the_test_settings_never_read_a_developers_env(after_make_run):
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=after_make_run,
        env={**clean_env(), "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_this_test_run_has_debug_off():
    from django.conf import settings

    assert settings.DEBUG is False


# --- Pages and logins -------------------------------------------------------------------------------------

PAGES = [
    "/inbox/",
    "/inbox/tickets/",
    "/inbox/knowledge/",
    "/sla/",
    "/notifications/",
    "/tiket/",
    "/webchat/demo/",
    "/admin/",
    "/api/docs/",
    "/healthz",
]


def test_the_readme_lists_every_page_a_newcomer_can_open():
    from django.urls import resolve

    for page in PAGES:
        resolve(page)  # the page exists
        assert f"`{page}`" in README, f"README does not list {page}"


@pytest.mark.django_db
def test_the_readme_lists_every_demo_login(django_user_model):
    from django.core.management import call_command

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    logins = README.split("Demo logins", 1)[1].split("\n\n", 2)[1]
    offices = re.findall(r"`\.(\w+)`", logins) + ["soetta"]
    for username in django_user_model.objects.values_list("username", flat=True):
        person, _dot, office = username.partition(".")
        listed = f"`{username}`" in logins or (office in offices and f"`{person}.soetta`" in logins)
        assert listed, f"README's demo logins do not list {username}"


def test_the_favicon_is_served_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file, served from our origin (the CSP allows no inline data)
