"""The admin site follows the administrator's reach (offices.reach): an office's admin administers their office
and only it; a regional admin the offices under their region; a head-office admin every office and the national
settings. Every admin model is tried: own office allowed, another office refused (a 404 whatever the id),
national settings refused (or read-only where the office needs to see them).
"""

import re
from datetime import date, time

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from audit.services import audit_record
from channels_intake.models import ChannelAccount
from offices.models import Holiday, Office, ReopenedDate, Role, SpecialHours, StaffProfile, Typology, WeeklyHours
from offices.services import staff_assign
from sla.models import SlaPolicySetting
from tests import factories
from tests.offices.test_admin_writes import office_form
from tickets.models import CannedAnswer, Inquiry, Topic

pytestmark = pytest.mark.django_db

HOURS = {day: (time(7, 30), time(16)) for day in range(5)}


def admin_of(office, username, role=Role.ADMIN, **user):
    user = factories.UserFactory(username=username, is_staff=True, first_name="Admin", last_name=username, **user)
    staff_assign(user=user, office=office, role=role)
    return user


@pytest.fixture
def world():
    """Head office, a region with an office under it, Soekarno-Hatta (KPU, 6 officers allowed) and Priok."""
    kpu = factories.TypologyFactory(name="KPU", officer_limit=6)
    small = factories.TypologyFactory(name="KPPBC TMP B", officer_limit=3)
    head = factories.OfficeFactory(code="001000", name="Kantor Pusat", kind=Office.Kind.HEAD_OFFICE, typology=kpu)
    region = factories.OfficeFactory(code="090000", name="Kanwil Sulbagsel", kind=Office.Kind.REGIONAL, typology=small)
    makassar = factories.OfficeFactory(code="090400", name="KPPBC Makassar", typology=small, parent=region)
    soetta = factories.OfficeFactory(code="050100", name="KPU Soekarno-Hatta", kind=Office.Kind.KPU, typology=kpu)
    priok = factories.OfficeFactory(code="040300", name="KPU Tanjung Priok", kind=Office.Kind.KPU, typology=kpu)
    rows = {}
    for office in (soetta, priok, makassar):
        key = office.code
        rows[key] = {
            "office": office,
            "staffprofile": factories.StaffFactory(
                office=office, role=Role.OFFICER, user__username=f"petugas.{key}", user__first_name=f"Petugas{key}"
            ),
            "holiday": Holiday.objects.create(
                office=office, date=date(2026, 12, 28), name=f"Tutup {key}", category="closure"
            ),
            "specialhours": SpecialHours.objects.create(
                office=office,
                name=f"Jam khusus {key}",
                start_date=date(2027, 1, 4),
                end_date=date(2027, 1, 8),
                intervals={"default": [["08:00", "12:00"]]},
            ),
            "reopeneddate": ReopenedDate.objects.create(office=office, date=date(2026, 12, 24), reason=f"Piket {key}"),
            "slapolicysetting": SlaPolicySetting.objects.create(office=office, response_minutes=45),
            "channelaccount": factories.ChannelAccountFactory(
                office=office, kind="telegram", slug=f"tg-{key}", name=f"Telegram {key}", secret=f"SECRET-{key}-VALUE"
            ),
            "cannedanswer": CannedAnswer.objects.create(office=office, title=f"Jawaban {key}", body="Isi jawaban."),
            "auditevent": audit_record(
                action="test.event", office_code=office.code, object_type="test", object_id=f"kejadian-{key}"
            ),
        }
        rows[key]["user"] = rows[key]["staffprofile"].user
    national = {
        "holiday": Holiday.objects.create(date=date(2026, 12, 25), name="Hari Raya Natal", category="public"),
        "specialhours": SpecialHours.objects.create(
            name="Ramadan nasional",
            start_date=date(2027, 2, 8),
            end_date=date(2027, 3, 9),
            intervals={"default": [["08:00", "15:00"]]},
        ),
        "slapolicysetting": SlaPolicySetting.objects.create(office=None, response_minutes=55),
        "cannedanswer": CannedAnswer.objects.create(title="Jawaban nasional", body="Isi."),
        "typology": kpu,
        "topic": Topic.objects.get_or_create(slug="imei", defaults={"name": "IMEI", "name_en": "IMEI"})[0],
    }
    return {
        "head": head,
        "region": region,
        "makassar": makassar,
        "soetta": soetta,
        "priok": priok,
        "rows": rows,
        "national": national,
        "admin_soetta": admin_of(soetta, "admin.soetta"),
        "admin_region": admin_of(region, "admin.sulbagsel"),
        "admin_head": admin_of(head, "admin.pusat"),
    }


