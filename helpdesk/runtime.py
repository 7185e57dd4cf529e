"""Process settings of the production web workers (``helpdesk.wsgi.served``, what ``helpdesk.serve`` loads).

The garbage collector: a worker holds some 150,000 objects from its start (Django, the apps, the URL and
template machinery) that live as long as it does. By default CPython's collector runs its youngest generation
every 700 net new container objects, once or more a page, and now and then the full collection walks all of
those start-up objects, a 50-150 ms pause for the requests of that worker. ``tune_gc`` moves them out of the
collector's view (``gc.freeze``, as CPython's documentation recommends for such servers) and lets the youngest
generation grow to 50,000 objects before it is collected, a few requests' worth: cycles are still collected,
later. Measured on this 2-core machine, interleaved runs: the conversation page at 100k inquiries in process
(bench/inbox.py), p95 34.4-34.8 -> 28.0-29.0 ms in one set, mixed within the machine's noise in another, and the
slowest page of each run always shorter (max 140-190 -> 72-99 ms); through the web server (bench/intake.py) the
slowest webhook of a load 128-140 -> 74-96 ms, p99 and throughput unchanged.

``WEB_GC_TUNING=0`` leaves the collector as CPython sets it.
"""

from __future__ import annotations

import gc

import environ

GC_THRESHOLD = (50_000, 20, 100)  # youngest generation, then how many of its runs before the next one's


def gc_tuning_enabled() -> bool:
    return environ.Env().bool("WEB_GC_TUNING", default=True)


def tune_gc() -> bool:
    """Freeze what the process holds now and raise the youngest generation's threshold; returns whether it did
    (not when ``WEB_GC_TUNING`` is off)."""
    if not gc_tuning_enabled():
        return False
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    return True
