"""The admin of offices, staff and working calendars. Every save and delete goes through ``offices.services``.

The admin is not a second write path: its forms parse and validate input, then call the same services the pages
and commands call, so the audit log, the rules (the officer limit, valid hours) and the recomputation of running
deadlines happen once, whatever the entry. ``ServiceAdmin`` is the base the other apps' admins use too.
"""

from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours
from .selectors import format_intervals, parse_intervals, special_hours_intervals


# --- Admin writes through services -------------------------------------------------------------------------
class ServiceRefused(Exception):
    """A service refused the admin's change; carries the ``ValidationError`` to show on the form."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


@contextmanager
def refusals_shown_on_the_form():
    """Turn a service's refusal (ValidationError, PermissionDenied) into ``ServiceRefused`` for ``ServiceAdmin``."""
    try:
        yield
    except ValidationError as exc:
        raise ServiceRefused(exc) from exc
    except PermissionDenied as exc:
        raise ServiceRefused(ValidationError(str(exc) or _("You may not make this change."))) from exc


def show_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Add ``error`` to ``form``: on its field where the form has one, else as an error of the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def adopt(target, saved) -> None:
    """Give the object the admin built from its form the state of the row a service saved.

    The admin goes on using its own object (for its log entry and the redirect after "save"), so it must carry
    the new primary key.
    """
    target.__dict__.update(saved.__dict__)


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are service calls. Each subclass defines (checked when the class is made):

    - ``service_save(request, obj, form, change)``: write the form through a service; return the saved row (or
      None when ``obj`` itself was saved);
    - ``service_delete(request, objects)``: delete through a service (or refuse with a ValidationError).

    A refusal rolls the admin's whole transaction back (the view runs in one); the page is then built again from
    the same POST with the refusal as a form error, so the admin sees why and nothing was written: never a 500.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [name for name in ("service_save", "service_delete") if not callable(getattr(cls, name, None))]
        if missing:
            raise TypeError(f"{cls.__name__} writes through services: define {', '.join(missing)}")

    def save_model(self, request, obj, form, change):
        with refusals_shown_on_the_form():
            saved = self.service_save(request, obj, form, change)
        if saved is not None and saved is not obj:
            adopt(obj, saved)

    def delete_model(self, request, obj):
        with refusals_shown_on_the_form():
            self.service_delete(request, [obj])

    def delete_queryset(self, request, queryset):
        with refusals_shown_on_the_form():
            self.service_delete(request, list(queryset))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The view's transaction is rolled back: show the same POST again, with the refusal on the form.
            request.service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def full_clean(self):
                super().full_clean()
                if self.is_bound and hasattr(self, "cleaned_data"):
                    show_errors(self, refusal)

        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ServiceRefused as refused:  # a bulk action (delete selected) was refused: nothing was written
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _live_rows(formset):
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


def _is_deleted(form) -> bool:
    return bool(form.cleaned_data and form.cleaned_data.get("DELETE"))


def _note_formset(formset) -> None:
    """What the admin's change message reads from a saved formset (the services did the writing)."""
    formset.new_objects = [f.instance for f in formset.extra_forms if f.has_changed() and not _is_deleted(f)]
    formset.changed_objects = [
        (f.instance, f.changed_data) for f in formset.initial_forms if f.has_changed() and not _is_deleted(f)
    ]
    formset.deleted_objects = [f.instance for f in formset.initial_forms if _is_deleted(f)]


# --- Typologies --------------------------------------------------------------------------------------------
@admin.register(Typology)
class TypologyAdmin(ServiceAdmin):
    list_display = ("name", "officer_limit")
    search_fields = ("name",)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        values = {"name": data["name"], "officer_limit": data["officer_limit"], "description": data["description"]}
        if change:
            return services.typology_update(typology=obj, actor=request.user, **values)
        return services.typology_create(actor=request.user, **values)

    def service_delete(self, request, objects):
        with transaction.atomic():
            for typology in objects:
                services.typology_delete(typology=typology, actor=request.user)


