"""The daily report summary: what the roll-ups (a region, the head office) read instead of every inquiry.

Grain: one office's local date × channel account (``topic`` NULL: every inquiry of that account that day) and
× topic (``topic`` set: the tagged ones, an inquiry with two topics in both rows, as the live report counts them).
``DayFigures`` holds the counts of every report figure, the sum of the working seconds to answer and, on the
topic-less rows, the received per local hour; ``DayMinutes`` the histogram of the delivered responses' working
minutes (rounded to the nearest minute) from which the median and the 90th percentile are computed in SQL.
``SummaryDay`` says which office-days are built (and when); ``SummaryChange`` is the queue of changed
inquiries, written by database triggers on ``tickets_inquiry`` and its topics (migration 0001), so every write
path (``save()``, ``queryset.update()``, raw SQL) marks its day; ``supervision.reports.refresh_summary`` rebuilds the
marked days and the recent ones. See docs/reports.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The figures counted per row (a subset of supervision.reports.METRICS: the summary stores each as a column).
SUMMARY_COUNTS = (
    "received",
    "response_met",
    "response_breached",
    "response_running",
    "not_counted",
    "normal_met",
    "normal_breached",
    "late_arrivals",
    "late_met",
    "late_breached",
    "escalated",
    "resolution_met",
    "resolution_breached",
    "resolution_running",
    "answered",
    "unanswered_breached",
    "bin_m15",
    "bin_m30",
    "bin_m45",
    "bin_m55",
    "bin_m120",
    "bin_later",
    "cause_response_delivery_failed",
    "cause_response_no_officer",
    "cause_response_assigned_late",
    "cause_response_answered_late",
    "cause_resolution_waiting_at_unit",
    "cause_resolution_delivery_failed",
)
HOURS = tuple(f"h{hour:02d}" for hour in range(24))


class DayFigures(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    account = models.ForeignKey("channels_intake.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("tickets.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    response_seconds_sum = models.BigIntegerField(default=0)
    for _name in SUMMARY_COUNTS + HOURS:
        locals()[_name] = models.PositiveIntegerField(default=0)
    del _name

    class Meta:
        verbose_name = _("daily report figures")
        verbose_name_plural = _("daily report figures")
        indexes = [models.Index(fields=["office", "day"], name="dayfigures_office_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.account_id} {self.topic_id or ''}"


class DayMinutes(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    account = models.ForeignKey("channels_intake.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("tickets.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    minute = models.PositiveIntegerField()
    responses = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("daily response minutes")
        verbose_name_plural = _("daily response minutes")
        # Covering (PostgreSQL): the percentiles' statement reads the index only.
        indexes = [
            models.Index(
                fields=["office", "day"],
                include=["account", "topic", "minute", "responses"],
                name="dayminutes_office_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.minute}: {self.responses}"


class SummaryDay(models.Model):
    """An office's local date whose summary rows are built (none: read live from the inquiries)."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("summarised day")
        verbose_name_plural = _("summarised days")
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="summaryday_office_day_unique")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.built_at:%Y-%m-%d %H:%M}"


class SummaryChange(models.Model):
    """An inquiry changed (inserted, updated, deleted, re-tagged): its office and UTC hour of receipt, written
    by the database triggers. Plain ids (no foreign key): a trigger writes them, the refresh reads and deletes."""

    id = models.BigAutoField(primary_key=True)
    office_id = models.IntegerField()
    received_hour = models.DateTimeField()

    class Meta:
        verbose_name = _("report summary change")
        verbose_name_plural = _("report summary changes")

    def __str__(self) -> str:
        return f"{self.office_id} {self.received_hour:%Y-%m-%d %H}"


class SummaryState(models.Model):
    """One row: when the refresh last finished, and the last UTC date it built the recent days up to."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    recent_through = models.DateField(null=True, blank=True)
    backfilled_from = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("report summary state")
        verbose_name_plural = _("report summary state")

    def __str__(self) -> str:
        return f"refreshed {self.refreshed_at}"
