from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from sla.calendar import WorkingCalendar
from sla.services import recompute_after_commit

from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours
from .selectors import format_intervals, parse_intervals, special_hours_intervals


@admin.register(Typology)
class TypologyAdmin(admin.ModelAdmin):
    list_display = ("name", "officer_limit")
    search_fields = ("name",)


def _live_rows(formset):
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class WeeklyHoursFormSet(forms.BaseInlineFormSet):
    """Overlapping intervals on one weekday would make the calendar invalid: refuse them here."""

    def clean(self):
        super().clean()
        weekly = {day: [] for day in range(7)}
        for row in _live_rows(self):
            if row.get("start") is not None and row.get("end") is not None:
                weekly[row["weekday"]].append((row["start"], row["end"]))
        try:
            WorkingCalendar(self.instance.timezone or "UTC", weekly)
        except ValueError as exc:
            raise forms.ValidationError(_("These hours are not valid: %(error)s") % {"error": exc}) from exc


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    formset = WeeklyHoursFormSet
    extra = 0


class ReopenedDateInline(admin.TabularInline):
    model = ReopenedDate
    extra = 0


class StaffFormSet(forms.BaseInlineFormSet):
    """Counts the officers of the whole form, so adding several at once cannot pass the limit."""

    def clean(self):
        super().clean()
        if self.instance is None or not self.instance.typology_id:
            return
        officers = sum(
            1
            for row in _live_rows(self)
            if row.get("role") == Role.OFFICER and row.get("user") is not None and row["user"].is_active
        )
        limit = self.instance.typology.officer_limit
        if officers > limit:
            raise forms.ValidationError(
                _("%(typology)s allows at most %(limit)d officers; this form has %(count)d.")
                % {"typology": self.instance.typology.name, "limit": limit, "count": officers}
            )


class StaffInline(admin.TabularInline):
    model = StaffProfile
    formset = StaffFormSet
    extra = 0
    fields = ("user", "role", "on_duty")
    raw_id_fields = ("user",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "typology", "timezone", "parent", "officer_count", "is_active")
    list_filter = ("kind", "typology", "timezone", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("typology", "parent")
    raw_id_fields = ("parent",)
    inlines = [StaffInline, WeeklyHoursInline, ReopenedDateInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_officers=Count("staff", filter=Q(staff__role=Role.OFFICER, staff__user__is_active=True)))
        )

    @admin.display(description=_("officers"), ordering="_officers")
    def officer_count(self, obj):
        return f"{obj._officers}/{obj.typology.officer_limit}"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Hours, reopened dates or the zone may have changed: running deadlines follow.
        recompute_after_commit([form.instance.pk])


class StaffProfileForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["user", "office", "role", "on_duty", "language"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    form = StaffProfileForm
    list_display = ("user", "office", "role", "on_duty")
    list_filter = ("role", "on_duty", "office")
    search_fields = ("user__username", "user__first_name", "user__last_name", "office__code", "office__name")
    list_select_related = ("user", "office")
    raw_id_fields = ("user",)


class RecomputeOnChangeMixin:
    """Closed dates and special hours move running deadlines: recompute the offices concerned."""

    def _recompute(self, objects):
        office_ids = {obj.office_id for obj in objects}
        recompute_after_commit(None if None in office_ids else office_ids)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._recompute([obj])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._recompute([obj])

    def delete_queryset(self, request, queryset):
        objects = list(queryset)
        super().delete_queryset(request, queryset)
        self._recompute(objects)


@admin.register(Holiday)
class HolidayAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("date", "name", "category", "office", "source", "estimated")
    list_filter = ("category", "source", "estimated", "office")
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("office",)


class SpecialHoursForm(forms.ModelForm):
    hours = forms.CharField(
        label=_("Hours"),
        required=False,
        help_text=_("For example 08:00-15:00 (several: 08:00-12:00, 13:00-15:00). Empty: closed on those dates."),
    )
    friday_hours = forms.CharField(
        label=_("Friday hours"), required=False, help_text=_("Only if Friday differs, e.g. 08:00-15:30.")
    )

    class Meta:
        model = SpecialHours
        fields = ["office", "name", "start_date", "end_date", "weekdays_only"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["hours"].initial = format_intervals(special_hours_intervals(self.instance, 0))
            if "4" in (self.instance.intervals or {}):
                self.fields["friday_hours"].initial = format_intervals(special_hours_intervals(self.instance, 4))

    def _intervals(self, name):
        try:
            return parse_intervals(self.cleaned_data.get(name, ""))
        except ValueError as exc:
            self.add_error(name, str(exc))
            return []

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The range ends before it starts."))
        if start and end and (end - start).days > 366:
            self.add_error("end_date", _("A range covers at most one year."))
        intervals = {"default": [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in self._intervals("hours")]}
        if data.get("friday_hours"):
            intervals["4"] = [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in self._intervals("friday_hours")]
        self.instance.intervals = intervals
        return data


@admin.register(SpecialHours)
class SpecialHoursAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    form = SpecialHoursForm
    list_display = ("name", "start_date", "end_date", "office", "weekdays_only", "hours")
    list_filter = ("office",)
    search_fields = ("name",)
    list_select_related = ("office",)

    @admin.display(description=_("Hours"))
    def hours(self, obj):
        return format_intervals(special_hours_intervals(obj, 0)) or _("closed")


@admin.register(ReopenedDate)
class ReopenedDateAdmin(RecomputeOnChangeMixin, admin.ModelAdmin):
    list_display = ("date", "office", "reason")
    list_filter = ("office",)
    date_hierarchy = "date"
    list_select_related = ("office",)
