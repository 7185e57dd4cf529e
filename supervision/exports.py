"""CSV and XLSX of every report and drill-down list: the period, the offices and the generation time head the
file; identifiers in free text are masked as on screen (``tickets.identifiers.mask_text``).

A file is a list of sections (title, header, rows): one CSV with the sections one after another, or one XLSX
with a sheet per section (openpyxl's write-only mode: rows are streamed, not held as cells).
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from offices.selectors import zone_label

# A drill-down export holds this many rows at most (the page says so when a list is longer).
EXPORT_ROW_LIMIT = 50_000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def _cell(value):
    """Spreadsheets run a cell starting with =, +, - or @ as a formula: such text gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def heading(*, title: str, scope, now=None) -> list[list]:
    """The lines that open every file: what, which period, which offices, when generated (in the zone)."""
    now = now or timezone.now()
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(scope.zone))
    if scope.office is not None:
        offices = str(scope.office)
    elif scope.region is not None:
        offices = _("%(region)s and the offices under it") % {"region": scope.region}
    else:
        offices = ", ".join(office.code for office in scope.offices) or "—"
    lines = [
        [_("Report"), title],
        [_("Period"), f"{scope.period.start.isoformat()} – {scope.period.end.isoformat()}"],
        [_("Offices"), offices],
        [_("Generated at"), f"{local:%Y-%m-%d %H:%M} {zone_label(scope.zone)}"],
    ]
    if scope.own_user_id is not None:
        lines.append([_("Figures"), _("your own work only")])
    return lines


def _filename(stem: str, scope, extension: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "report"
    return f"{safe}-{scope.period.start.isoformat()}-{scope.period.end.isoformat()}.{extension}"


def as_csv(lines: list[list], sections: list[Section]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([_cell(value) for value in line])
    for section in sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.header)
        for row in section.rows:
            writer.writerow(["" if value is None else _cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a BOM: spreadsheet programs then read UTF-8


def _sheet_title(title: str, used: set) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28] or "Sheet"
    name, number = base, 2
    while name in used:
        name, number = f"{base[:25]} {number}", number + 1
    used.add(name)
    return name


def as_xlsx(lines: list[list], sections: list[Section]) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    about = book.create_sheet(_sheet_title(_("Report"), used))
    for line in lines:
        about.append([_cell(value) for value in line])
    for section in sections:
        sheet = book.create_sheet(_sheet_title(section.title, used))
        for line in lines:
            sheet.append([_cell(value) for value in line])
        sheet.append([])
        sheet.append(section.header)
        for row in section.rows:
            sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_response(kind: str, *, stem: str, scope, lines: list[list], sections: list[Section]) -> HttpResponse:
    if kind == "xlsx":
        body, content_type, extension = as_xlsx(lines, sections), XLSX_TYPE, "xlsx"
    else:
        body, content_type, extension = as_csv(lines, sections), CSV_TYPE, "csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, scope, extension)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The report's sections ----------------------------------------------------------------------------------
FIGURE_COLUMNS = [  # labels translated when written (gettext at export time)
    ("received", "Received"),
    ("response_met", "Response met"),
    ("response_breached", "Response breached"),
    ("response_running", "Response running"),
    ("not_counted", "Not counted"),
    ("response_met_rate", "Response met rate (%)"),
    ("normal_met_rate", "Normal target met rate (%)"),
    ("late_arrivals", "Late arrivals"),
    ("late_met_rate", "Late-arrival target met rate (%)"),
    ("response_minutes_median", "Median working minutes"),
    ("response_minutes_p90", "90th percentile working minutes"),
    ("response_minutes_mean", "Mean working minutes"),
    ("escalated", "Escalated"),
    ("resolution_met", "Resolution met"),
    ("resolution_breached", "Resolution breached"),
    ("resolution_met_rate", "Resolution met rate (%)"),
]


def figure_header(first: str) -> list[str]:
    return [first] + [_(label) for _key, label in FIGURE_COLUMNS]


def figure_row(first, row: dict) -> list:
    return [first] + [row.get(key) for key, _label in FIGURE_COLUMNS]


def report_sections(report: dict) -> list[Section]:
    total, previous = report["total"], report["previous"]
    sections = [
        Section(
            _("Summary"),
            figure_header(_("Period")),
            [
                figure_row(_("This period"), total),
                figure_row(
                    _("Previous period (%(start)s – %(end)s)")
                    % {"start": report["previous_period"].start, "end": report["previous_period"].end},
                    previous,
                ),
            ],
        )
    ]
    groups = [
        ("by_region", _("By region")),
        ("by_office", _("By office")),
        ("by_channel", _("By channel")),
        ("by_officer", _("By officer")),
        ("by_topic", _("By topic")),
    ]
    for key, title in groups:
        if report[key]:
            sections.append(
                Section(title, figure_header(title), [figure_row(str(row["label"]), row) for row in report[key]])
            )
    sections.append(
        Section(
            _("Response time"),
            [_("Working minutes"), _("Responses")],
            [[b["label"], b["count"]] for b in report["bins"]],
        )
    )
    sections.append(
        Section(
            _("Breaches by cause"), [_("Cause"), _("Breaches")], [[c["label"], c["count"]] for c in report["causes"]]
        )
    )
    cells = report["heatmap"]["cells"]
    sections.append(
        Section(
            _("Received by weekday and hour"),
            [_("Weekday (1 = Monday)")] + [f"{hour:02d}" for hour in range(24)],
            [[weekday] + [cells.get((weekday, hour), 0) for hour in range(24)] for weekday in range(1, 8)],
        )
    )
    sections.append(
        Section(
            _("Trend"),
            [_("Date"), _("Received"), _("Response met"), _("Response breached")],
            [[d["day"].isoformat(), d["received"], d["response_met"], d["response_breached"]] for d in report["trend"]],
        )
    )
    return sections
