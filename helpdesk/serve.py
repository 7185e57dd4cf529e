"""The production web server: ``python -m helpdesk.serve`` (the image's command, docker-compose's ``web``).

Granian (a web server written in Rust) serves ``helpdesk.wsgi:application`` over HTTP/1.1 with keep-alive: one
worker process per core, each running the app in a pool of threads (most of a request's time is spent waiting on
PostgreSQL and Redis). bench/intake.py on 2 cores, the same app and load, side by side with gunicorn's gthread
workers (2 x 8 threads, the best gunicorn setup found there): gunicorn spent 0.71 ms of CPU a request on a
trivial app against 0.14 for Granian, and the webhooks were answered 24-54 % faster for a quarter to a third
less web CPU.

Settings (environment):

- ``WEB_BIND`` (default ``0.0.0.0:8000``): the address and port to listen on;
- ``WEB_CONCURRENCY`` (default: one per core): worker processes;
- ``WEB_THREADS`` (default: twice the cores plus one, Granian's own bound): threads per worker that run the app;
- ``WEB_ACCESS_LOG`` (default 1): one line per request on standard output. It leaves out the query string and
  the referer: staff searches (a NIK typed in the inbox) and platform handshakes (Meta's ``hub.verify_token``,
  X's ``crc_token``) travel in query strings;
- ``WEB_GC_TUNING`` (default 1): each worker loads the app through ``helpdesk.wsgi.served``, which freezes the
  objects the worker holds from its start and collects the youngest generation less often (``helpdesk.runtime``);
  0 leaves the collector as CPython sets it.

A worker that dies is started again. ``/metrics`` sums the counters of every worker through
``PROMETHEUS_MULTIPROC_DIR``: made here, before the workers start, as a new private folder unless it is set.
"""

import os
import tempfile

# What the access log writes: the client address, the time, the method, the path without its query string, the
# protocol, the status and the time taken. Granian's atoms; no query_string, no header.
ACCESS_LOG_FORMAT = '%(addr)s [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).0fms'
DEFAULT_BIND = "0.0.0.0:8000"


def default_threads() -> int:
    return 2 * (os.cpu_count() or 2) + 1


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def _bind() -> tuple[str, int]:
    raw = os.environ.get("WEB_BIND", "").strip() or DEFAULT_BIND
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"WEB_BIND must be HOST:PORT (such as {DEFAULT_BIND}), not {raw!r}")
    return host.strip("[]"), int(port)


def server_options() -> dict:
    """Granian's settings from the environment (also read by the tests and bench/intake.py)."""
    host, port = _bind()
    access_log = os.environ.get("WEB_ACCESS_LOG", "1").strip().lower() not in ("0", "false", "no", "off")
    return {
        "target": "helpdesk.wsgi:served",  # a factory: each worker tunes its collector (helpdesk.runtime)
        "factory": True,
        "address": host,
        "port": port,
        "interface": "wsgi",
        "http": "1",  # HTTP/1.1 only: what the platforms and browsers use here (TLS ends at the proxy)
        "websockets": False,
        "workers": _positive("WEB_CONCURRENCY", os.cpu_count() or 2),
        "blocking_threads": _positive("WEB_THREADS", default_threads()),
        "log_access": access_log,
        "log_access_format": ACCESS_LOG_FORMAT,
        "respawn_failed_workers": True,
    }


def main() -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.server import Server

    options = server_options()
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="helpdesk-prometheus-")
    options["interface"] = Interfaces(options["interface"])
    options["http"] = HTTPModes(options["http"])
    Server(**options).serve()


if __name__ == "__main__":
    main()
