"""Topics (issue 13, point 3): officers of the inquiry's office tag them from the conversation page, audited."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from offices.models import Role
from tests import factories
from tickets.models import Topic
from tickets.topics import inquiry_topics_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(webchat_account):
    return factories.InquiryFactory(account=webchat_account)


def topic(slug):
    return Topic.objects.get(slug=slug)


def ensure_topics():
    """The seeded list (the migration's); created here when the test database was built without migrations."""
    for position, (slug, name, name_en) in enumerate(
        [("barang-kiriman", "Barang kiriman", "Parcels (barang kiriman)"), ("imei", "IMEI", "IMEI"),
         ("penipuan", "Penipuan", "Scams"), ("cukai", "Cukai", "Excise")]
    ):  # fmt: skip
        Topic.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "position": position})


@pytest.fixture(autouse=True)
def topics(db):
    ensure_topics()


def audits(inquiry):
    return list(AuditEvent.objects.filter(action="inquiry.topics", object_id=str(inquiry.pk)).order_by("id"))


def test_an_officer_tags_topics_from_the_conversation_page(client, officer, inquiry):
    client.force_login(officer)
    page = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert 'id="topics"' in page and "Barang kiriman" in page
    response = client.post(
        f"/inbox/{inquiry.pk}/topics/",
        {"topics": [topic("imei").pk, topic("penipuan").pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="topics"' in response.content.decode() and "<html" not in response.content.decode()  # just the box
    assert set(inquiry.topics.values_list("slug", flat=True)) == {"imei", "penipuan"}
    (event,) = audits(inquiry)
    assert event.actor == officer and event.office_code == inquiry.office.code
    assert event.changes["added"] == ["imei", "penipuan"] and event.changes["removed"] == []


def test_changing_topics_audits_what_was_added_and_removed_and_no_change_audits_nothing(client, officer, inquiry):
    client.force_login(officer)
    client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("imei").pk]})
    response = client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("cukai").pk]})
    assert response.status_code == 302 and response["Location"] == f"/inbox/{inquiry.pk}/"
    assert list(inquiry.topics.values_list("slug", flat=True)) == ["cukai"]
    assert audits(inquiry)[-1].changes == {"added": ["cukai"], "removed": ["imei"], "topics": ["cukai"]}
    client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("cukai").pk]})
    assert len(audits(inquiry)) == 2
    client.post(f"/inbox/{inquiry.pk}/topics/", {})  # all unticked: none left
    assert inquiry.topics.count() == 0 and audits(inquiry)[-1].changes["removed"] == ["cukai"]


def test_another_offices_officer_is_refused(client, other_office, inquiry):
    stranger = factories.StaffFactory(office=other_office).user
    client.force_login(stranger)
    assert client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("imei").pk]}).status_code == 404
    with pytest.raises(PermissionDenied):
        inquiry_topics_set(inquiry=inquiry, topics=[topic("imei")], by=stranger)
    assert inquiry.topics.count() == 0 and audits(inquiry) == []


def test_internal_compliance_reads_the_topics_but_does_not_tag(client, office, officer, inquiry):
    inquiry_topics_set(inquiry=inquiry, topics=[topic("imei")], by=officer)
    compliance = factories.StaffFactory(office=office, role=Role.COMPLIANCE).user
    client.force_login(compliance)
    page = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert "IMEI" in page and f'action="/inbox/{inquiry.pk}/topics/"' not in page
    response = client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("cukai").pk]}, headers={"HX-Request": "1"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert list(inquiry.topics.values_list("slug", flat=True)) == ["imei"]


def test_inactive_topics_are_not_offered_and_cannot_be_added(client, officer, inquiry):
    retired = topic("penipuan")
    inquiry_topics_set(inquiry=inquiry, topics=[retired], by=officer)
    Topic.objects.filter(pk=retired.pk).update(is_active=False)
    client.force_login(officer)
    page = client.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert f'value="{retired.pk}"' not in page
    response = client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("imei").pk, retired.pk]})
    assert response.status_code == 302
    assert set(inquiry.topics.values_list("slug", flat=True)) == {"penipuan"}  # refused: nothing changed
    with pytest.raises(ValidationError):
        inquiry_topics_set(inquiry=inquiry, topics=[Topic.objects.get(pk=retired.pk)], by=officer)
    # an inactive topic the inquiry already has stays when the officer saves the offered ones
    client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [topic("imei").pk]})
    assert set(inquiry.topics.values_list("slug", flat=True)) == {"penipuan", "imei"}


def test_the_box_ticks_the_inquiry_s_topics_and_shows_a_retired_one_apart(client, office, officer, inquiry):
    """What the box draws: every offered topic in the admins' order, ticked where the inquiry has it; an inactive
    topic the inquiry keeps as a chip; another inquiry's topics neither ticked nor shown."""
    retired = topic("penipuan")
    inquiry_topics_set(inquiry=inquiry, topics=[topic("imei"), retired], by=officer)
    other = factories.InquiryFactory(account=inquiry.account)
    inquiry_topics_set(inquiry=other, topics=[topic("cukai")], by=officer)
    Topic.objects.filter(pk=retired.pk).update(is_active=False)
    client.force_login(officer)
    box = client.get(f"/inbox/{inquiry.pk}/").content.decode().split('id="topics"')[1].split("</section>")[0]
    ticked = re.findall(r'value="(\d+)" checked', box)
    offered = re.findall(r'name="topics" value="(\d+)"', box)
    assert ticked == [str(topic("imei").pk)]
    expected = Topic.objects.filter(is_active=True).order_by("position", "name")
    assert offered == [str(pk) for pk in expected.values_list("pk", flat=True)]
    assert 'class="chip"' in box and "Penipuan" in box.split("</fieldset>")[1]
    compliance = factories.StaffFactory(office=office, role=Role.COMPLIANCE).user
    client.force_login(compliance)
    box = client.get(f"/inbox/{inquiry.pk}/").content.decode().split('id="topics"')[1].split("</section>")[0]
    chips = re.findall(r'<span class="chip">([^<]+)</span>', box)
    assert chips == ["IMEI", "Penipuan"]  # the inquiry's, active or not, in the topics' order; not "Cukai"


