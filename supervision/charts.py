"""Geometry of the report's charts, drawn as server-side SVG by the templates (no script, no inline style: the
Content-Security-Policy forbids both). Each chart is shown with a table of the same numbers beside it."""

from datetime import date

from django.utils.html import format_html
from django.utils.safestring import mark_safe

WIDTH = 640
BAR_AREA = 160


def bars(items: list[dict], *, value: str = "count", label: str = "label", width: int = WIDTH) -> dict:
    """Horizontal bars: one row per item, the longest the largest value."""
    peak = max((item[value] or 0 for item in items), default=0)
    row_height, label_width = 22, 220
    rows = []
    for index, item in enumerate(items):
        amount = item[value] or 0
        length = round((width - label_width - 60) * amount / peak) if peak else 0
        rows.append(
            {
                "y": index * row_height,
                "text_y": index * row_height + 15,
                "length": max(length, 1 if amount else 0),
                "label": item[label],
                "value": amount,
                "value_x": label_width + length + 6,
            }
        )
    return {"rows": rows, "height": max(len(items), 1) * row_height, "width": width, "x": label_width}


def trend(days: list[dict], *, width: int = WIDTH, height: int = BAR_AREA) -> dict:
    """Vertical bars per date: received (the bar), of which breached (the darker part)."""
    peak = max((day["received"] for day in days), default=0)
    step = width / max(len(days), 1)
    columns = []
    for index, day in enumerate(days):
        tall = round(height * day["received"] / peak) if peak else 0
        breached = round(height * day["response_breached"] / peak) if peak else 0
        columns.append(
            {
                "x": round(index * step, 1),
                "w": max(round(step - 1, 1), 1),
                "y": height - tall,
                "h": tall,
                "by": height - breached,
                "bh": breached,
                "day": day["day"],
                "received": day["received"],
                "breached": day["response_breached"],
                "tick": len(days) <= 31 or day["day"].day == 1 or index == 0,
            }
        )
    return {"columns": columns, "width": width, "height": height, "peak": peak}


WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def heatmap(cells: dict, peak: int, *, cell: int = 22, link=None) -> dict:
    """Weekday (rows, Monday first) × hour of day (columns), the darker the more inquiries.

    The 168 cells of the chart and of its table are built here with ``format_html`` (escaped as a template
    escapes, in a fraction of the time); ``link(weekday, hour)`` gives each non-empty cell's drill-down URL.
    """
    rows = []
    size = cell - 2
    rect = '<rect x="{}" y="{}" width="{}" height="{}" class="heat heat-{}"><title>{}:00 · {}</title></rect>'
    for row, weekday in enumerate(WEEKDAYS):
        hours, rects, tds = [], [], []
        y = row * cell
        for hour in range(24):
            count = cells.get((weekday, hour), 0)
            level = 0 if not count else min(5, 1 + (4 * count) // max(peak, 1))
            x = 40 + hour * cell
            hours.append({"hour": hour, "x": x, "count": count, "level": level})
            rects.append(format_html(rect, x, y, size, size, level, hour, count))
            if count and link is not None:
                tds.append(format_html('<td><a href="{}">{}</a></td>', link(weekday, hour), count))
            else:
                tds.append(format_html("<td>{}</td>", count))
        rows.append(
            {
                "weekday": weekday,
                "day": weekday_name(weekday),
                "y": y,
                "label_y": y + 15,
                "hours": hours,
                "svg": mark_safe("".join(rects)),  # noqa: S308 - every part made by format_html
                "cells": mark_safe("".join(tds)),  # noqa: S308 - every part made by format_html
            }
        )
    return {"rows": rows, "width": 40 + 24 * cell, "height": 7 * cell + 20, "cell": size, "axis_y": 7 * cell + 14}


def weekday_name(weekday: int) -> date:
    """A date with that ISO weekday (2024-01-01 was a Monday), for the template's localised |date:"D"."""
    return date(2024, 1, weekday)
