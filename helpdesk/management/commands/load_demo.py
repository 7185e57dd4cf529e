"""Demo data: real offices with their zones, their staff, a channel account of each kind, and inquiries.

Idempotent: a second run finds everything in place and changes nothing.
"""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from channels_intake.adapters import InboundMessage
from channels_intake.models import ChannelAccount, OutboundMessage
from complaints import services as complaint_services
from complaints.models import Complaint
from helpdesk.demo_answers import ANSWERS as KNOWLEDGE_BASE
from helpdesk.demo_answers import NAMES, QUESTIONS, demo_reply
from offices.models import Office, Role, SpecialHours, StaffProfile, Typology
from offices.services import office_create, office_update, staff_assign
from sla import services as sla_services
from tickets import lifecycle
from tickets.acknowledgement import acknowledgement_text, acknowledges
from tickets.inquiries import first_assigned, inbound_message_receive
from tickets.knowledge_base import canned_answer_save
from tickets.models import CannedAnswer, Inquiry, Message, Requester, Topic, Unit
from tickets.topics import inquiry_topics_set

DEMO_PASSWORD = "demo-bea-cukai"

TYPOLOGIES = [
    ("KPU", 6, "Kantor Pelayanan Utama"),
    ("KPPBC Tipe Madya Pabean", 5, "Gerbang besar: pelabuhan dan bandara utama"),
    ("KPPBC Tipe Madya Cukai", 4, "Kantor cukai"),
    ("KPPBC TMP A", 4, ""),
    ("KPPBC TMP B", 3, ""),
    ("KPPBC TMP C", 2, "Kantor kecil dan perbatasan"),
    ("KPPBC Pratama", 1, "Tipe lama"),
    ("Kantor Wilayah", 3, "Kanwil DJBC"),
    ("Kantor Pusat", 6, "Kantor Pusat DJBC"),
]

# code, name, kind, typology, zone, parent code, 24/7, slug suffix
OFFICES = [
    ("001000", "Kantor Pusat DJBC", Office.Kind.HEAD_OFFICE, "Kantor Pusat", "Asia/Jakarta", None, False, "pusat"),
    (
        "090000",
        "Kanwil DJBC Sulawesi Bagian Selatan",
        Office.Kind.REGIONAL,
        "Kantor Wilayah",
        "Asia/Makassar",
        None,
        False,
        "sulbagsel",
    ),
    (
        "180000",
        "Kanwil Khusus DJBC Papua",
        Office.Kind.REGIONAL,
        "Kantor Wilayah",
        "Asia/Jayapura",
        None,
        False,
        "papua",
    ),
    ("050100", "KPU BC Tipe C Soekarno-Hatta", Office.Kind.KPU, "KPU", "Asia/Jakarta", None, False, "soetta"),
    ("040300", "KPU BC Tipe A Tanjung Priok", Office.Kind.KPU, "KPU", "Asia/Jakarta", None, True, "priok"),
    ("090400", "KPPBC TMP B Makassar", Office.Kind.KPPBC, "KPPBC TMP B", "Asia/Makassar", "090000", False, "makassar"),
    ("180100", "KPPBC TMP B Jayapura", Office.Kind.KPPBC, "KPPBC TMP B", "Asia/Jayapura", "180000", False, "jayapura"),
]

SERVICE_OFFICES = ["050100", "040300", "090400", "180100"]

CHANNEL_SLUGS = {
    "webchat": "web",
    "meta": "meta",
    "whatsapp": "wa",
    "telegram": "tg",
    "x": "x",
}
SUB_CHANNELS = {
    "webchat": "webchat",
    "meta": "messenger",
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "x": "x",
}


