"""A region with two offices under it, and a member of staff of every role that matters to complaints."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from offices.models import Office, Role
from tests import factories

# A Monday at 09:00 WITA (the world's offices are in Makassar).
MONDAY_9 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def own_cache(settings):
    """The throttle's counters in a cache of this process: the test Redis database is shared, and another test
    run on the machine clearing it between our requests would reset them (the limit itself is backend-neutral)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate"}}
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class World:
    region: Office
    office: Office
    other_office: Office
    officer: object
    colleague: object
    coordinator: object
    supervisor: object
    head: object
    compliance: object
    compliance_other: object
    compliance_region: object
    regional_head: object


@pytest.fixture
def world(db) -> World:
    region = factories.OfficeFactory(
        code="090000", name="Kanwil DJBC Sulbagsel", kind=Office.Kind.REGIONAL, timezone="Asia/Makassar"
    )
    office = factories.OfficeFactory(
        code="090400", name="KPPBC TMP B Makassar", parent=region, timezone="Asia/Makassar"
    )
    other = factories.OfficeFactory(code="090500", name="KPPBC TMP C Parepare", parent=region, timezone="Asia/Makassar")

    def staff(where, role, username):
        return factories.StaffFactory(office=where, role=role, user__username=username).user

    return World(
        region=region,
        office=office,
        other_office=other,
        officer=staff(office, Role.OFFICER, "petugas"),
        colleague=staff(office, Role.OFFICER, "rekan"),
        coordinator=staff(office, Role.COORDINATOR, "koordinator"),
        supervisor=staff(office, Role.SUPERVISOR, "supervisor"),
        head=staff(office, Role.HEAD, "kepala"),
        compliance=staff(office, Role.COMPLIANCE, "kepatuhan"),
        compliance_other=staff(other, Role.COMPLIANCE, "kepatuhan.lain"),
        compliance_region=staff(region, Role.COMPLIANCE, "kepatuhan.kanwil"),
        regional_head=staff(region, Role.HEAD, "kepala.kanwil"),
    )


def payload(office_code="090400", **overrides) -> dict:
    body = {
        "kind": "complaint",
        "name": "Budi Santoso",
        "contact": "budi@example.com",
        "office": office_code,
        "matter": "Petugas meminta uang tambahan untuk mempercepat pemeriksaan barang.",
        "place": "Gudang kiriman Bandara Sultan Hasanuddin",
        "occurred_at": "2026-12-01T10:30:00+08:00",
        "parties": "Petugas berinisial A",
        "chronology": "Saya datang pukul 10.00, lalu diminta membayar Rp500.000 tanpa tanda terima.",
    }
    body.update(overrides)
    return body


def page_payload(office_code="090400", **overrides) -> dict:
    body = payload(office_code)
    body["complainant_name"] = body.pop("name")
    body["complainant_contact"] = body.pop("contact")
    body["occurred_at"] = "2026-12-01T10:30"
    body.update(overrides)
    return body
