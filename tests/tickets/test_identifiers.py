"""Identity and document references: validation by type, detection in messages, masking."""

import pytest

from tickets.identifiers import InvalidReference, detect, mask, validate

VALID_NIK = "3171074507900004"  # Jakarta Pusat, born 05-07-1990 (+40: female), sequence 0004


@pytest.mark.parametrize(
    ("kind", "value", "normalised"),
    [
        ("nik", VALID_NIK, VALID_NIK),
        ("npwp", "01.312.166.0-091.000", "013121660091000"),
        ("imei", "490154203237518", "490154203237518"),
        ("awb", "123-12345675", "123-12345675"),
        ("awb", "12312345675", "123-12345675"),
        ("aju", "05010020ABCDEF20261207000123", None),
        ("aju", "050120ABC12320261207000123", "050120ABC12320261207000123"),
        ("passport", "b1234567", "B1234567"),
        ("nib", "1234567890123", "1234567890123"),
        ("bl", "MAEU-123456789", "MAEU-123456789"),
    ],
)
def test_validation_by_type(kind, value, normalised):
    if normalised is None:
        with pytest.raises(InvalidReference):
            validate(kind, value)
    else:
        assert validate(kind, value) == normalised


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("nik", "3171074507900"),  # too short
        ("nik", "3171079913900004"),  # month 13... and day 99
        ("npwp", "01.312.166.1-091.000"),  # wrong check digit
        ("imei", "490154203237517"),  # Luhn fails
        ("awb", "123-12345674"),  # serial mod 7 is 5, not 4
        ("aju", "050120ABC12320261307000123"),  # month 13
        ("passport", "12345"),
    ],
)
def test_invalid_references_are_refused(kind, value):
    with pytest.raises(InvalidReference):
        validate(kind, value)


def test_detect_finds_references_in_a_message():
    text = (
        f"Selamat siang, NIK saya {VALID_NIK}, resi AWB 123-12345675, nomor aju 050120ABC12320261207000123, "
        "IMEI HP 490154203237518. Nomor 1234567890123456 bukan NIK valid."
    )
    found = {(ref.kind, ref.value) for ref in detect(text)}
    assert found == {
        ("nik", VALID_NIK),
        ("awb", "123-12345675"),
        ("aju", "050120ABC12320261207000123"),
        ("imei", "490154203237518"),
    }


def test_a_15_digit_number_next_to_npwp_is_an_npwp():
    assert [(r.kind, r.value) for r in detect("NPWP kami 013121660091000")] == [("npwp", "013121660091000")]


def test_passport_next_to_the_word():
    assert [(r.kind, r.value) for r in detect("nomor paspor saya B1234567 terima kasih")] == [("passport", "B1234567")]


def test_mask_keeps_the_last_four():
    assert mask(VALID_NIK) == "••••••••••••0004"
    assert mask("123") == "123"


# --- Masked in lists (clause a.1.2) -------------------------------------------------------------------------
def test_mask_text_hides_every_identifier_shape_and_keeps_the_rest():
    from tickets.identifiers import mask_text

    text = "NIK 3171234567890001, NPWP 01.312.166.0-091.000, AWB 123-1234 5675, paspor A1234567, jam 10:30 ke-3"
    masked = mask_text(text)
    for secret in ("3171234567890001", "01.312.166.0-091.000", "123-1234 5675", "A1234567"):
        assert secret not in masked
    assert "0001" in masked and "jam 10:30 ke-3" in masked


@pytest.mark.django_db
def test_a_nik_in_the_first_message_is_masked_in_the_inbox_list_and_the_api_and_the_thread_until_revealed(
    client, api_client
):
    from channels_intake.adapters import InboundMessage
    from tests import factories
    from tickets.inquiries import inbound_message_receive

    office = factories.OfficeFactory()
    officer = factories.StaffFactory(office=office).user
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    nik = "3171234567890001"
    message = InboundMessage(
        dedupe_key="1",
        sender_id="u1",
        sender_name="Budi",
        text=f"NIK saya {nik}, paket tertahan",
        sent_at=None,
        recipient_id="",
        channel="telegram",
    )
    inquiry = inbound_message_receive(account=account, message=message).inquiry

    client.force_login(officer)
    api_client.force_authenticate(officer)
    inbox = client.get("/inbox/").content.decode()
    listed = api_client.get("/api/v1/inquiries/").json()
    assert nik not in inbox and "0001, paket tertahan" in inbox
    assert nik not in str(listed) and listed["results"][0]["preview"].endswith("0001, paket tertahan")
    # The thread masks it too; its office's officer reveals the message (audited: tests/tickets/test_reveal.py).
    assert nik not in client.get(f"/inbox/{inquiry.pk}/").content.decode()
    message = inquiry.messages.get()
    assert nik in client.post(f"/inbox/{inquiry.pk}/messages/{message.pk}/reveal/").content.decode()


def test_real_forms_are_detected_a_16_digit_npwp_an_awb_with_a_space_and_a_digits_only_passport():
    assert [(r.kind, r.value) for r in detect("NPWP 0013121660091000")] == [("npwp", "0013121660091000")]
    assert [(r.kind, r.value) for r in detect("resi AWB 123-1234 5675 belum sampai")] == [("awb", "123-12345675")]
    assert validate("passport", "123456789") == "123456789"  # passports are accepted loosely
    assert [(r.kind, r.value) for r in detect("nomor paspor 123456789")] == [("passport", "123456789")]


@pytest.mark.django_db
def test_a_refused_reference_says_why_in_the_users_language():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from tests import factories
    from tickets.references import reference_add

    office = factories.OfficeFactory()
    officer = factories.StaffFactory(office=office).user
    inquiry = factories.InquiryFactory(office=office, account=factories.ChannelAccountFactory(office=office))
    with translation.override("id"), pytest.raises(ValidationError) as refused:
        reference_add(inquiry=inquiry, actor=officer, kind="awb", value="123-12345674")
    assert refused.value.message_dict["value"] == [
        "air waybill adalah awalan 3 digit dan 8 digit yang digit terakhirnya adalah nomor seri mod 7"
    ]
