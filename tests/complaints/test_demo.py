"""The demo: a few complaints at different steps (once, however often load_demo runs), and the compliance login
of Soekarno-Hatta lands in its workspace with them."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from complaints.models import Complaint


@pytest.mark.django_db
def test_demo_complaints_and_the_compliance_landing():
    call_command("load_demo", stdout=io.StringIO())
    first = sorted(Complaint.objects.values_list("register_number", "status"))
    assert len(first) >= 3 and len({status for _, status in first}) >= 3
    call_command("load_demo", stdout=io.StringIO())
    assert sorted(Complaint.objects.values_list("register_number", "status")) == first

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "kepatuhan.soetta", "password": "demo-bea-cukai"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/kepatuhan/"
    page = response.content.decode()
    soetta = Complaint.objects.filter(handling_office__code="050100")
    assert soetta.exists()
    for complaint in soetta:
        assert f"/kepatuhan/{complaint.register_number}/" in page
    # the Makassar complaint is not Soekarno-Hatta's to read
    makassar = Complaint.objects.get(office__code="090400")
    assert f"/kepatuhan/{makassar.register_number}/" not in page