@pytest.mark.parametrize("value", ["abc", "99999", "1" * 30, "\u0661", ""])
def test_unknown_topics_are_a_clear_error_never_a_500(client, officer, inquiry, value):
    client.force_login(officer)
    response = client.post(f"/inbox/{inquiry.pk}/topics/", {"topics": [value]}, headers={"HX-Request": "1"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert inquiry.topics.count() == 0


def test_topic_labels_follow_the_ui_language(english, officer, inquiry):
    inquiry_topics_set(inquiry=inquiry, topics=[topic("penipuan")], by=officer)
    english.force_login(officer)
    page = english.get(f"/inbox/{inquiry.pk}/").content.decode()
    assert "Scams" in page and "Parcels (barang kiriman)" in page


def test_the_api_detail_shows_the_topics(client, officer, inquiry):
    inquiry_topics_set(inquiry=inquiry, topics=[topic("imei"), topic("barang-kiriman")], by=officer)
    client.force_login(officer)
    body = client.get(f"/api/v1/inquiries/{inquiry.pk}/", headers={"Accept-Language": "en"}).json()
    assert sorted(body["topics"], key=lambda t: t["slug"]) == [
        {"slug": "barang-kiriman", "label": "Parcels (barang kiriman)"},
        {"slug": "imei", "label": "IMEI"},
    ]


# --- The API: topics set by an integrating system -------------------------------------------------------------
def test_the_api_lists_the_offered_topics_in_order_and_language(api_client, officer):
    Topic.objects.filter(slug="imei").update(is_active=False)
    api_client.force_authenticate(officer)
    body = api_client.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="en").json()
    slugs = [t["slug"] for t in body]
    assert "imei" not in slugs and {"barang-kiriman", "penipuan", "cukai"} <= set(slugs)
    assert [t["position"] for t in body] == sorted(t["position"] for t in body)
    assert {"slug": "penipuan", "label": "Scams"} == {
        k: v for k, v in body[slugs.index("penipuan")].items() if k != "position"
    }


def test_the_api_sets_topics_by_code_audited_and_the_reports_see_them(api_client, officer, inquiry):
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": ["cukai", "penipuan", "cukai"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sorted(t["slug"] for t in response.json()) == ["cukai", "penipuan"]
    assert set(inquiry.topics.values_list("slug", flat=True)) == {"cukai", "penipuan"}
    (event,) = audits(inquiry)
    assert event.actor == officer and event.changes["added"] == ["cukai", "penipuan"]
    # PUT replaces; [] removes them all
    response = api_client.put(f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": []}, format="json")
    assert response.status_code == 200 and response.json() == []
    assert inquiry.topics.count() == 0
    detail = api_client.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert detail["topics"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"topics": ["tidak-ada"]},
        {"topics": "cukai"},
        {"topics": [{"slug": "cukai"}]},
        {"topics": ["a" * 41]},
        {"topics": ["x"] * 51},
        {},
        {"topics": None},
    ],
)
def test_bad_topics_are_a_400_that_changes_nothing(api_client, officer, inquiry, body):
    inquiry_topics_set(inquiry=inquiry, topics=[topic("imei")], by=officer)
    api_client.force_authenticate(officer)
    response = api_client.post(f"/api/v1/inquiries/{inquiry.pk}/topics/", body, format="json")
    assert response.status_code == 400, response.content
    assert "topics" in response.json()["error"]["fields"]
    assert set(inquiry.topics.values_list("slug", flat=True)) == {"imei"}


def test_an_unknown_topic_is_named_in_the_error(api_client, officer, inquiry):
    api_client.force_authenticate(officer)
    response = api_client.post(
        f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": ["cukai", "tidak-ada"]}, format="json"
    )
    assert response.status_code == 400 and "tidak-ada" in str(response.json()["error"]["fields"]["topics"])
    assert inquiry.topics.count() == 0


def test_an_inactive_topic_is_refused_through_the_api(api_client, officer, inquiry):
    Topic.objects.filter(slug="penipuan").update(is_active=False)
    api_client.force_authenticate(officer)
    response = api_client.post(f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": ["penipuan"]}, format="json")
    assert response.status_code == 400
    assert inquiry.topics.count() == 0


def test_the_api_refuses_another_office_and_compliance(api_client, other_office, office, inquiry):
    api_client.force_authenticate(factories.StaffFactory(office=other_office).user)
    assert (
        api_client.post(f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": ["cukai"]}, format="json").status_code
        == 404
    )
    api_client.force_authenticate(factories.StaffFactory(office=office, role=Role.COMPLIANCE).user)
    assert (
        api_client.post(f"/api/v1/inquiries/{inquiry.pk}/topics/", {"topics": ["cukai"]}, format="json").status_code
        == 403
    )
    assert inquiry.topics.count() == 0