class Command(BaseCommand):
    help = "Load the demo offices, staff, channel accounts and inquiries (idempotent)."

    def handle(self, *args, **options):
        call_command("load_holidays", "2026", "2027", stdout=self.stdout)
        with transaction.atomic():
            self._ramadan_hours()
            typologies = self._typologies()
            offices = self._offices(typologies)
            users = self._staff(offices)
            accounts = self._channels(offices)
            self._units(offices, users)
            answers = self._answers()
        created = 0
        for code in SERVICE_OFFICES:
            created += self._inquiries(offices[code], accounts[code], users[code])
        self._supervision(offices, users)
        self._complaints(offices, users)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready ({created} inquiries added, {answers} knowledge-base answers added).")
        )
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  admin (superuser)")
        self.stdout.write("  090000: admin.sulbagsel (regional admin); 001000: admin.pusat (head-office admin)")
        for code in SERVICE_OFFICES:
            self.stdout.write(f"  {code}: " + ", ".join(u.username for u in users[code]["all"]))

    def _complaints(self, offices, users) -> int:
        """A few complaints at every step, through the services (register numbers, routing, audit); once."""
        if Complaint.objects.filter(office__code__in=SERVICE_OFFICES).exists():
            return 0
        soetta, makassar = users["050100"], users["090400"]
        now = timezone.now()
        common = {"place": "Terminal 3 Bandara Soekarno-Hatta", "occurred_at": now - timedelta(days=3)}
        filed = [
            complaint_services.complaint_submit(
                office=offices["050100"],
                data={
                    **common,
                    "kind": "complaint",
                    "concerns": "officer",
                    "complainant_name": "Rina Wijaya",
                    "complainant_contact": "rina.wijaya@example.invalid",
                    "matter": "Petugas meminta uang tunai agar barang bawaan saya tidak diperiksa.",
                    "parties": "Petugas di jalur merah, sekitar pukul 21.00",
                    "chronology": "Saya tiba dengan penerbangan dari Singapura, diarahkan ke jalur merah, lalu "
                    "diminta Rp1.000.000 tanpa tanda terima.",
                },
            ),
            complaint_services.complaint_record(
                actor=soetta[Role.COMPLIANCE],
                office=offices["050100"],
                channel="phone",
                data={
                    "kind": "suggestion",
                    "complainant_name": "Agus Salim",
                    "complainant_contact": "0812-0000-1234",
                    "matter": "Mohon tambah petunjuk arah ke loket pendaftaran IMEI di kedatangan internasional.",
                },
            ),
            complaint_services.complaint_submit(
                office=offices["090400"],
                data={
                    "kind": "complaint",
                    "complainant_name": "Made Sukarta",
                    "complainant_contact": "made@example.invalid",
                    "matter": "Jawaban di web chat tidak kunjung datang selama dua hari kerja.",
                    "place": "Web chat KPPBC Makassar",
                    "occurred_at": now - timedelta(days=5),
                    "chronology": "Saya bertanya soal barang kiriman, hanya dijawab otomatis.",
                },
            ),
        ]
        complaint_services.complaint_review_start(complaint=filed[1], actor=soetta[Role.COMPLIANCE])
        handled = complaint_services.complaint_review_start(complaint=filed[2], actor=makassar[Role.COMPLIANCE])
        complaint_services.complaint_conclude(
            complaint=handled,
            actor=makassar[Role.COMPLIANCE],
            substantiated=True,
            conclusion="Antrean web chat tidak dipantau saat petugas cuti; jadwal piket diperbaiki.",
            action_taken="Teguran tertulis kepada koordinator layanan; piket web chat ditambah.",
        )
        return len(filed)

    def _ramadan_hours(self) -> None:
        """Ramadan service hours for every office (DOMAIN.md): 08:00–15:00, Friday until 15:30."""
        ranges = [
            ("Jam layanan Ramadan 1447 H", date(2026, 2, 19), date(2026, 3, 19)),
            ("Jam layanan Ramadan 1448 H (perkiraan)", date(2027, 2, 8), date(2027, 3, 9)),
        ]
        for name, start, end in ranges:
            SpecialHours.objects.get_or_create(
                office=None,
                name=name,
                defaults={
                    "start_date": start,
                    "end_date": end,
                    "weekdays_only": True,
                    "intervals": {"default": [["08:00", "15:00"]], "4": [["08:00", "15:30"]]},
                },
            )

    def _typologies(self) -> dict[str, Typology]:
        result = {}
        for name, limit, description in TYPOLOGIES:
            result[name], _ = Typology.objects.get_or_create(
                name=name, defaults={"officer_limit": limit, "description": description}
            )
        return result

    def _offices(self, typologies) -> dict[str, Office]:
        offices = {}
        for code, name, kind, typology, zone, parent, always_open, _slug in OFFICES:
            office = Office.objects.filter(code=code).first()
            if office is None:
                office = office_create(
                    code=code,
                    name=name,
                    typology=typologies[typology],
                    timezone=zone,
                    kind=kind,
                    parent=offices.get(parent),
                    always_open=always_open,
                )
            offices[code] = office
        return offices

    def _user(self, username: str, first: str, last: str, *, superuser: bool = False):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, email=f"{username}@example.invalid")
            user.set_password(DEMO_PASSWORD)
            user.is_staff = superuser
            user.is_superuser = superuser
            user.save()
        return user

    def _staff(self, offices) -> dict[str, dict]:
        self._user("admin", "Admin", "Pusat", superuser=True)
        result = {}
        for code in SERVICE_OFFICES:
            office = offices[code]
            short = next(o[7] for o in OFFICES if o[0] == code)
            staff = {"officers": [], "all": []}
            n_officers = min(3, office.typology.officer_limit)
            plan = [(f"petugas{i}.{short}", Role.OFFICER, "Petugas", str(i)) for i in range(1, n_officers + 1)]
            plan += [
                (f"koordinator.{short}", Role.COORDINATOR, "Koordinator", short.title()),
                (f"kepala.{short}", Role.HEAD, "Kepala Kantor", short.title()),
                (f"kepatuhan.{short}", Role.COMPLIANCE, "Kepatuhan", short.title()),
                (f"admin.{short}", Role.ADMIN, "Admin", short.title()),
            ]
            for username, role, first, last in plan:
                user = self._user(username, first, last)
                if role == Role.ADMIN and not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                if not StaffProfile.objects.filter(user=user).exists():
                    staff_assign(user=user, office=office, role=role)
                staff["all"].append(user)
                if role == Role.OFFICER:
                    staff["officers"].append(user)
                staff[role] = user
            result[code] = staff
        # A regional and a head-office administrator: the offices under them in /admin/ (offices.reach).
        for code, username, last in (("090000", "admin.sulbagsel", "Sulbagsel"), ("001000", "admin.pusat", "Pusat")):
            user = self._user(username, "Admin", last)
            if not StaffProfile.objects.filter(user=user).exists():
                staff_assign(user=user, office=offices[code], role=Role.ADMIN)  # gives the admin site's access
        return result

    def _answers(self) -> int:
        """The national knowledge base: each answer in Indonesian, and in English tagged ``en``; never overwritten."""
        admin = get_user_model().objects.get(username="admin")
        existing = set(CannedAnswer.objects.filter(office__isnull=True).values_list("title", flat=True))
        added = 0
        for keywords, title_id, body_id, title_en, body_en in KNOWLEDGE_BASE:
            for title, body, tags in ((title_id, body_id, f"{keywords} id"), (title_en, body_en, f"{keywords} en")):
                if title not in existing:
                    canned_answer_save(actor=admin, title=title, body=body, tags=tags, national=True)
                    added += 1
        return added

    def _units(self, offices, users) -> None:
        """Units every demo office escalates to: its own section, its regional office, two directorates."""
        service = [offices[code] for code in SERVICE_OFFICES]
        head = offices["001000"]
        directorates = [
            ("Direktorat Teknis Kepabeanan", "pusat.kepabeanan"),
            ("Direktorat Teknis dan Fasilitas Cukai", "pusat.cukai"),
        ]
        for name, username in directorates:
            coordinator = self._user(username, "Koordinator", name.split()[-1])
            if not StaffProfile.objects.filter(user=coordinator).exists():
                staff_assign(user=coordinator, office=head, role=Role.COORDINATOR)
            unit, created = Unit.objects.get_or_create(
                name=name,
                home_office=head,
                defaults={"kind": Unit.Kind.DIRECTORATE, "coordinator": coordinator},
            )
            if created:
                unit.offices.set(service)
                unit.members.add(coordinator)
        for code in SERVICE_OFFICES:
            office, staff = offices[code], users[code]
            short = next(o[7] for o in OFFICES if o[0] == code)
            unit, created = Unit.objects.get_or_create(
                name=f"Seksi Pelayanan Kepabeanan dan Cukai ({short.title()})",
                home_office=office,
                defaults={
                    "kind": Unit.Kind.SECTION,
                    "coordinator": staff[Role.COORDINATOR],
                    # One office shows the approval step: the coordinator signs off final answers.
                    "requires_approval": code == "050100",
                },
            )
            if created:
                unit.offices.add(office)
                unit.members.add(staff[Role.COORDINATOR], *staff["officers"][1:])
            if office.parent_id:
                regional, created = Unit.objects.get_or_create(
                    name=f"Bidang Kepabeanan dan Cukai, {office.parent.name}",
                    home_office=office.parent,
                    defaults={"kind": Unit.Kind.REGIONAL, "coordinator": staff[Role.HEAD]},
                )
                if created:
                    regional.members.add(staff[Role.HEAD])
                regional.offices.add(office)

    def _channels(self, offices) -> dict[str, dict]:
        result = {}
        for code in SERVICE_OFFICES:
            short = next(o[7] for o in OFFICES if o[0] == code)
            accounts = {}
            for kind, prefix in CHANNEL_SLUGS.items():
                account, _ = ChannelAccount.objects.get_or_create(
                    kind=kind,
                    slug=f"{prefix}-{short}",
                    defaults={
                        "office": offices[code],
                        "name": f"{kind} {offices[code].name}",
                        "external_id": "" if kind == "webchat" else f"demo-{prefix}-{code}",
                        "secret": "" if kind == "webchat" else f"demo-secret-{prefix}-{code}",
                        "verify_token": f"demo-verify-{code}" if kind in ("meta", "whatsapp") else "",
                        "access_token": "" if kind == "webchat" else f"demo-token-{prefix}-{code}",
                    },
                )
                accounts[kind] = account
            result[code] = accounts
        return result

    def _inquiries(self, office, accounts, users) -> int:
        if Inquiry.objects.filter(office=office).exists():
            return 0
        rng = random.Random(int(office.code))  # noqa: S311 - demo content, not security
        now = timezone.now()
        kinds = list(CHANNEL_SLUGS)
        # Each office starts six questions further: across the four offices every question is answered once.
        first_question = SERVICE_OFFICES.index(office.code) * 6
        created = 0
        for index in range(12):
            kind = kinds[index % len(kinds)]
            account = accounts[kind]
            received = now - timedelta(hours=rng.randint(1, 24 * 6), minutes=rng.randint(0, 59))
            question = QUESTIONS[(first_question + index) % len(QUESTIONS)]
            names = NAMES[question.language]
            name = names[rng.randrange(len(names))]
            # The Meta account carries Messenger and Instagram: its first and last conversations are Instagram DMs.
            channel = "instagram" if kind == "meta" and index % 2 else SUB_CHANNELS[kind]
            message = InboundMessage(
                dedupe_key=f"demo-{office.code}-{index}",
                sender_id=f"demo-user-{office.code}-{index}",
                sender_name=name,
                text=question.text,
                sent_at=received,
                recipient_id=account.external_id,
                channel=channel,
            )
            # The demo's acknowledgement is history (below), not a live send to a platform.
            stored = inbound_message_receive(account=account, message=message, received_at=received, acknowledge=False)
            inquiry = stored.inquiry
            if question.language != inquiry.requester.language:
                Requester.objects.filter(pk=inquiry.requester_id).update(language=question.language)
                inquiry.requester.language = question.language
            Message.objects.filter(pk=stored.pk).update(created_at=received)
            if acknowledges(account.kind):
                self._history_acknowledgement(inquiry, received + timedelta(seconds=2))
            created += 1
            state = index % 4
            if state in (0, 1) and inquiry.effective_start:
                officer = users["officers"][index % len(users["officers"])]
                answered_at = max(received, inquiry.effective_start) + timedelta(minutes=rng.randint(5, 80))
                if answered_at < now:
                    self._history_reply(inquiry, officer, demo_reply(question), answered_at)
                    if state == 0:
                        inquiry.refresh_from_db()
                        lifecycle.inquiry_close(inquiry=inquiry, outcome=Inquiry.Outcome.ANSWERED, at=answered_at)
                        inquiry.save()
            elif state == 2:
                Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=users["officers"][0])
        return created

    def _history_acknowledgement(self, inquiry, at) -> None:
        """The automatic acknowledgement a social channel's new inquiry got (demo history: already delivered)."""
        text = acknowledgement_text(inquiry=inquiry, with_privacy=True)
        self._history_message(inquiry, Message.Kind.SYSTEM, None, text, at, f"demo-ack-{inquiry.pk}")
        Requester.objects.filter(pk=inquiry.requester_id).update(privacy_notice_at=at)

    def _history_message(self, inquiry, kind, author, text, at, platform_id) -> Message:
        """A message of ours delivered in the past (demo history, so it bypasses the live outbox)."""
        outbound = OutboundMessage.objects.create(
            account=inquiry.account,
            recipient_id=inquiry.requester.external_id,
            text=text,
            status=OutboundMessage.Status.SENT,
            attempts=1,
            sent_at=at,
            platform_ids=[platform_id],
        )
        message = Message.objects.create(
            inquiry=inquiry,
            direction=Message.Direction.OUTBOUND,
            kind=kind,
            author=author,
            text=text,
            outbound=outbound,
        )
        Message.objects.filter(pk=message.pk).update(created_at=at)
        return message

    def _history_reply(self, inquiry, officer, text, at) -> None:
        """A reply that was delivered in the past (demo history, so it bypasses the live outbox)."""
        self._history_message(inquiry, Message.Kind.ANSWER, officer, text, at, f"demo-{inquiry.pk}-{at:%H%M}")
        Inquiry.objects.filter(pk=inquiry.pk).update(
            assigned_to=officer, assigned_at=first_assigned(at), last_message_at=at
        )
        inquiry.refresh_from_db()
        with transaction.atomic():
            sla_services.target_met(record=inquiry, target="response", at=at, by=officer)

    def _supervision(self, offices, users) -> None:
        """Supervision's demo (issue 13): Soekarno-Hatta and Tanjung Priok under a regional office, a supervisor
        in every regional office and one in the head office (they see the roll-up), and topics on the inquiries.

        A demo grouping: in DJBC the KPUs answer to the head office directly; here they show a region's roll-up.
        """
        with transaction.atomic():
            kanwil = Office.objects.filter(code=DEMO_REGION[0]).first()
            if kanwil is None:
                kanwil = office_create(
                    code=DEMO_REGION[0],
                    name=DEMO_REGION[1],
                    typology=Typology.objects.get(name="Kantor Wilayah"),
                    timezone="Asia/Jakarta",
                    kind=Office.Kind.REGIONAL,
                )
            offices[kanwil.code] = kanwil
            for code in DEMO_REGION[2]:
                if offices[code].parent_id is None:
                    offices[code] = office_update(office=offices[code], data={"parent": kanwil})
            self._units(offices, users)  # the regional unit of the offices just placed under the Kanwil
            for username, code, first, last in SUPERVISORS:
                user = self._user(username, first, last)
                if not StaffProfile.objects.filter(user=user).exists():
                    staff_assign(user=user, office=offices[code], role=Role.SUPERVISOR)
        tagged = 0
        topics = {topic.slug: topic for topic in Topic.objects.filter(is_active=True)}
        for code in SERVICE_OFFICES:
            coordinator = users[code][Role.COORDINATOR]
            untagged = Inquiry.objects.filter(office=offices[code], topics__isnull=True).select_related("office")
            for inquiry in untagged:
                first = inquiry.messages.filter(direction=Message.Direction.INBOUND).order_by("created_at").first()
                text = f"{inquiry.preview} {first.text if first else ''}".lower().replace("bea cukai", "")
                slugs = [slug for slug, words in TOPIC_WORDS if any(word in text for word in words)] or ["lainnya"]
                chosen = [topics[slug] for slug in slugs if slug in topics]
                if chosen:
                    inquiry_topics_set(inquiry=inquiry, topics=chosen, by=coordinator)
                    tagged += 1
        self.stdout.write(f"Supervision: {tagged} inquiries tagged with topics. Roll-up logins:")
        for username, code, _first, _last in SUPERVISORS:
            self.stdout.write(f"  {username}: supervisor at {code} {offices[code].name}")


