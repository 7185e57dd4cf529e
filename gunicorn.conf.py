"""gunicorn's settings (read from the working directory, /app in the image).

The access log leaves out the query string and the referer: staff searches (a NIK typed in the inbox) and
platform handshakes (Meta's hub.verify_token, X's crc_token) travel in query strings.
"""

import os
import tempfile

# /metrics sums the counters of every worker through this folder (prometheus_client's multiprocess mode); made
# here, in the master before it forks, so every worker has it: a new private folder at each start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="helpdesk-prometheus-")

bind = "0.0.0.0:8000"
# One gthread worker per core (WEB_CONCURRENCY to set another count), 8 threads each, connections kept alive: the
# platforms post webhooks over keep-alive connections, and most of a request's time is spent waiting on PostgreSQL
# and Redis. bench/intake.py on 2 cores: 2 x 8 gthread answered more webhooks per second than 3 or 5 sync workers
# (which close every connection) and than 4 x 2 or 2 x 2 threads, at a lower CPU cost per request.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
keepalive = 5
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