# --- Offices and their inlines -----------------------------------------------------------------------------
def _weekly_rows(formset) -> dict[int, list[tuple]]:
    weekly: dict[int, list[tuple]] = {day: [] for day in range(7)}
    for row in _live_rows(formset):
        if row.get("weekday") is not None and row.get("start") is not None and row.get("end") is not None:
            weekly[row["weekday"]].append((row["start"], row["end"]))
    return weekly


class WeeklyHoursFormSet(forms.BaseInlineFormSet):
    """Overlapping intervals on one weekday would make the calendar invalid: refuse them here."""

    def clean(self):
        super().clean()
        try:
            services.weekly_hours_validate(weekly=_weekly_rows(self))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


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
        error = services.officer_limit_error(office=self.instance, officers_after=officers)
        if error:
            raise forms.ValidationError(error)


class StaffInlineForm(forms.ModelForm):
    def _post_clean(self):
        self.instance.officer_limit_checked_by_form = True  # StaffFormSet counts the officers of the whole form
        super()._post_clean()


class StaffInline(admin.TabularInline):
    model = StaffProfile
    form = StaffInlineForm
    formset = StaffFormSet
    extra = 0
    fields = ("user", "role", "on_duty")
    raw_id_fields = ("user",)


@admin.register(Office)
class OfficeAdmin(ServiceAdmin):
    """An office and, in the same form, its staff, weekly hours and reopened dates.

    On the add page, weekly hours left empty mean the default hours (civil-service hours, or 24/7 for an office
    open around the clock).
    """

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
        if obj is None or obj.pk is None or not obj.typology_id:
            return "-"
        count = getattr(obj, "_officers", None)
        if count is None:
            count = obj.staff.filter(role=Role.OFFICER, user__is_active=True).count()
        return _("%(count)d of %(limit)d officers") % {"count": count, "limit": obj.typology.officer_limit}

    readonly_fields = ("officer_count",)

    def service_save(self, request, obj, form, change):
        # The office and its inlines are written together in save_related, which sees the formsets.
        return None

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        staff, hours, reopened = (by_model.get(model) for model in (StaffProfile, WeeklyHours, ReopenedDate))
        office = form.instance
        data = {name: form.cleaned_data[name] for name in services.OFFICE_FIELDS if name in form.cleaned_data}
        with refusals_shown_on_the_form():
            if change:
                # Staff leaving or changing role first: a new typology is checked against the staffing left.
                assign_officers = self._save_staff(request, office, staff) if staff is not None else []
                services.office_update(office=office, data=data, actor=request.user)
                if hours is not None:
                    services.office_hours_set(office=office, weekly=_weekly_rows(hours), actor=request.user)
            else:
                weekly = _weekly_rows(hours) if hours is not None else {}
                saved = services.office_create(
                    **data, weekly=weekly if any(weekly.values()) else None, actor=request.user
                )
                adopt(office, saved)
                assign_officers = self._save_staff(request, office, staff) if staff is not None else []
            if reopened is not None:
                self._save_reopened(request, office, reopened)
            for assign in assign_officers:
                assign()
        for formset in formsets:
            _note_formset(formset)

    def _save_staff(self, request, office, formset):
        """Remove and re-role staff now; return the officer assignments, to run once the office is saved."""
        later = []
        removed = [f.instance for f in formset.initial_forms if _is_deleted(f)]
        for form in formset.initial_forms:
            if form.has_changed() and not _is_deleted(form) and "user" in form.changed_data:
                removed.append(StaffProfile.objects.get(pk=form.instance.pk))  # another user takes this row
        for profile in removed:
            services.staff_remove(profile=profile, actor=request.user)
        for form in formset.forms:
            if not form.has_changed() or _is_deleted(form):
                continue
            data = form.cleaned_data

            def assign(data=data):
                services.staff_assign(
                    user=data["user"], office=office, role=data["role"], on_duty=data["on_duty"], actor=request.user
                )

            if data["role"] == Role.OFFICER:
                later.append(assign)
            else:
                assign()
        return later

    def _save_reopened(self, request, office, formset):
        deleted = [f.instance for f in formset.initial_forms if _is_deleted(f)]
        if deleted:
            services.reopened_dates_delete(reopened_dates=deleted, actor=request.user)
        for form in formset.forms:
            if not form.has_changed() or _is_deleted(form):
                continue
            services.reopened_date_save(
                reopened=form.instance if form.instance.pk else None,
                office=office,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data.get("reason", ""),
                actor=request.user,
            )

    def service_delete(self, request, objects):
        with transaction.atomic():
            for office in objects:
                services.office_delete(office=office, actor=request.user)


