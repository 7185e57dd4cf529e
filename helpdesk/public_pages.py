"""The public pages about the service: the service standard (clauses a.1-a.6, b.1) and the privacy notice.

No login. The time norms come from the SLA policy, and each office's hours and channels from its own calendar
and accounts, so the page never says something the product does not do.
"""

from itertools import groupby

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from channels_intake.adapters import channel_label, get_adapter
from channels_intake.models import ChannelAccount
from offices.models import Office, WeeklyHours
from offices.selectors import zone_label
from sla.services import national_policy, policies_for_offices

# Clause b.1 of the standard: the legal basis, by its official (Indonesian) titles.
LEGAL_BASIS = [
    "Undang-Undang Nomor 10 Tahun 1995 tentang Kepabeanan sebagaimana telah diubah dengan Undang-Undang Nomor 17 "
    "Tahun 2006",
    "Undang-Undang Nomor 11 Tahun 1995 tentang Cukai sebagaimana telah diubah dengan Undang-Undang Nomor 39 Tahun 2007",
    "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik",
    "Peraturan Menteri Keuangan Nomor 110/PMK.01/2022 tentang Pedoman Layanan Informasi Publik Pejabat Pengelola "
    "Informasi dan Dokumentasi di lingkungan Kementerian Keuangan",
    "Keputusan Menteri Keuangan Nomor 412 Tahun 2023 tentang Pedoman Pengelolaan Program Pusat Kontak Layanan di "
    "Lingkungan Kementerian Keuangan",
    "Keputusan Direktur Jenderal Bea dan Cukai Nomor KEP-111/BC/2022 tentang Pusat Kontak Layanan (Contact Center)",
    "Surat Edaran Direktur Jenderal Bea dan Cukai Nomor SE-13/BC/2022 tentang Pedoman Penyelenggaraan Edukasi dan "
    "Layanan Informasi di Lingkungan Direktorat Jenderal Bea dan Cukai",
    "Surat Edaran Direktur Jenderal Bea dan Cukai Nomor SE-30/BC/2022 tentang Pedoman Penyelenggaraan Agenda Setting "
    "di Lingkungan Direktorat Jenderal Bea dan Cukai",
    "Keputusan Direktur Jenderal Bea dan Cukai Nomor KEP-151/BC/2023 tentang Indonesian Customs and Excise Client "
    "Service Charter DJBC",
]

# Clause a.6: where complaints, suggestions and feedback go besides this product.
COMPLAINT_CHANNELS = {
    "sipuma": "https://www.beacukai.go.id/pengaduan.html",
    "email": "pengaduan.beacukai@customs.go.id",
    "phone": "1500 225",
    "fax": "(021) 4890966",
    "letter": (
        "Direktur Kepatuhan Internal, Direktorat Jenderal Bea dan Cukai, Jl. Ahmad Yani By Pass, Rawamangun, "
        "Jakarta Timur 13230"
    ),
}


def _hours_lines(office: Office) -> list[dict]:
    """The office's week as people read it: one line per weekday with its intervals, closed days included."""
    by_day = {day: list(rows) for day, rows in groupby(office.weekly_hours.all(), key=lambda row: row.weekday)}
    lines = []
    for day, label in WeeklyHours.Weekday.choices:
        intervals = [
            f"{row.start:%H:%M}–{'24:00' if row.end.hour == 0 and row.end.minute == 0 else f'{row.end:%H:%M}'}"
            for row in by_day.get(day, [])
        ]
        lines.append({"day": label, "intervals": intervals})
    return lines


def _channels(office: Office) -> list[str]:
    labels = []
    for account in office.channels.all():
        adapter = get_adapter(account.kind)
        for channel in adapter.channels:
            label = _(channel_label(channel) or channel)
            if label not in labels:
                labels.append(label)
    return labels


@require_safe
def service_standard(request):
    """/standar-layanan/: the standard in plain words, with every serving office's own hours and channels."""
    offices = list(
        Office.objects.filter(is_active=True, channels__is_active=True)
        .distinct()
        .order_by("code")
        .prefetch_related(
            Prefetch("weekly_hours", queryset=WeeklyHours.objects.order_by("weekday", "start")),
            Prefetch("channels", queryset=ChannelAccount.objects.filter(is_active=True).order_by("kind")),
        )
    )
    policies = policies_for_offices([office.pk for office in offices])
    national = national_policy()
    rows = [
        {
            "office": office,
            "zone": zone_label(office.timezone),
            "hours": _hours_lines(office),
            "channels": _channels(office),
            "policy": policies[office.pk],
            "own_policy": policies[office.pk] != national,
        }
        for office in offices
    ]
    context = {
        "offices": rows,
        "policy": national,
        "legal_basis": LEGAL_BASIS,
        "complaint_channels": COMPLAINT_CHANNELS,
    }
    return render(request, "public/standard.html", context)


@require_safe
def privacy(request):
    """/privasi/: what we collect from requesters, why, for how long, who sees it, and how to ask about it."""
    return render(request, "public/privacy.html", {"complaint_channels": COMPLAINT_CHANNELS})
