from zoneinfo import ZoneInfo

from django import template
from django.utils import formats, timezone

from offices.selectors import zone_label

from ..selectors import office_colleagues, office_colleagues_among

register = template.Library()


@register.filter
def local(moment, office) -> str:
    """A time in the office's zone with its label: "1 Des 2026 09:00 WIB"; "—" for none."""
    if not moment or office is None:
        return "—"
    zone = office.timezone
    value = timezone.localtime(moment, ZoneInfo(zone))
    return f"{formats.date_format(value, 'j M Y H:i')} {zone_label(zone)}"


@register.filter
def person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.simple_tag
def complaint_colleagues(inquiry, user, office_staff=None):
    """The colleagues an officer may name when turning ``inquiry`` into a complaint: from ``office_staff`` (staff
    profiles with their users) when the page has read the inquiry's office's staff already, else in one query."""
    if office_staff and all(profile.office_id == inquiry.office_id for profile in office_staff):
        return office_colleagues_among(office_staff, actor=user)
    return list(office_colleagues(office=inquiry.office, actor=user))
