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
workers = 3
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
