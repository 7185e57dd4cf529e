"""Identity and document references a requester gives (clause a.1.2): validation, detection in text, masking.

Pure functions (no Django): `validate(kind, value)`, `detect(text)`, `mask(value)`, `mask_text(text)`. The
reasons `InvalidReference` gives are English msgids marked with `gettext_noop`; whoever shows one translates it
(`tickets.references.reference_add`).
"""

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik
from stdnum.id import npwp as stdnum_npwp

KINDS = {
    "nik": "NIK",
    "npwp": "NPWP",
    "nib": "NIB",
    "passport": "Paspor",
    "aju": "Nomor aju",
    "awb": "Air waybill",
    "bl": "Bill of lading",
    "cn": "Consignment note",
    "imei": "IMEI",
    "nppbkc": "NPPBKC",
}


def gettext_noop(message: str) -> str:
    """Marks a reason for the translation catalogue (xgettext reads this name) without importing Django."""
    return message


class InvalidReference(ValueError):
    pass


@dataclass(frozen=True)
class Reference:
    kind: str
    value: str  # normalised (digits only where the format is numeric)


def _digits(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value)


def _valid_aju_date(value: str) -> bool:
    try:
        date(int(value[12:16]), int(value[16:18]), int(value[18:20]))
    except ValueError:
        return False
    return True


def validate(kind: str, value: str) -> str:
    """The normalised value, or InvalidReference saying what is wrong."""
    value = (value or "").strip().upper()
    if kind not in KINDS:
        raise InvalidReference(f"unknown kind {kind!r}")
    if not value:
        raise InvalidReference(gettext_noop("Give a value."))
    if kind == "nik":
        digits = _digits(value)
        try:
            return stdnum_nik.validate(digits)
        except StdnumError as exc:
            raise InvalidReference(gettext_noop("a NIK is 16 digits with a valid region and birth date")) from exc
    if kind == "npwp":
        digits = _digits(value)
        try:
            return stdnum_npwp.validate(digits)
        except StdnumError as exc:
            raise InvalidReference(gettext_noop("an NPWP is 15 digits (check digit) or 16 digits")) from exc
    if kind == "nib":
        digits = _digits(value)
        if not re.fullmatch(r"\d{13}", digits):
            raise InvalidReference(gettext_noop("an NIB is 13 digits"))
        return digits
    if kind == "nppbkc":
        digits = _digits(value)
        if not re.fullmatch(r"\d{22}", digits):
            raise InvalidReference(gettext_noop("an NPPBKC is 22 digits"))
        return digits
    if kind == "imei":
        digits = _digits(value)
        if not re.fullmatch(r"\d{15}", digits) or not luhn.is_valid(digits):
            raise InvalidReference(gettext_noop("an IMEI is 15 digits with a Luhn check digit"))
        return digits
    if kind == "awb":
        digits = _digits(value)
        if not re.fullmatch(r"\d{11}", digits) or int(digits[3:10]) % 7 != int(digits[10]):
            raise InvalidReference(
                gettext_noop("an air waybill is a 3-digit prefix and 8 digits whose last is the serial mod 7")
            )
        return f"{digits[:3]}-{digits[3:]}"
    if kind == "aju":
        compact = _digits(value)
        if not re.fullmatch(r"[0-9A-Z]{26}", compact) or not _valid_aju_date(compact):
            raise InvalidReference(gettext_noop("a nomor aju is 26 characters with a valid date (YYYYMMDD) at 13–20"))
        return compact
    if kind == "passport":
        compact = _digits(value)
        # Accepted loosely (formats differ by country; some are digits only).
        if not re.fullmatch(r"[A-Z0-9]{6,9}", compact):
            raise InvalidReference(gettext_noop("a passport number is 6 to 9 letters and digits"))
        return compact
    # Bill of lading, consignment note: carrier-specific, accepted as text.
    if len(value) > 40 or not re.fullmatch(r"[A-Z0-9\-/ ]+", value):
        raise InvalidReference(gettext_noop("letters, digits, - and / only, at most 40 characters"))
    return value


CONTEXT = {
    "imei": re.compile(r"\bimei\b", re.I),
    "npwp": re.compile(r"\bnpwp\b", re.I),
    "nik": re.compile(r"\b(nik|ktp)\b", re.I),
    "passport": re.compile(r"\b(paspor|passport)\b", re.I),
}
PATTERNS = [
    ("aju", re.compile(r"\b[0-9A-Z]{26}\b")),
    ("npwp", re.compile(r"\b\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}\b")),
    ("nik", re.compile(r"\b\d{16}\b")),
    ("imei", re.compile(r"\b\d{15}\b")),
    ("awb", re.compile(r"\b\d{3}[- ]?\d{4} ?\d{4}\b")),
]


def detect(text: str) -> list[Reference]:
    """References found in a requester's message that pass their check (16 digits: NIK; 15: IMEI or NPWP)."""
    found: list[Reference] = []
    seen: set[tuple[str, str]] = set()
    upper = text.upper()
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(upper):
            candidates = [kind]
            if kind == "imei":
                candidates = ["npwp", "imei"] if CONTEXT["npwp"].search(text) else ["imei", "npwp"]
            elif kind == "nik":  # 16 digits: a NIK, or an NPWP since 2024 (a NIK, or "0" + the old 15)
                candidates = ["npwp", "nik"] if CONTEXT["npwp"].search(text) else ["nik", "npwp"]
            for candidate in candidates:
                try:
                    value = validate(candidate, match.group(0))
                except InvalidReference:
                    continue
                if (candidate, value) not in seen:
                    seen.add((candidate, value))
                    found.append(Reference(candidate, value))
                break
    passport = CONTEXT["passport"].search(text)
    if passport:
        after = upper[passport.end() : passport.end() + 40]
        match = re.search(r"\b([A-Z]{0,2}\d{6,9})\b", after)
        if match and ("passport", match.group(1)) not in seen:
            found.append(Reference("passport", match.group(1)))
    return found


def mask(value: str) -> str:
    """All but the last four characters hidden."""
    return "•" * max(len(value) - 4, 0) + value[-4:]


# Anything shaped like an identifier, valid or not (a NIK with a wrong date is still someone's number): every
# run of 10 or more digits, with the separators NPWP and AWB use, and the letters-and-digits of a nomor aju.
_IDENTIFIER_LIKE = re.compile(r"(?<![0-9A-Z])(?:\d[\d.\- ]{8,}\d|(?=[0-9A-Z]*\d)[0-9A-Z]{26})(?![0-9A-Z])", re.I)


def mask_text(text: str) -> str:
    """``text`` with every identifier in it masked (all but the last four characters), for lists, previews,
    notifications and exports; the full value is shown only where an officer asks for it (and it is audited)."""

    def hide(match: re.Match) -> str:
        run = match.group(0)
        compact = re.sub(r"[\s.\-]", "", run)
        if compact.isdigit() and len(compact) < 10:
            return run
        return mask(compact)

    masked = _IDENTIFIER_LIKE.sub(hide, text)
    passport = CONTEXT["passport"].search(masked)
    if passport:
        after = masked[passport.end() : passport.end() + 40]
        number = re.search(r"\b([A-Za-z]{1,2}\d{6,8})\b", after)
        if number:
            start = passport.end() + number.start(1)
            masked = masked[:start] + mask(number.group(1)) + masked[start + len(number.group(1)) :]
    return masked