# --- Staff -------------------------------------------------------------------------------------------------
class StaffProfileForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["user", "office", "role", "on_duty", "language"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ServiceAdmin):
    form = StaffProfileForm
    list_display = ("user", "office", "role", "on_duty")
    list_filter = ("role", "on_duty", "office")
    search_fields = ("user__username", "user__first_name", "user__last_name", "office__code", "office__name")
    list_select_related = ("user", "office")
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to its user: give another user a role with a profile of their own.
        return ("user",) if obj is not None else ()

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return services.staff_assign(
            user=data.get("user") or obj.user,
            office=data["office"],
            role=data["role"],
            on_duty=data["on_duty"],
            language=data["language"],
            actor=request.user,
        )

    def service_delete(self, request, objects):
        with transaction.atomic():
            for profile in objects:
                services.staff_remove(profile=profile, actor=request.user)


# --- Closed dates, special hours, reopened dates -----------------------------------------------------------
@admin.register(Holiday)
class HolidayAdmin(ServiceAdmin):
    list_display = ("date", "name", "category", "office", "source", "estimated")
    list_filter = ("category", "source", "estimated", "office")
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("office",)
    readonly_fields = ("source",)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return services.holiday_save(
            holiday=obj if change else None,
            office=data["office"],
            date=data["date"],
            name=data["name"],
            category=data["category"],
            estimated=data["estimated"],
            actor=request.user,
        )

    def service_delete(self, request, objects):
        services.holidays_delete(holidays=objects, actor=request.user)


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
        intervals = {"default": self._intervals("hours")}
        if data.get("friday_hours"):
            intervals["4"] = self._intervals("friday_hours")
        data["intervals"] = intervals
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            try:
                services.special_hours_validate(start_date=start, end_date=end, intervals=intervals)
            except ValidationError as exc:
                show_errors(self, exc)
        return data


@admin.register(SpecialHours)
class SpecialHoursAdmin(ServiceAdmin):
    form = SpecialHoursForm
    list_display = ("name", "start_date", "end_date", "office", "weekdays_only", "hours")
    list_filter = ("office",)
    search_fields = ("name",)
    list_select_related = ("office",)

    @admin.display(description=_("Hours"))
    def hours(self, obj):
        return format_intervals(special_hours_intervals(obj, 0)) or _("closed")

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return services.special_hours_save(
            special=obj if change else None,
            office=data["office"],
            name=data["name"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            weekdays_only=data["weekdays_only"],
            intervals=data["intervals"],
            actor=request.user,
        )

    def service_delete(self, request, objects):
        services.special_hours_delete(specials=objects, actor=request.user)


@admin.register(ReopenedDate)
class ReopenedDateAdmin(ServiceAdmin):
    list_display = ("date", "office", "reason")
    list_filter = ("office",)
    date_hierarchy = "date"
    list_select_related = ("office",)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        return services.reopened_date_save(
            reopened=obj if change else None,
            office=data["office"],
            date=data["date"],
            reason=data["reason"],
            actor=request.user,
        )

    def service_delete(self, request, objects):
        services.reopened_dates_delete(reopened_dates=objects, actor=request.user)


# --- Users: reactivating an officer counts against the office's limit -------------------------------------
class StaffUserChangeForm(UserChangeForm):
    def clean(self):
        data = super().clean()
        if data.get("is_active"):
            error = services.officer_reactivation_error(user=self.instance)
            if error:
                self.add_error("is_active", error)
        return data


class StaffUserAdmin(UserAdmin):
    form = StaffUserChangeForm


if admin.site.is_registered(get_user_model()):
    admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)