# Supervision's demo: the regional office above Soekarno-Hatta and Tanjung Priok, and who sees the roll-up.
DEMO_REGION = ("040000", "Kanwil DJBC Jakarta", ("050100", "040300"))
SUPERVISORS = [
    ("kanwil.jakarta", "040000", "Pengawas", "Kanwil Jakarta"),
    ("kanwil.sulbagsel", "090000", "Pengawas", "Kanwil Sulbagsel"),
    ("kanwil.papua", "180000", "Pengawas", "Kanwil Papua"),
    ("pusat.pengawas", "001000", "Pengawas", "Kantor Pusat"),
]
# Words of a question that say its topic (lower case; several topics may apply).
TOPIC_WORDS = [
    ("barang-kiriman", ("paket", "resi", "awb", "barang kiriman", "kurir", "biaya gudang")),
    ("penumpang", ("penumpang", "bawaan", "e-cd", "customs declaration", "declare", "tourist", "pindahan", "dibawa")),
    ("imei", ("imei", " hp ")),
    ("cukai", ("cukai", "rokok", "nppbkc", "vape", "alkohol", "liquid")),
    ("ekspor", ("ekspor", "export")),
    ("impor", ("impor", "pib", "jalur merah")),
    ("fasilitas", ("impor sementara", "klinik ekspor", "fasilitas", "kawasan berikat")),
    ("penipuan", ("rekening pribadi", "mengaku", "penipuan", "ini asli")),
]
