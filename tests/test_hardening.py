"""Hardening: the Content-Security-Policy and pages that need no inline script, HTTPS settings whenever DEBUG is
off, a refused weak SECRET_KEY, staff sessions of a working day, and links from the public only for http(s)."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.e2e.test_officer_flow import TIMEOUT, browser  # noqa: F401 - browser: Debian's chromium via Playwright
from tickets.templatetags.public_links import http_url, public_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE)


# --- Content-Security-Policy -------------------------------------------------------------------------------
def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_policy_without_inline_script_or_eval(client, db):
    directives = policy(client.get("/accounts/login/"))
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in str(directives) and "'unsafe-eval'" not in str(directives)


def test_no_template_has_inline_script_event_attributes_or_inline_style():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text()
        for name, pattern in (("script", INLINE_SCRIPT), ("on…=", EVENT_ATTRIBUTE), ("style", INLINE_STYLE)):
            if pattern.search(source):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_widget_needs_no_eval_and_no_inline_style():
    source = re.sub(r"/\*.*?\*/", "", (ROOT / "static" / "webchat" / "widget.js").read_text(), flags=re.DOTALL)
    assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*[\"']|<style|<script", source)
    assert (ROOT / "static" / "webchat" / "widget.css").exists() and '"widget.css"' in source


@pytest.fixture
def conversation(office, officer):
    inquiry = factories.InquiryFactory(account=factories.ChannelAccountFactory(office=office))
    factories.MessageFactory(
        inquiry=inquiry,
        text="Lihat https://www.beacukai.go.id/faq. Jangan javascript:alert(document.cookie) atau "
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\nbaris kedua <b>tebal</b>",
        attachments=[
            {"kind": "file", "name": "a.pdf", "url": "https://cdn.example.org/a.pdf"},
            {"kind": "file", "name": "x", "url": "javascript:alert(1)"},
            {"kind": "file", "name": "y", "url": " JaVa\tScRiPt:alert(2)"},
            {"kind": "image", "name": "z", "url": "data:image/svg+xml;base64,PHN2Zz4="},
        ],
    )
    return inquiry


def test_the_officers_pages_render_without_inline_script(client, office, officer, conversation):
    client.force_login(officer)
    pages = [
        "/accounts/login/",
        reverse("tickets:inbox"),
        reverse("tickets:conversation", args=[conversation.pk]),
        reverse("tickets:thread", args=[conversation.pk]),
        "/tiket/",
        f"/webchat/demo/?office={office.code}",
        "/sla/",
        "/notifications/",
        "/no-such-page/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not EVENT_ATTRIBUTE.search(html), url
        assert not INLINE_STYLE.search(html), url


# --- Links from the public ---------------------------------------------------------------------------------
def test_only_http_and_https_urls_become_links(client, officer, conversation):
    client.force_login(officer)
    html = client.get(reverse("tickets:conversation", args=[conversation.pk])).content.decode()
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.IGNORECASE)]
    assert "https://www.beacukai.go.id/faq" in hrefs  # the sentence's full stop is not part of the link
    assert "https://cdn.example.org/a.pdf" in hrefs
    assert "javascript:alert(document.cookie)" in html and "<code>javascript:alert(1)</code>" in html
    assert "&lt;b&gt;tebal&lt;/b&gt;" in html and "<br>baris kedua" in html


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://x.go.id/a?b=1", True),
        ("HTTP://x.go.id/", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//evil.example/", False),
        ("/relative", False),
        ("https:///nohost", False),
        ("", False),
        (None, False),
    ],
)
def test_http_url_keeps_only_web_urls(url, linked):
    assert bool(http_url(url)) is linked


def test_public_text_escapes_and_links():
    html = public_text('<img src=x onerror=alert(1)> see (https://a.go.id/x) and "javascript:alert(1)"')
    assert "<img" not in html and "&lt;img" in html
    assert '<a href="https://a.go.id/x" rel="noopener noreferrer nofollow" target="_blank">' in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html


# --- HTTPS and the secret key when DEBUG is off ------------------------------------------------------------
def settings_env(tmp_path, **overrides) -> dict:
    # Without what tests/settings.py puts in this process's environment (plain HTTP for the test client).
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECURE_SSL_REDIRECT"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "VAR_DIR": str(tmp_path / "var"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "helpdesk.example.go.id",
        }
    )
    env.update(overrides)
    return env


def production_settings(tmp_path, **overrides) -> dict:
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REDIRECT_EXEMPT",
        "SESSION_COOKIE_AGE",
        "TRUSTED_PROXY_COUNT",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=settings_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_https_is_on_by_default_whenever_debug_is_off(tmp_path):
    values = production_settings(tmp_path)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]  # the container's own health check, over HTTP
    assert values["SESSION_COOKIE_AGE"] == 9 * 60 * 60 and values["TRUSTED_PROXY_COUNT"] == 0


def test_a_tls_terminating_proxy_can_turn_each_off(tmp_path):
    values = production_settings(
        tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0", SECURE_PROXY_SSL_HEADER="0"
    )
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_check_deploy_prints_no_warning(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=settings_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout
    assert "WARNING" not in result.stderr.upper(), result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-a-long-random-string",  # .env.example's placeholder
        "x" * 49,
        "abcd" * 20,  # long, but four different characters
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
)
def test_a_weak_secret_key_is_refused_at_start_when_debug_is_off(tmp_path, key):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=settings_env(tmp_path, SECRET_KEY=key),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak for DEBUG=0" in result.stderr


def test_development_keeps_its_own_key(tmp_path):
    values = production_settings(tmp_path, DEBUG="1", SECRET_KEY="")
    assert values["SECURE_SSL_REDIRECT"] is False  # make run: plain http://127.0.0.1:8000


# --- Staff sessions ----------------------------------------------------------------------------------------
def test_a_staff_session_lasts_a_working_day(settings, client, officer):
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60
    # Sessions are cached_db: the cached copy expires with the session (its timeout is the session's age), but
    # Redis expires keys by its own clock, which the travelled clock does not move; a local cache follows it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = timezone.now()
    client.force_login(officer)
    with time_machine.travel(start + timedelta(hours=8, minutes=50), tick=False):
        assert client.get(reverse("tickets:inbox")).status_code == 200
    with time_machine.travel(start + timedelta(hours=9, minutes=1), tick=False):
        response = client.get(reverse("tickets:inbox"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_session_length_comes_from_the_environment(tmp_path):
    assert production_settings(tmp_path, STAFF_SESSION_HOURS="4")["SESSION_COOKIE_AGE"] == 4 * 60 * 60


# --- In a real browser -------------------------------------------------------------------------------------
@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_pages_and_the_widget_break_no_policy_in_a_browser(live_server, browser):  # noqa: F811
    # Playwright's sync API runs this body in a greenlet with a database connection of its own; on PostgreSQL the
    # officer-flow test may have left it terminated (close_worker_connections): check it before the first query.
    connection.close_if_unusable_or_obsolete()
    office = factories.OfficeFactory(code="050100")
    factories.ChannelAccountFactory(office=office, kind="webchat")
    officer = factories.StaffFactory(office=office, user__username="petugas.csp").user
    inquiry = factories.InquiryFactory(account=factories.ChannelAccountFactory(office=office, kind="telegram"))
    factories.MessageFactory(inquiry=inquiry, text="Halo https://www.beacukai.go.id/")
    violations = []

    def watch(page):
        page.on(
            "console",
            lambda m: violations.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
        )
        return page

    base = live_server.url
    desk = watch(browser.new_context().new_page())
    desk.goto(f"{base}/accounts/login/?next=/inbox/")
    desk.fill("#id_username", officer.username)
    desk.fill("#id_password", "pw-test-12345")
    desk.locator("button[type=submit].primary").click()
    desk.wait_for_url(re.compile(r"/inbox/"))
    desk.goto(f"{base}/inbox/{inquiry.pk}/")
    desk.locator(".msg a[href='https://www.beacukai.go.id/']").wait_for(timeout=TIMEOUT)
    # The language switch submits itself without an inline handler (static/js/base.js).
    desk.select_option("#lang-select", "en")
    desk.locator("html[lang='en']").wait_for(state="attached", timeout=TIMEOUT)

    visitor = watch(browser.new_context().new_page())
    visitor.goto(f"{base}/webchat/demo/?office={office.code}")
    visitor.locator(".fab").click()
    # The widget's stylesheet applied (from widget.css, not an inline <style>).
    assert visitor.locator(".fab").evaluate("e => getComputedStyle(e).position") == "fixed"
    visitor.locator("#bc-text").fill("Apakah layanan ini gratis?")
    visitor.locator("form.main .send").click()
    visitor.locator(".m.you:not(.pending)").filter(has_text="gratis").wait_for(timeout=TIMEOUT)
    assert violations == []