def login(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def url(obj, view="change"):
    meta = obj._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{view}/"


def changelist(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def marker(name, obj):
    """A text of the row that its changelist shows."""
    return {
        "office": lambda: obj.name,
        "staffprofile": lambda: obj.user.first_name,
        "holiday": lambda: obj.name,
        "specialhours": lambda: obj.name,
        "reopeneddate": lambda: obj.reason,
        "slapolicysetting": lambda: obj.office.code,
        "channelaccount": lambda: obj.slug,
        "cannedanswer": lambda: obj.title,
        "auditevent": lambda: f'<td class="field-office_code">{obj.office_code}</td>',
        "user": lambda: obj.username,
    }[name]()


SCOPED = [
    "office",
    "staffprofile",
    "holiday",
    "specialhours",
    "reopeneddate",
    "slapolicysetting",
    "channelaccount",
    "cannedanswer",
    "auditevent",
    "user",
]


# --- The office admin: own office allowed, another refused ---------------------------------------------------
@pytest.mark.parametrize("name", SCOPED)
def test_an_office_admin_sees_and_opens_their_office_rows_only(client, world, name):
    login(client, world["admin_soetta"])
    mine, others = world["rows"]["050100"][name], [world["rows"][code][name] for code in ("040300", "090400")]

    listing = client.get(changelist(type(mine)))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert marker(name, mine) in page
    for other in others:
        assert marker(name, other) not in page
        # Guessing the ids of another office's rows: a 404 for every view, and nothing changes (deleting is a
        # 403 whatever the id where the admin may delete nothing of the kind).
        for view in ("change", "history"):
            assert client.get(url(other, view)).status_code == 404, (name, view)
        assert client.post(url(other), {}).status_code == (403 if name == "auditevent" else 404)  # read-only log
        assert client.get(url(other, "delete")).status_code in (403, 404)
        assert client.post(url(other, "delete"), {"post": "yes"}).status_code in (403, 404)
        assert type(other).objects.filter(pk=other.pk).exists()
    assert client.get(url(mine)).status_code == 200


def test_an_unknown_id_is_a_404_for_an_admin_too(client, world):
    login(client, world["admin_soetta"])
    assert client.get("/admin/offices/holiday/999999/change/").status_code == 404
    assert client.get("/admin/offices/holiday/not-a-number/change/").status_code == 404


@pytest.mark.parametrize(
    "name, refused",
    [
        ("typology", "view"),
        ("slapolicysetting", "view"),
        ("holiday", "change"),
        ("specialhours", "change"),
        ("cannedanswer", "change"),
        ("topic", "change"),
    ],
)
def test_national_settings_are_refused_to_an_office_admin(client, world, name, refused):
    login(client, world["admin_soetta"])
    row = world["national"][name]
    if refused == "view":  # typologies and the global policy: not even listed
        assert client.get(url(row)).status_code in (403, 404)
        assert marker_absent(client, row)
    else:  # national dates, Ramadan hours, national answers, topics: shown read-only, never changed
        page = client.get(url(row))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(url(row), {"name": "Diubah", "title": "Diubah"}).status_code == 403
        assert client.post(url(row, "delete"), {"post": "yes"}).status_code in (403, 404)
        assert type(row).objects.filter(pk=row.pk).exists()
    if name in ("typology", "topic"):
        assert client.get(changelist(type(row)) + "add/").status_code == 403


def marker_absent(client, row) -> bool:
    response = client.get(changelist(type(row)))
    return response.status_code == 403 or str(row) not in response.content.decode()


def test_an_office_admin_cannot_add_or_delete_offices_nor_change_their_typology(client, world):
    soetta = world["soetta"]
    login(client, world["admin_soetta"])
    assert client.get("/admin/offices/office/add/").status_code == 403
    assert client.post(url(soetta, "delete"), {"post": "yes"}).status_code == 403

    small = Typology.objects.get(name="KPPBC TMP B")
    form = office_form(soetta, staff=list(soetta.staff.select_related("user")), typology=small.pk, code="999999")
    form["name"] = "KPU Bandara Soekarno-Hatta"
    response = client.post(url(soetta), form)

    assert response.status_code == 302
    soetta.refresh_from_db()
    assert soetta.name == "KPU Bandara Soekarno-Hatta"  # the office's own field
    assert soetta.typology.name == "KPU" and soetta.code == "050100"  # the head office's fields stay
    page = client.get(url(soetta)).content.decode()
    assert "2 of 6 officers" in page or "1 of 6 officers" in page


def test_an_office_admin_sets_weekly_hours_with_a_break_through_the_service(client, world):
    soetta = world["soetta"]
    login(client, world["admin_soetta"])
    hours = [(day, "07:30", "12:00") for day in range(5)] + [(day, "13:00", "16:00") for day in range(5)]

    response = client.post(url(soetta), office_form(soetta, hours=hours, staff=list(soetta.staff.all())))

    assert response.status_code == 302
    assert WeeklyHours.objects.filter(office=soetta).count() == 10
    event = AuditEvent.objects.get(action="hours.update", office_code="050100")
    assert event.actor == world["admin_soetta"]


def test_the_office_form_offers_only_the_staff_of_the_reach_by_full_name(client, world):
    login(client, world["admin_soetta"])
    page = client.get(url(world["soetta"])).content.decode()
    assert "Petugas050100 (petugas.050100)" in page
    assert "petugas.040300" not in page and "petugas.090400" not in page
    assert "KPU Tanjung Priok" not in page and "KPPBC Makassar" not in page


def test_the_index_lists_what_an_office_admin_administers_and_nothing_of_others(client, world):
    login(client, world["admin_soetta"])
    page = client.get("/admin/").content.decode()
    for model in (
        "office",
        "staffprofile",
        "holiday",
        "specialhours",
        "reopeneddate",
        "slapolicysetting",
        "channelaccount",
        "cannedanswer",
        "topic",
        "user",
        "auditevent",
    ):
        assert f"/{model}/" in page, model
    for model in (
        "typology",
        "inquiry",
        "message",
        "inboundevent",
        "outboundmessage",
        "webchatsession",
        "group",
        "accessattempt",
        "notification",
    ):
        assert f"/{model}/" not in page, model
    for code in ("040300", "090400"):
        assert world["rows"][code]["office"].name not in page


def test_autocomplete_and_filters_never_list_another_office(client, world):
    login(client, world["admin_soetta"])
    offices = client.get(
        "/admin/autocomplete/", {"app_label": "offices", "model_name": "holiday", "field_name": "office", "term": ""}
    ).json()
    assert [row["text"] for row in offices["results"]] == [str(world["soetta"])]
    users = client.get(
        "/admin/autocomplete/", {"app_label": "offices", "model_name": "staffprofile", "field_name": "user"}
    ).json()
    names = {row["text"] for row in users["results"]}
    assert "petugas.050100" in names and not names & {"petugas.040300", "petugas.090400"}
    for path in ("/admin/offices/holiday/", "/admin/offices/staffprofile/", "/admin/channels_intake/channelaccount/"):
        page = client.get(path).content.decode()
        assert "KPU Tanjung Priok" not in page and "KPPBC Makassar" not in page, path


def test_view_on_site_gives_nothing_away(client, world):
    login(client, world["admin_soetta"])
    other = world["rows"]["040300"]["holiday"]
    content_type = ContentType.objects.get_for_model(Holiday)
    assert client.get(f"/admin/r/{content_type.pk}/{other.pk}/").status_code == 404
    assert "viewsitelink" not in client.get(url(world["rows"]["050100"]["holiday"])).content.decode()


def test_a_row_cannot_be_moved_or_added_to_another_office(client, world):
    login(client, world["admin_soetta"])
    priok = world["priok"]
    response = client.post(
        "/admin/offices/holiday/add/",
        {"office": priok.pk, "date": "2027-01-11", "name": "Penutupan", "category": "closure"},
    )
    assert response.status_code == 200 and not Holiday.objects.filter(name="Penutupan").exists()
    response = client.post(
        "/admin/offices/holiday/add/", {"office": "", "date": "2027-01-11", "name": "Nasional?", "category": "public"}
    )
    assert response.status_code == 200 and not Holiday.objects.filter(name="Nasional?").exists()
    response = client.post(
        "/admin/offices/holiday/add/",
        {"office": world["soetta"].pk, "date": "2027-01-11", "name": "Penutupan", "category": "closure"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="holiday.add", office_code="050100", actor=world["admin_soetta"]).exists()


def test_staff_without_the_admin_role_administer_nothing(client, world):
    head = admin_of(world["soetta"], "kepala.soetta", role=Role.HEAD)
    login(client, head)
    assert "/offices/" not in client.get("/admin/").content.decode()
    for row in world["rows"]["050100"].values():
        assert client.get(url(row)).status_code in (403, 404)
    assert client.get("/admin/offices/office/").status_code == 403


# --- Staff: add, deactivate, reactivate, within the typology's limit ----------------------------------------
def new_account(office, username, role=Role.OFFICER):
    return {
        "user": "",
        "office": office.pk,
        "role": role,
        "on_duty": "on",
        "language": "id",
        "new_username": username,
        "new_first_name": "Rudi",
        "new_last_name": "Hartono",
        "new_email": f"{username}@example.invalid",
        "new_password": "Kata-sandi-awal-2026",
    }


def test_an_office_admin_opens_an_account_for_a_new_officer_within_the_limit(client, world):
    soetta = world["soetta"]
    login(client, world["admin_soetta"], "id")
    for number in range(2, 7):  # the office has one officer; KPU allows 6
        response = client.post("/admin/offices/staffprofile/add/", new_account(soetta, f"petugas{number}.soetta"))
        assert response.status_code == 302, number

    response = client.post("/admin/offices/staffprofile/add/", new_account(soetta, "petugas7.soetta"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "kini memiliki 6 petugas aktif dan akan menjadi 7" in page and "paling banyak 6" in page
    assert page.count("petugas aktif") == 1
    assert not StaffProfile.objects.filter(user__username="petugas7.soetta").exists()
    assert not type(world["admin_soetta"]).objects.filter(username="petugas7.soetta").exists()
    created = StaffProfile.objects.select_related("user").get(user__username="petugas2.soetta")
    assert created.office == soetta and created.user.get_full_name() == "Rudi Hartono"
    assert created.user.check_password("Kata-sandi-awal-2026") and not created.user.is_staff
    assert AuditEvent.objects.filter(action="user.create", office_code="050100").count() == 5


def test_a_new_account_for_another_office_is_refused(client, world):
    login(client, world["admin_soetta"])
    response = client.post("/admin/offices/staffprofile/add/", new_account(world["priok"], "penyusup"))
    assert response.status_code == 200
    assert not type(world["admin_soetta"]).objects.filter(username="penyusup").exists()


def test_a_weak_first_password_is_a_form_error(client, world):
    login(client, world["admin_soetta"])
    form = {**new_account(world["soetta"], "lemah"), "new_password": "123"}
    response = client.post("/admin/offices/staffprofile/add/", form)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not type(world["admin_soetta"]).objects.filter(username="lemah").exists()


def test_deactivating_and_reactivating_staff_goes_through_the_service_and_the_limit(client, world):
    soetta = world["soetta"]
    for _ in range(5):
        factories.StaffFactory(office=soetta, role=Role.OFFICER)
    sleeper = StaffProfile.objects.filter(office=soetta, role=Role.OFFICER).select_related("user").first()
    login(client, world["admin_soetta"], "id")

    response = client.post("/admin/offices/staffprofile/", {"action": "deactivate", "_selected_action": [sleeper.pk]})
    assert response.status_code == 302
    sleeper.user.refresh_from_db()
    assert sleeper.user.is_active is False
    assert AuditEvent.objects.filter(action="user.deactivate", office_code="050100").exists()

    factories.StaffFactory(office=soetta, role=Role.OFFICER)  # the freed place is taken: 6 of 6
    response = client.post(
        "/admin/offices/staffprofile/", {"action": "reactivate", "_selected_action": [sleeper.pk]}, follow=True
    )
    assert "kini memiliki 6 petugas aktif dan akan menjadi 7" in response.content.decode()
    sleeper.user.refresh_from_db()
    assert sleeper.user.is_active is False

    response = client.post(
        url(sleeper), {"office": soetta.pk, "role": Role.OFFICER, "on_duty": "on", "language": "id", "is_active": "on"}
    )
    assert response.status_code == 200 and "paling banyak 6" in response.content.decode()
    sleeper.user.refresh_from_db()
    assert sleeper.user.is_active is False


def test_an_office_admin_changes_a_role_and_cannot_deactivate_themselves(client, world):
    soetta = world["soetta"]
    coordinator = factories.StaffFactory(office=soetta, role=Role.COORDINATOR)
    me = world["admin_soetta"]
    login(client, me)
    response = client.post(
        url(coordinator),
        {"office": soetta.pk, "role": Role.SUPERVISOR, "on_duty": "on", "language": "id", "is_active": "on"},
    )
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.role == Role.SUPERVISOR
    response = client.post("/admin/offices/staffprofile/", {"action": "deactivate", "_selected_action": [me.staff.pk]})
    me.refresh_from_db()
    assert me.is_active is True


def test_an_office_admin_edits_their_staff_accounts_but_not_permissions_nor_superusers(client, world):
    officer = world["rows"]["050100"]["user"]
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    StaffProfile.objects.create(user=root, office=world["soetta"], role=Role.ADMIN)
    login(client, world["admin_soetta"])
    page = client.get(url(officer)).content.decode()
    assert 'name="first_name"' in page and 'name="is_superuser"' not in page and 'name="groups"' not in page
    assert client.get(url(root)).status_code == 404
    assert client.get(f"/admin/auth/user/{root.pk}/password/").status_code == 404
    assert client.get(f"/admin/auth/user/{world['rows']['040300']['user'].pk}/password/").status_code == 404
    assert client.get("/admin/auth/user/add/").status_code == 403
    response = client.post(
        url(officer),
        {
            "username": officer.username,
            "first_name": "Rina",
            "last_name": "Wijaya",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.first_name == "Rina" and not officer.is_superuser and not officer.is_staff


# --- SLA override within the head office's bounds -----------------------------------------------------------
def policy_form(office, **values):
    data = {
        "office": office.pk,
        "response_minutes": 45,
        "late_window_minutes": 120,
        "resolution_working_days": 2,
        "at_risk_ratio": 0.8,
        "abandon_after_working_days": 3,
        "head_escalation_minutes": 60,
    }
    data.update(values)
    return data


def test_an_office_admin_sets_their_policy_within_the_bounds(client, world, django_capture_on_commit_callbacks):
    policy = world["rows"]["050100"]["slapolicysetting"]
    login(client, world["admin_soetta"], "id")

    looser = client.post(url(policy), policy_form(world["soetta"], response_minutes=90))
    assert looser.status_code == 200
    assert "dari 1 sampai 55" in looser.content.decode()
    policy.refresh_from_db()
    assert policy.response_minutes == 45

    with django_capture_on_commit_callbacks(execute=True):
        tighter = client.post(url(policy), policy_form(world["soetta"], response_minutes=30))
    assert tighter.status_code == 302
    policy.refresh_from_db()
    assert policy.response_minutes == 30
    assert AuditEvent.objects.filter(action="sla_policy.save", office_code="050100").exists()


# --- Channel accounts: secrets are write-only ---------------------------------------------------------------
def test_an_office_admin_sets_and_replaces_a_secret_that_is_never_shown_again(client, world):
    account = world["rows"]["050100"]["channelaccount"]
    login(client, world["admin_soetta"])
    form = {
        "office": world["soetta"].pk,
        "kind": "telegram",
        "slug": account.slug,
        "name": account.name,
        "external_id": account.external_id,
        "secret": "NEW-SECRET-REPLACED-4321",
        "verify_token": "",
        "access_token": "",
        "allowed_origins": "",
        "is_active": "on",
    }
    page = client.get(url(account)).content.decode()
    assert "SECRET-050100-VALUE" not in page

    refused = client.post(url(account), {**form, "office": world["priok"].pk})
    assert refused.status_code == 200 and "NEW-SECRET-REPLACED-4321" not in refused.content.decode()

    assert client.post(url(account), form).status_code == 302
    account.refresh_from_db()
    assert account.secret == "NEW-SECRET-REPLACED-4321" and account.access_token == "token-abc"
    for path in (url(account), url(account, "history"), changelist(ChannelAccount), "/admin/audit/auditevent/"):
        assert "NEW-SECRET-REPLACED" not in client.get(path).content.decode(), path
    assert "NEW-SECRET" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


# --- Topics and answers -------------------------------------------------------------------------------------
def test_an_office_admin_curates_their_office_answers_only(client, world):
    login(client, world["admin_soetta"])
    response = client.post(
        "/admin/tickets/cannedanswer/add/",
        {"title": "Jam layanan", "body": "Senin-Jumat.", "tags": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert CannedAnswer.objects.get(title="Jam layanan").office == world["soetta"]
    mine = world["rows"]["050100"]["cannedanswer"]
    response = client.post(url(mine), {"title": "Jawaban baru", "body": "Isi baru.", "tags": "", "is_active": "on"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "Jawaban baru"


def test_only_the_head_office_keeps_the_topics(client, world):
    topic = world["national"]["topic"]
    form = {
        "slug": "imei",
        "name": "Pendaftaran IMEI",
        "name_en": "IMEI registration",
        "position": 1,
        "is_active": "on",
    }
    login(client, world["admin_soetta"])
    assert client.get(changelist(Topic)).status_code == 200
    assert client.post(url(topic), form).status_code == 403
    login(client, world["admin_head"])
    assert client.post(url(topic), form).status_code == 302
    topic.refresh_from_db()
    assert topic.name == "Pendaftaran IMEI"
    assert AuditEvent.objects.filter(action="topic.update", actor=world["admin_head"]).exists()


# --- Regional and head-office admins ------------------------------------------------------------------------
def test_a_regional_admin_administers_the_offices_under_the_region(client, world):
    login(client, world["admin_region"])
    page = client.get("/admin/offices/office/").content.decode()
    assert "KPPBC Makassar" in page and "Kanwil Sulbagsel" in page
    assert "KPU Soekarno-Hatta" not in page and "KPU Tanjung Priok" not in page and "Kantor Pusat" not in page
    for name in SCOPED:
        assert client.get(url(world["rows"]["090400"][name])).status_code == 200, name
        assert client.get(url(world["rows"]["050100"][name])).status_code == 404, name
    assert client.get(url(world["national"]["typology"])).status_code in (403, 404)
    response = client.post(
        "/admin/offices/specialhours/add/",
        {
            "office": world["makassar"].pk,
            "name": "Ramadan Makassar",
            "start_date": "2027-02-08",
            "end_date": "2027-03-09",
            "weekdays_only": "on",
            "hours": "08:00-15:00",
            "friday_hours": "08:00-15:30",
        },
    )
    assert response.status_code == 302
    assert SpecialHours.objects.get(name="Ramadan Makassar").office == world["makassar"]


def test_a_head_office_admin_administers_every_office_and_the_national_settings(client, world):
    login(client, world["admin_head"])
    page = client.get("/admin/offices/office/").content.decode()
    for office in ("KPU Soekarno-Hatta", "KPU Tanjung Priok", "KPPBC Makassar", "Kanwil Sulbagsel"):
        assert office in page
    typology = world["national"]["typology"]
    response = client.post(url(typology), {"name": "KPU", "officer_limit": 5, "description": ""})
    assert response.status_code == 302
    typology.refresh_from_db()
    assert typology.officer_limit == 5
    global_policy = world["national"]["slapolicysetting"]
    form = {**policy_form(world["soetta"], response_minutes=50), "office": ""}
    assert client.post(url(global_policy), form).status_code == 302
    global_policy.refresh_from_db()
    assert global_policy.response_minutes == 50
    assert client.get("/admin/offices/office/add/").status_code == 200


def test_list_pages_of_an_office_admin_take_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(4):
        factories.StaffFactory(office=world["soetta"], role=Role.OFFICER)
    login(client, world["admin_soetta"])
    for path in (
        "/admin/offices/office/",
        "/admin/offices/staffprofile/",
        "/admin/offices/holiday/",
        "/admin/channels_intake/channelaccount/",
        "/admin/auth/user/",
    ):
        with django_assert_max_num_queries(20):
            assert client.get(path).status_code == 200


def test_messages_of_the_admin_are_indonesian_by_default(client, world):
    login(client, world["admin_soetta"], "id")
    page = client.get("/admin/offices/staffprofile/add/").content.decode()
    assert "Atau akun baru" in page
    page = client.get(url(world["soetta"])).content.decode()
    assert "Contoh 07:30" in page
    assert re.search(r"\d dari 6 petugas", page)
    assert Inquiry.objects.count() == 0


# --- Every admin page, as each demo admin: never a 500, never another office ----------------------------------
@pytest.mark.parametrize(
    "username, own, foreign",
    [
        ("admin.soetta", "Soekarno-Hatta", ("Tanjung Priok", "TMP B Makassar", "TMP B Jayapura", "Sulawesi")),
        ("admin.sulbagsel", "TMP B Makassar", ("Soekarno-Hatta", "Tanjung Priok", "TMP B Jayapura", "Papua")),
    ],
)
def test_every_admin_page_as_a_demo_admin_answers_without_a_500_or_another_office(client, username, own, foreign):
    import io

    from django.contrib import admin
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    user = type(factories.UserFactory.build()).objects.get(username=username)
    login(client, user, "id")
    index = client.get("/admin/").content.decode()
    assert not any(name in index for name in foreign)
    for model in admin.site._registry:
        meta = model._meta
        listing = client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
        assert listing.status_code in (200, 403), meta.label
        if listing.status_code == 200:
            page = listing.content.decode()
            assert not any(name in page for name in foreign), meta.label
        for row in model.objects.all()[:40]:
            response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/{row.pk}/change/")
            assert response.status_code in (200, 403, 404), (meta.label, row.pk)
            if response.status_code == 200:
                page = response.content.decode()
                assert not any(name in page for name in foreign), (meta.label, row.pk)
    assert own in client.get("/admin/offices/office/").content.decode()


def test_hours_errors_are_indonesian_and_name_the_day(client, world):
    soetta = world["soetta"]
    login(client, world["admin_soetta"], "id")
    hours = [(0, "07:30", "12:00"), (0, "11:00", "16:00"), (1, "16:00", "08:00")]
    page = client.post(url(soetta), office_form(soetta, hours=hours, staff=list(soetta.staff.all()))).content.decode()
    assert "Senin: 07:30–12:00 dan 11:00–16:00 tumpang tindih" in page
    assert "Selasa: 16:00–08:00 berakhir sebelum dimulai" in page
    assert "overlap" not in page and WeeklyHours.objects.filter(office=soetta).count() == 5

    response = client.post(
        "/admin/offices/specialhours/add/",
        {
            "office": soetta.pk,
            "name": "Ramadan",
            "start_date": "2027-02-08",
            "end_date": "2027-03-09",
            "weekdays_only": "on",
            "hours": "08:00-12:00, 11:00-15:00",
            "friday_hours": "pagi saja",
        },
    )
    page = response.content.decode()
    assert "tumpang tindih" in page and "“pagi saja” bukan rentang waktu seperti 08:00-15:00" in page
    assert not SpecialHours.objects.filter(name="Ramadan").exists()
