"""Offices, their typology and staffing, staff roles, and each office's working calendar."""

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

OFFICE_CODE_VALIDATOR = RegexValidator(r"^\d{6}$", _("An office code is exactly 6 digits."))


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value}) from exc


# Indonesia's zones first (DOMAIN.md: per office, not per region), with the names people use for them.
INDONESIAN_ZONES = (
    ("Asia/Jakarta", "WIB"),
    ("Asia/Pontianak", "WIB"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
)


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone for the office form: Indonesia's first (with WIB / WITA / WIT), then the rest A–Z."""
    ours = [(zone, f"{zone} ({label})") for zone, label in INDONESIAN_ZONES]
    rest = sorted(zoneinfo.available_timezones() - {zone for zone, _label in INDONESIAN_ZONES})
    return ours + [(zone, zone) for zone in rest]


class Typology(models.Model):
    """A kind of office (KPU, KPPBC Madya Pabean, TMP A...) and how many officers it may staff."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    officer_limit = models.PositiveSmallIntegerField(
        _("officer limit"),
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("At most this many officers answer inquiries in an office of this typology (1 to 6)."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("typology")
        verbose_name_plural = _("typologies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(officer_limit__gte=1, officer_limit__lte=6), name="typology_officer_limit_1_6"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse lowering the limit below the active officers of one of its offices (the rule of services)."""
        if not self.pk or self.officer_limit is None:
            return
        stored = Typology.objects.filter(pk=self.pk).values_list("officer_limit", flat=True).first()
        if stored is None or self.officer_limit >= stored:
            return
        from .services import typology_limit_error  # deferred: offices.services imports this module

        error = typology_limit_error(typology=self, officer_limit=self.officer_limit)
        if error:
            raise ValidationError({"officer_limit": error})


class Office(models.Model):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head", _("Head office")
        REGIONAL = "regional", _("Regional office (Kanwil)")
        KPU = "kpu", _("Main service office (KPU)")
        KPPBC = "kppbc", _("Supervision and service office (KPPBC)")

    code = models.CharField(_("office code"), max_length=6, unique=True, validators=[OFFICE_CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.KPPBC)
    typology = models.ForeignKey(Typology, verbose_name=_("typology"), on_delete=models.PROTECT)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Jakarta", choices=timezone_choices, validators=[validate_timezone]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("regional office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    always_open = models.BooleanField(_("open 24/7"), default=False)
    auto_assign = models.BooleanField(_("auto-assign new inquiries"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^\d{6}$"), name="office_code_6_digits")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # The admin's office form counts the officers of its staff rows against the new typology (StaffFormSet).
    officer_limit_checked_by_form = False

    def clean(self) -> None:
        """Refuse a typology whose officer limit is below the office's active officers (the rule of services)."""
        if not self.pk or not self.typology_id or self.officer_limit_checked_by_form:
            return
        if Office.objects.filter(pk=self.pk, typology_id=self.typology_id).exists():
            return
        from .services import officer_limit_error  # deferred: offices.services imports this module

        officers = StaffProfile.objects.filter(office_id=self.pk, role=Role.OFFICER, user__is_active=True)
        error = officer_limit_error(office=self, officers_after=officers.count())
        if error:
            raise ValidationError({"typology": error})


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    COORDINATOR = "coordinator", _("Coordinator")
    SUPERVISOR = "supervisor", _("Supervisor")
    HEAD = "head", _("Head of office")
    COMPLIANCE = "compliance", _("Internal compliance")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff"
    )
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.OFFICER)
    on_duty = models.BooleanField(_("on duty"), default=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="id")

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["office__code", "role", "user__username"]
        indexes = [models.Index(fields=["office", "role"], name="staff_office_role_idx")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()}, {self.office.code})"

    # A form that checks the officer limit for all its rows at once (the office admin's staff inline) sets this,
    # so each row does not repeat the whole form's error with its own partial count.
    officer_limit_checked_by_form = False

    def clean(self) -> None:
        """Refuse placing an officer in an office already at its typology's limit (the rule of services)."""
        if self.role != Role.OFFICER or not self.office_id or self.officer_limit_checked_by_form:
            return
        stored = StaffProfile.objects.filter(pk=self.pk).values_list("office_id", "role").first() if self.pk else None
        if stored == (self.office_id, Role.OFFICER):
            return  # already an officer there: a typology change is checked by office_update
        # Deferred import: offices.services imports this module; the rule is written once, there.
        from .services import officer_limit_error

        error = officer_limit_error(office=self.office, exclude_profile_id=self.pk)
        if error:
            raise ValidationError({"role": error})


# --- Working calendar ---------------------------------------------------------------------------------------
class WeeklyHours(models.Model):
    """One working interval of one weekday, in the office's local time. End 00:00 = end of the day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"), help_text=_("00:00 means the end of the day."))

    class Meta:
        verbose_name = _("weekly working hours")
        verbose_name_plural = _("weekly working hours")
        ordering = ["office", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.end != time(0) and self.end <= self.start:
            raise ValidationError(_("The end must be after the start (00:00 = end of the day)."))


class Holiday(models.Model):
    """A closed date: a public holiday or joint-leave day (national), or a closure an admin adds."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("Holiday calendar")
        ADMIN = "admin", _("Added by an admin")

    class Category(models.TextChoices):
        PUBLIC = "public", _("Public holiday")
        GOVERNMENT = "government", _("Joint leave (cuti bersama)")
        CLOSURE = "closure", _("Office closure")

    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holidays",
        help_text=_("Empty: every office."),
    )
    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    estimated = models.BooleanField(_("estimated date"), default=False)

    class Meta:
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "name"], condition=Q(office__isnull=True), name="holiday_national_unique"
            ),
            models.UniqueConstraint(fields=["office", "date", "name"], name="holiday_office_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ReopenedDate(models.Model):
    """A closed date on which one office works its weekly hours anyway (a picket office on cuti bersama)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="reopened_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reopened date")
        verbose_name_plural = _("reopened dates")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="reopened_office_date_unique")]

    def __str__(self) -> str:
        return f"{self.office.code} {self.date}"


class SpecialHours(models.Model):
    """Own hours for a date range (Ramadan hours in one step); no interval closes those dates."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="special_hours",
        help_text=_("Empty: every office."),
    )
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until (inclusive)"))
    weekdays_only = models.BooleanField(
        _("working weekdays only"),
        default=True,
        help_text=_("Apply only to dates that would otherwise be working dates."),
    )
    # [["08:00", "15:00"], ...] for Monday..Thursday, Friday may differ: {"default": [...], "4": [...]}
    intervals = models.JSONField(_("intervals"), default=dict)

    class Meta:
        verbose_name = _("special hours")
        verbose_name_plural = _("special hours")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="special_range_order")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date}–{self.end_date}"
