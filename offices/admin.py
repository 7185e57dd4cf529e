"""The admin of offices, staff and working calendars. Every save and delete goes through ``offices.services``.

The admin is not a second write path: its forms parse and validate input, then call the same services the pages
and commands call, so the audit log, the rules (the officer limit, valid hours) and the recomputation of running
deadlines happen once, whatever the entry. ``ServiceAdmin`` is the base the other apps' admins use too.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditEventAdmin
from audit.models import AuditEvent
from audit.services import audit_record

from . import services
from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours
from .reach import offices_in_reach
from .selectors import format_intervals, special_hours_intervals

User = get_user_model()


# --- Who may administer what: the admin's reach -------------------------------------------------------------
@dataclass(frozen=True)
class AdminScope:
    """What the admin site lets one user do, from their role and the one reach rule (``offices.reach``).

    - a superuser: everything;
    - an administrator (``Role.ADMIN``) of the head office: every office, and the national settings
      (typologies, the global SLA policy, national closed dates and special hours, topics);
    - an administrator of a regional office: that office and the offices under it;
    - an administrator of an office: that office;
    - anyone else: nothing (Django's per-user permissions are not used: the role decides).
    """

    superuser: bool = False
    admin: bool = False
    head: bool = False
    office_ids: frozenset[int] | None = frozenset()  # None: every office

    def reaches(self, office_id: int | None) -> bool:
        return office_id is not None and (self.office_ids is None or office_id in self.office_ids)


NO_SCOPE = AdminScope()


def admin_scope(request) -> AdminScope:
    """The scope of the request's user, computed once per request."""
    cached = getattr(request, "_admin_scope", None)
    if cached is not None:
        return cached
    user = request.user
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        scope = NO_SCOPE
    elif user.is_superuser:
        scope = AdminScope(superuser=True, admin=True, head=True, office_ids=None)
    else:
        profile = StaffProfile.objects.filter(user_id=user.pk).select_related("office").first()
        if profile is None or profile.role != Role.ADMIN:
            scope = NO_SCOPE
        elif profile.office.kind == Office.Kind.HEAD_OFFICE:
            scope = AdminScope(admin=True, head=True, office_ids=None)
        else:
            scope = AdminScope(admin=True, office_ids=frozenset(offices_in_reach(user).values_list("pk", flat=True)))
    request._admin_scope = scope
    return scope


def office_id_of(obj, lookup: str) -> int | None:
    """The id of the office a row belongs to, following ``lookup`` ("office", "account__office"; "" = the row)."""
    if not lookup:
        return obj.pk
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


class ReachMixin:
    """Per-office querysets and permissions for a ModelAdmin (put it before ``ServiceAdmin`` in the bases).

    ``office_lookup`` leads from a row to its office; ``national_rows`` says rows without an office exist (a
    national date, the global policy): every administrator may view them when ``national_visible``, only the
    head office changes them. ``admin_may`` lists what administrators may do in their reach (``head_may``: what
    only the head office may do). A row out of reach is a 404, whatever its id.
    """

    office_lookup = "office"
    national_rows = False
    national_visible = True
    admin_may: tuple[str, ...] = ("view", "add", "change", "delete")
    head_may: tuple[str, ...] = ()
    view_on_site = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        if scope.office_ids is None:
            return queryset
        if not scope.admin:
            return queryset.none()
        field = f"{self.office_lookup}__in" if self.office_lookup else "pk__in"
        reach = Q(**{field: scope.office_ids})
        if self.national_rows and self.national_visible:
            reach |= Q(**{f"{self.office_lookup}__isnull": True})
        return queryset.filter(reach)

    def may(self, request, action: str, obj=None) -> bool:
        scope = admin_scope(request)
        if scope.superuser:
            return True
        if not scope.admin:
            return False
        if action in self.head_may:
            allowed = scope.head
        else:
            allowed = action in self.admin_may
        if not allowed or obj is None:
            return allowed
        office_id = office_id_of(obj, self.office_lookup)
        if office_id is None:  # a national row
            return self.national_rows and (scope.head or (action == "view" and self.national_visible))
        return scope.reaches(office_id)

    def has_module_permission(self, request):
        return self.may(request, "view")

    def has_view_permission(self, request, obj=None):
        return self.may(request, "view", obj) or self.may(request, "change", obj)

    def has_add_permission(self, request, *args):
        return self.may(request, "add")

    def has_change_permission(self, request, obj=None):
        return self.may(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.may(request, "delete", obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with "does not exist"; out of reach or absent, an id answers 404.
        if not admin_scope(request).superuser:
            raise Http404(_("No such record."))
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Office and db_field.name == (self.office_lookup or None):
            scope = admin_scope(request)
            kwargs["queryset"] = offices_in_reach(request.user) if scope.admin else Office.objects.none()
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if not scope.head and field is not None:
                field.required = True  # national rows are the head office's
                field.empty_label = None
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SuperuserOnlyMixin:
    """Records no administrator administers (inquiries, messages, delivery logs): superusers only."""

    view_on_site = False

    def has_module_permission(self, request):
        return admin_scope(request).superuser

    def has_view_permission(self, request, obj=None):
        return admin_scope(request).superuser

    def has_add_permission(self, request, *args):
        return admin_scope(request).superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return admin_scope(request).superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return admin_scope(request).superuser and super().has_delete_permission(request, obj)


OFFICE_FILTER = ("office", admin.RelatedOnlyFieldListFilter)


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
        form_class = super().get_form(request, obj, change=change, **kwargs)
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
class TypologyAdmin(ReachMixin, ServiceAdmin):
    """A national setting: the head office only (an office's page shows its typology and limit)."""

    list_display = ("name", "officer_limit")
    search_fields = ("name",)
    office_lookup = ""
    admin_may = ()
    head_may = ("view", "add", "change", "delete")

    def get_queryset(self, request):
        scope = admin_scope(request)
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset if scope.head else queryset.none()

    def may(self, request, action, obj=None):
        return admin_scope(request).head

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
class OfficeInlineMixin:
    """An inline of the office form: whoever may change the office (its administrator) edits these rows."""

    def _may(self, request, obj) -> bool:
        scope = admin_scope(request)
        return scope.superuser or (scope.admin and (obj is None or obj.pk is None or scope.reaches(obj.pk)))

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request, obj):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


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


class WeeklyHoursForm(forms.ModelForm):
    class Meta:
        model = WeeklyHours
        fields = ["weekday", "start", "end"]
        help_texts = {
            "start": _("For example 07:30. A day with a break has two rows: 07:30–12:00 and 13:00–16:00."),
            "end": _("For example 16:00; 00:00 means the end of the day (00:00–00:00: the whole day)."),
        }
        widgets = {
            "start": forms.TimeInput(format="%H:%M", attrs={"placeholder": "07:30", "size": 6}),
            "end": forms.TimeInput(format="%H:%M", attrs={"placeholder": "16:00", "size": 6}),
        }


class WeeklyHoursInline(OfficeInlineMixin, admin.TabularInline):
    model = WeeklyHours
    form = WeeklyHoursForm
    formset = WeeklyHoursFormSet
    extra = 0


class ReopenedDateInline(OfficeInlineMixin, admin.TabularInline):
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


class UserByNameField(forms.ModelChoiceField):
    """A user chosen by their full name (and username, which is unique)."""

    def label_from_instance(self, obj):
        full = obj.get_full_name()
        label = f"{full} ({obj.get_username()})" if full else obj.get_username()
        return label if obj.is_active else f"{label} – {_('inactive')}"


def assignable_users(request):
    """The users an admin may choose in a staff form: the staff of their reach (a superuser: everyone)."""
    scope = admin_scope(request)
    users = User.objects.order_by("first_name", "last_name", "username")
    if scope.superuser:
        return users
    if not scope.admin:
        return users.none()
    users = users.filter(is_superuser=False)
    return users if scope.office_ids is None else users.filter(staff__office_id__in=scope.office_ids)


class StaffInlineForm(forms.ModelForm):
    def _post_clean(self):
        self.instance.officer_limit_checked_by_form = True  # StaffFormSet counts the officers of the whole form
        super()._post_clean()


class StaffInline(OfficeInlineMixin, admin.TabularInline):
    model = StaffProfile
    form = StaffInlineForm
    formset = StaffFormSet
    extra = 0
    fields = ("user", "role", "on_duty", "account_active")
    readonly_fields = ("account_active",)
    verbose_name_plural = _("staff (a new person: “Add staff profile” opens their account)")

    @admin.display(description=_("account active"), boolean=True)
    def account_active(self, obj):
        return obj.user.is_active if obj is not None and obj.user_id else None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            return UserByNameField(queryset=assignable_users(request), label=capfirst(_("user")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OfficeAdminForm(forms.ModelForm):
    def _post_clean(self):
        self.instance.officer_limit_checked_by_form = True  # StaffFormSet counts the staff rows of this form
        super()._post_clean()


@admin.register(Office)
class OfficeAdmin(ReachMixin, ServiceAdmin):
    """An office and, in the same form, its staff, weekly hours and reopened dates.

    On the add page, weekly hours left empty mean the default hours (civil-service hours, or 24/7 for an office
    open around the clock). An office's (or region's) administrator changes its name, zone, 24/7 flag and
    automatic assignment, its staff, hours and reopened dates; its code, kind, typology, regional office and
    whether it is active are the head office's, which also adds and deletes offices.
    """

    form = OfficeAdminForm
    list_display = ("code", "name", "kind", "typology", "timezone", "parent", "officer_count", "is_active")
    list_filter = (
        "kind",
        ("typology", admin.RelatedOnlyFieldListFilter),
        ("timezone", admin.AllValuesFieldListFilter),  # the zones offices have, not every IANA zone
        "is_active",
    )
    search_fields = ("code", "name")
    list_select_related = ("typology", "parent")
    raw_id_fields = ("parent",)
    inlines = [StaffInline, WeeklyHoursInline, ReopenedDateInline]
    office_lookup = ""
    admin_may = ("view", "change")
    head_may = ("add", "delete")
    HEAD_OFFICE_FIELDS = ("code", "kind", "typology", "parent", "is_active")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_officers=Count("staff", filter=Q(staff__role=Role.OFFICER, staff__user__is_active=True)))
            .order_by("code")  # a grouped query drops the model's default order (autocomplete pages it)
        )

    @admin.display(description=_("officers"), ordering="_officers")
    def officer_count(self, obj):
        if obj is None or obj.pk is None or not obj.typology_id:
            return "-"
        count = getattr(obj, "_officers", None)
        if count is None:
            count = obj.staff.filter(role=Role.OFFICER, user__is_active=True).count()
        return _("%(count)d of %(limit)d officers") % {"count": count, "limit": obj.typology.officer_limit}

    def get_readonly_fields(self, request, obj=None):
        if admin_scope(request).head:
            return ("officer_count",)
        return ("officer_count", *self.HEAD_OFFICE_FIELDS)

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
    """A staff member's place and role. On the add page: an existing person of the admin's reach, or a new
    account opened here (username, name, first password)."""

    is_active = forms.BooleanField(
        label=_("account active"),
        required=False,
        initial=True,
        help_text=_("Untick to deactivate the account (the person keeps their history); tick to reactivate it."),
    )
    new_username = forms.CharField(
        label=_("new account: username"),
        required=False,
        max_length=150,
        help_text=_("For a person without an account yet, e.g. budi.santoso. Leave the user empty then."),
    )
    new_first_name = forms.CharField(label=_("first name"), required=False, max_length=150)
    new_last_name = forms.CharField(label=_("last name"), required=False, max_length=150)
    new_email = forms.EmailField(label=_("e-mail"), required=False)
    new_password = forms.CharField(
        label=_("first password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 10 characters; give it to the person, who changes it after logging in."),
    )

    class Meta:
        model = StaffProfile
        fields = ["user", "office", "role", "on_duty", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)
        if "user" in self.fields:
            self.fields["user"].required = False
        if self.instance.pk:
            self.fields["is_active"].initial = self.instance.user.is_active
            for name in ("new_username", "new_first_name", "new_last_name", "new_email", "new_password"):
                self.fields.pop(name, None)

    def clean(self):
        data = super().clean()
        if self.instance.pk or "user" not in self.fields:
            return data
        if data.get("user") is None and not data.get("new_username"):
            self.add_error("user", _("Choose a person, or open a new account below."))
        elif data.get("user") is not None and data.get("new_username"):
            self.add_error("new_username", _("Either choose a person or open a new account, not both."))
        elif data.get("new_username") and not data.get("new_password"):
            self.add_error("new_password", _("Give the new account its first password."))
        return data

    def _post_clean(self):
        # A new account is validated (and the officer limit checked) by the service that opens it.
        if not self.instance.pk and self.cleaned_data.get("user") is None:
            return
        super()._post_clean()


@admin.register(StaffProfile)
class StaffProfileAdmin(ReachMixin, ServiceAdmin):
    form = StaffProfileForm
    list_display = ("user_name", "user", "office", "role", "on_duty", "account_active")
    list_filter = ("role", "on_duty", "user__is_active", OFFICE_FILTER)
    search_fields = ("user__username", "user__first_name", "user__last_name", "office__code", "office__name")
    list_select_related = ("user", "office")
    actions = ["deactivate", "reactivate"]

    @admin.display(description=_("name"), ordering="user__first_name")
    def user_name(self, obj):
        return obj.user.get_full_name() or obj.user.get_username()

    @admin.display(description=_("account active"), boolean=True, ordering="user__is_active")
    def account_active(self, obj):
        return obj.user.is_active

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to its user: give another user a role with a profile of their own.
        return ("user",) if obj is not None else ()

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["user", "office", "role", "on_duty", "language", "is_active"]})
        if obj is not None:
            return [main]
        main[1]["fields"].remove("is_active")
        account = (
            _("Or a new account"),
            {"fields": ["new_username", "new_first_name", "new_last_name", "new_email", "new_password"]},
        )
        return [main, account]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            return UserByNameField(queryset=assignable_users(request), label=_("user"), required=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, request, obj, form, change):
        data = form.cleaned_data
        if not change and data.get("user") is None:
            return services.staff_account_create(
                username=data["new_username"],
                first_name=data.get("new_first_name", ""),
                last_name=data.get("new_last_name", ""),
                email=data.get("new_email", ""),
                password=data["new_password"],
                office=data["office"],
                role=data["role"],
                on_duty=data["on_duty"],
                language=data["language"],
                actor=request.user,
            )
        user = data.get("user") or obj.user
        active = data.get("is_active", user.is_active) if change else user.is_active
        if change and not active:  # leaving first: a deactivated officer no longer counts
            services.user_active_set(user=user, active=False, actor=request.user)
        profile = services.staff_assign(
            user=user,
            office=data["office"],
            role=data["role"],
            on_duty=data["on_duty"],
            language=data["language"],
            actor=request.user,
        )
        if change and active:
            services.user_active_set(user=user, active=True, actor=request.user)
        return profile

    def service_delete(self, request, objects):
        with transaction.atomic():
            for profile in objects:
                services.staff_remove(profile=profile, actor=request.user)

    def _set_active(self, request, queryset, active: bool):
        changed = 0
        try:
            with transaction.atomic():
                for profile in queryset.select_related("user"):
                    changed += services.user_active_set(user=profile.user, active=active, actor=request.user)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            return
        self.message_user(request, _("%(count)d account(s) changed.") % {"count": changed})

    @admin.action(description=_("Deactivate the selected staff accounts"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(
        description=_("Reactivate the selected staff accounts (within the officer limit)"), permissions=["change"]
    )
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, True)


# --- Closed dates, special hours, reopened dates -----------------------------------------------------------
@admin.register(Holiday)
class HolidayAdmin(ReachMixin, ServiceAdmin):
    """National dates (public holidays, joint leave) are the head office's; an office's admin sees them and adds
    their office's own closures."""

    list_display = ("date", "name", "category", "office", "source", "estimated")
    list_filter = ("category", "source", "estimated", OFFICE_FILTER)
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("office",)
    readonly_fields = ("source",)
    national_rows = True

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


def _clock(text: str) -> time:
    hours, minutes = text.strip().replace(".", ":").split(":")
    if (int(hours), int(minutes)) == (24, 0):
        return time(0)  # the end of the day
    return time(int(hours), int(minutes))


def parse_hours(text: str, *, day: str) -> list[tuple[time, time]]:
    """ "08:00-12:00, 13:00-16:00" → intervals; "" → [] (closed). Refuses (ValidationError, in the reader's
    language) what is not an interval, and reversed or overlapping intervals."""
    intervals, errors = [], []
    for part in filter(None, (p.strip() for p in (text or "").replace(";", ",").split(","))):
        try:
            start, end = (_clock(piece) for piece in part.replace("–", "-").split("-"))
        except (ValueError, TypeError):
            errors.append(_("“%(part)s” is not an interval like 08:00-15:00.") % {"part": part})
            continue
        intervals.append((start, end))
    errors += services.intervals_errors(intervals, day=day)
    if errors:
        raise ValidationError(errors)
    return intervals


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
        help_texts = {"name": _("For example: Ramadan service hours 1448 H.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["hours"].initial = format_intervals(special_hours_intervals(self.instance, 0))
            if "4" in (self.instance.intervals or {}):
                self.fields["friday_hours"].initial = format_intervals(special_hours_intervals(self.instance, 4))

    def _intervals(self, name):
        try:
            return parse_hours(self.cleaned_data.get(name, ""), day=str(self.fields[name].label))
        except ValidationError as exc:
            self.add_error(name, exc)
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
class SpecialHoursAdmin(ReachMixin, ServiceAdmin):
    form = SpecialHoursForm
    list_display = ("name", "start_date", "end_date", "office", "weekdays_only", "hours")
    list_filter = (OFFICE_FILTER,)
    search_fields = ("name",)
    list_select_related = ("office",)
    national_rows = True

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
class ReopenedDateAdmin(ReachMixin, ServiceAdmin):
    list_display = ("date", "office", "reason")
    list_filter = (OFFICE_FILTER,)
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


# --- Users: an administrator's reach, and reactivation within the officer limit ---------------------------
class StaffUserChangeForm(UserChangeForm):
    def clean(self):
        data = super().clean()
        if data.get("is_active") and "is_active" in self.changed_data:
            error = services.officer_reactivation_error(user=self.instance)
            if error:
                self.add_error("is_active", error)
        return data


class StaffUserAdmin(ServiceAdmin, UserAdmin):
    """Accounts. A superuser sees them all; an administrator the accounts of the staff of their reach (never a
    superuser's), their names, e-mail, password and whether they are active, not their permissions. Activating
    and deactivating go through ``offices.services.user_active_set`` (audited; the officer limit)."""

    form = StaffUserChangeForm
    view_on_site = False
    ADMIN_FIELDSETS = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        return assignable_users(request)

    def _may(self, request, obj=None) -> bool:
        scope = admin_scope(request)
        if scope.superuser:
            return True
        if not scope.admin or (obj is not None and obj.is_superuser):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request):
        return admin_scope(request).superuser  # administrators open accounts in the staff form

    def has_delete_permission(self, request, obj=None):
        return admin_scope(request).superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        if not admin_scope(request).superuser:
            raise Http404(_("No such record."))
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)

    def get_fieldsets(self, request, obj=None):
        if obj is None or admin_scope(request).superuser:
            return super().get_fieldsets(request, obj)
        return self.ADMIN_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        return () if admin_scope(request).superuser else ("last_login", "date_joined")

    def get_list_filter(self, request):
        return super().get_list_filter(request) if admin_scope(request).superuser else ("is_active",)

    def service_save(self, request, obj, form, change):
        if not change or "is_active" not in form.changed_data:
            obj.save()
            return None
        active = obj.is_active
        obj.is_active = not active
        obj.save()
        services.user_active_set(user=obj, active=active, actor=request.user)
        return None

    def service_delete(self, request, objects):
        with transaction.atomic():
            for user in objects:
                audit_record(actor=request.user, action="user.delete", obj=user, changes={"username": user.username})
                user.delete()


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


# --- The audit log: an administrator reads the events of their reach ----------------------------------------
class ReachAuditEventAdmin(AuditEventAdmin):
    """Read-only, as the audit app's: an administrator reads the events of the offices in their reach (a
    head-office administrator, like a superuser, every event)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = admin_scope(request)
        if scope.office_ids is None:
            return queryset
        if not scope.admin:
            return queryset.none()
        codes = Office.objects.filter(pk__in=scope.office_ids).values_list("code", flat=True)
        return queryset.filter(office_code__in=list(codes))

    def has_module_permission(self, request):
        return admin_scope(request).admin

    def has_view_permission(self, request, obj=None):
        return admin_scope(request).admin and (
            obj is None
            or admin_scope(request).office_ids is None
            or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        if not admin_scope(request).superuser:
            raise Http404(_("No such record."))
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)

    def can_verify(self, request) -> bool:
        """The whole chain is every office's: superusers and head-office administrators (reach: everything)."""
        scope = admin_scope(request)
        return scope.admin and scope.office_ids is None


if admin.site.is_registered(AuditEvent):
    admin.site.unregister(AuditEvent)
admin.site.register(AuditEvent, ReachAuditEventAdmin)
