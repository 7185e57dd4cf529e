"""Property-based tests of the reference validators: a requester's message is arbitrary text, and the detector
runs on every inbound message, so nothing in ``tickets.identifiers`` may raise on it (beyond ``InvalidReference``
from ``validate``, which callers catch)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.identifiers import KINDS, InvalidReference, Reference, detect, mask, validate

FUZZ = settings(max_examples=200, deadline=None)

# Digits of every script, separators the validators strip, letters whose upper case is longer (ß -> SS), NUL.
tricky = st.sampled_from(list("0123456789٠١٢٣٤٥٦٧٨٩०१२३४५६७८९０１２ .-/ßﬁıİ\x00\u200b") + ["\ud800"])
texts = (
    st.text(max_size=60)
    | st.lists(tricky | st.characters(), max_size=40).map("".join)
    | st.from_regex(r"\d{2}\.?\d{3}\.?\d{3}\.?\d-?\d{3}\.?\d{3}", fullmatch=True)  # NPWP-shaped
    | st.from_regex(r"\d{11,26}", fullmatch=True)  # NIK, IMEI, NPPBKC, AWB lengths
    | st.from_regex(r"[0-9A-Z]{26}", fullmatch=True)  # nomor aju
)
kinds = st.sampled_from(sorted(KINDS)) | st.text(max_size=8)


@FUZZ
@given(kind=kinds, text=texts)
def test_validate_raises_only_invalid_reference(kind, text):
    try:
        value = validate(kind, text)
    except InvalidReference:
        return
    assert isinstance(value, str) and value
    assert validate(kind, value) == value  # a normalised value validates as itself


@FUZZ
@given(text=texts, context=st.sampled_from(["", "NIK ", "npwp: ", "IMEI ", "paspor ", "ktp "]))
def test_detect_never_raises_and_finds_only_valid_references(text, context):
    found = detect(context + text)
    assert all(isinstance(ref, Reference) and ref.kind in KINDS for ref in found)
    for ref in found:
        if ref.kind != "passport":  # passports are detected by their own, looser pattern after the word
            assert validate(ref.kind, ref.value) == ref.value


@FUZZ
@given(value=texts)
def test_mask_never_raises_and_keeps_only_the_last_four(value):
    masked = mask(value)
    assert masked.endswith(value[-4:]) and len(masked) == max(len(value), len(value[-4:]))


@pytest.mark.parametrize("text", ["", "\x00", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦", "NIK ３１７１２３４５６７８９０００１"])
def test_examples_of_odd_text(text):
    detect(text)
    mask(text)
    for kind in KINDS:
        try:
            validate(kind, text)
        except InvalidReference:
            pass
