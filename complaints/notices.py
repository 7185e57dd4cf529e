"""In-app notifications of complaints to compliance staff (through ``sla.notifications``).

They name the register number, the office and the due time, never the complaint's contents, and never go to the
person a complaint is about.
"""

from django.utils.translation import gettext_noop

from offices.models import Role, StaffProfile
from sla.notifications import moment, notify, register_kind

NEW = "complaint.new"
REMINDER = "complaint.reminder"
BREACHED = "complaint.breached"

register_kind(NEW, gettext_noop("New complaint %(number)s about %(office)s, due %(due)s."))
register_kind(REMINDER, gettext_noop("Complaint %(number)s: the current step is due %(due)s."))
register_kind(BREACHED, gettext_noop("Complaint %(number)s: the current step was due %(due)s and is overdue."))


def compliance_staff(office_ids) -> dict[int, list]:
    """Active compliance staff of each office, in one query."""
    by_office: dict[int, list] = {}
    for profile in StaffProfile.objects.filter(
        office_id__in=set(office_ids), role=Role.COMPLIANCE, user__is_active=True
    ).select_related("user"):
        by_office.setdefault(profile.office_id, []).append(profile.user)
    return by_office


def notify_complaint(*, complaint, kind: str, staff: dict[int, list] | None = None) -> int:
    """Notify the handling office's compliance staff of ``complaint`` (never its subject)."""
    staff = staff if staff is not None else compliance_staff([complaint.handling_office_id])
    users = [u for u in staff.get(complaint.handling_office_id, []) if u.pk != complaint.about_user_id]
    params = {
        "number": complaint.register_number,
        "office": complaint.office.name,
        "due": moment(complaint.due_at, complaint.handling_office.timezone),
    }
    return notify(users=users, kind=kind, params=params)
