"""How offices tell the apps above them that working calendars or SLA policies changed, without importing them.

An app that keeps moments computed from an office's calendar (sla: the deadlines of running targets) registers
a listener in its ``AppConfig.ready``; every service that changes hours, closed dates, special hours, reopened
dates, typology-independent calendar facts or a policy calls ``calendars_changed``. Listeners run after commit
(through ``common.aftercommit``), so a rolled-back change moves nothing.
"""

from collections.abc import Callable, Iterable

from common.aftercommit import on_commit

CalendarListener = Callable[[list[int] | None], object]
_listeners: dict[str, CalendarListener] = {}


def on_calendars_changed(name: str, listener: CalendarListener) -> None:
    """Register ``listener(office_ids)`` under ``name`` (``None`` = every office). A name registers once."""
    if name in _listeners and _listeners[name] is not listener:
        raise ValueError(f"a calendar listener named {name!r} is already registered")
    _listeners[name] = listener


def calendars_changed(*, office_ids: Iterable[int] | None) -> None:
    """The calendars (or SLA policies) of these offices changed; ``None`` when a national date changed."""
    ids = None if office_ids is None else sorted({int(pk) for pk in office_ids})
    if ids == []:
        return
    for name, listener in list(_listeners.items()):
        on_commit(lambda listener=listener: listener(ids), what=f"calendars_changed:{name}")
