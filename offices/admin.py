from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours


@admin.register(Typology)
class TypologyAdmin(admin.ModelAdmin):
    list_display = ("name", "officer_limit")
    search_fields = ("name",)


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
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
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Role.OFFICER
            and form.cleaned_data.get("user") is not None
            and form.cleaned_data["user"].is_active
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


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "category", "office", "source", "estimated")
    list_filter = ("category", "source", "estimated", "office")
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("office",)


@admin.register(SpecialHours)
class SpecialHoursAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "end_date", "office", "weekdays_only")
    list_filter = ("office",)
    search_fields = ("name",)
