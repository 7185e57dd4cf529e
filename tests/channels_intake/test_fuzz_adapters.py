"""Property-based tests of every adapter's untrusted inputs: bodies, headers and handshake queries.

A body reaches ``parse`` only once its signature is verified, but a correctly signed body can still be anything
a platform (or a leaked secret) sends: ``parse`` must raise nothing but ``PayloadError``, and what it returns
must be storable. ``verify_signature`` and ``handshake`` see the whole Internet and must never raise.
"""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_intake.adapters import (
    Credentials,
    HandshakeResponse,
    InboundMessage,
    ParseResult,
    PayloadError,
    get_adapter,
    kinds,
)
from channels_intake.adapters.base import MAX_ID_LENGTH

FIXTURES = Path(__file__).parent / "fixtures"
KINDS = kinds()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fixtures(kind: str) -> list:
    return [json.loads(path.read_text()) for path in sorted((FIXTURES / kind).glob("*.json"))]


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            found.add(key)
            _keys(child, found)
    elif isinstance(value, list):
        for child in value:
            _keys(child, found)
    return found


FIXTURE_BODIES = {kind: _fixtures(kind) for kind in KINDS}
# The keys the platforms really use, so generated objects reach deep into each parser, not only its first check.
VOCABULARY = sorted(set().union(*(_keys(body, set()) for bodies in FIXTURE_BODIES.values() for body in bodies)))
VALUES = sorted({"page", "instagram", "whatsapp_business_account", "message_create", "text", "image", "media"})

# Text with NUL and lone surrogates mixed in (text() drops surrogates even from its alphabet: join characters).
any_text = st.lists(st.characters() | st.sampled_from(["\x00", "\ud800", "\udfff", "\ud83d"]), max_size=30).map("".join)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)  # hundreds of digits
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
    | st.sampled_from(VALUES)
    | st.text(alphabet="0123456789", min_size=250, max_size=300)  # ids around the 255-character limit
)
keys = st.sampled_from(VOCABULARY) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


@st.composite
def mutated_fixtures(draw, kind: str):
    """A real payload of the platform with one to three parts (a leaf, a branch) replaced by junk; replacing the
    whole body is what ``json_values`` alone does."""
    body = draw(st.sampled_from(FIXTURE_BODIES[kind]))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(body))[1:]
        if not paths:
            break
        if draw(st.booleans()):  # hypothesis favours the first choices: start half the time from the leaves
            paths.reverse()
        body = _replace(body, draw(st.sampled_from(paths)), draw(json_values))
    return body


def _encode(value) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()  # ensure_ascii: lone surrogates travel as \ud800


def assert_parse_contract(kind: str, body: bytes) -> None:
    try:
        result = get_adapter(kind).parse(body)
    except PayloadError:
        return
    assert isinstance(result, ParseResult)
    for message in result.messages:
        assert isinstance(message, InboundMessage)
        # Whatever was parsed can be stored: JSON-safe, round-trips, no NUL, encodable as UTF-8.
        data = message.to_dict()
        json.dumps(data).encode("utf-8")
        assert InboundMessage.from_dict(data) == message
        for name in ("dedupe_key", "sender_id", "sender_name", "text", "recipient_id", "reply_to_id"):
            value = getattr(message, name)
            assert "\x00" not in value
            value.encode("utf-8")
        problems = message.problems()
        long_ids = [n for n in ("dedupe_key", "sender_id", "recipient_id", "reply_to_id") if len(data[n]) > 255]
        assert bool(long_ids) <= bool(problems)
    assert all(isinstance(label, str) for label in result.ignored)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(body=st.binary(max_size=300))
def test_parse_of_arbitrary_bytes_raises_only_payload_error(kind, body):
    assert_parse_contract(kind, body)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(value=json_values)
def test_parse_of_arbitrary_json_raises_only_payload_error(kind, value):
    assert_parse_contract(kind, _encode(value))


# Kinds that receive something to parse (e-mail only sends: it has no real payload to damage).
@pytest.mark.parametrize("kind", [kind for kind in KINDS if FIXTURE_BODIES[kind]])
@FUZZ
@given(data=st.data())
def test_parse_of_a_damaged_real_payload_raises_only_payload_error(kind, data):
    assert_parse_contract(kind, _encode(data.draw(mutated_fixtures(kind))))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError inside json.loads
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"1" * 400,
        b"1" * 5000,  # beyond Python's int-from-text limit
        b'{"object": "page", "entry": [{"messaging": [{"timestamp": ' + b"9" * 400 + b"}]}]}",
        b'{"update_id": 1, "message": {"date": ' + b"9" * 400 + b', "from": {"id": 1}, "text": "a"}}',
        b'{"text": "\x00"}',
        b"\x00" * 10,
    ],
)
def test_parse_of_pathological_bodies_raises_only_payload_error(kind, body):
    assert_parse_contract(kind, body)


def test_an_id_over_the_limit_is_reported_as_a_problem_without_its_content():
    message = InboundMessage(
        dedupe_key="m" * (MAX_ID_LENGTH + 1),
        sender_id="NIK3171234567890001" * 20,
        sender_name="",
        text="a\x00b",
        sent_at=None,
        recipient_id="",
        channel="telegram",
    )
    assert message.text == "ab"
    problems = message.problems()
    assert problems == ("dedupe_key is longer than 255 characters", "sender_id is longer than 255 characters")
    assert not any("NIK" in problem for problem in problems)


header_names = st.sampled_from(
    ["X-Hub-Signature-256", "x-twitter-webhooks-signature", "X-Telegram-Bot-Api-Secret-Token", "Content-Type"]
) | st.text(max_size=30)
header_values = any_text | st.text(max_size=80) | st.sampled_from(["sha256=", "sha256=" + "0" * 64, "sha256=abc="])
credentials = st.builds(
    Credentials,
    external_id=st.text(max_size=20),
    secret=st.sampled_from(["", "s3cret"]) | any_text,
    verify_token=st.sampled_from(["", "verify-me"]) | any_text,
    access_token=st.text(max_size=20),
)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(
    creds=credentials, headers=st.dictionaries(header_names, header_values, max_size=5), body=st.binary(max_size=200)
)
def test_verify_signature_returns_a_bool_and_never_raises(kind, creds, headers, body):
    assert isinstance(get_adapter(kind).verify_signature(creds, headers, body), bool)


query_keys = st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "crc_token"]) | st.text(max_size=12)
query_values = (
    any_text
    | st.text(max_size=120)
    | st.sampled_from(["subscribe", "verify-me", "s3cret"])
    | st.from_regex(r"[A-Za-z0-9_-]{8,100}={0,2}", fullmatch=True)
)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(creds=credentials, query=st.dictionaries(query_keys, query_values, max_size=5))
def test_handshake_returns_none_or_a_response_and_never_raises(kind, creds, query):
    answer = get_adapter(kind).handshake(creds, query)
    assert answer is None or isinstance(answer, HandshakeResponse)
    if answer is not None:
        assert isinstance(answer.body, bytes) and answer.status in (200, 400, 403)
        if kind == "x" and answer.status == 200:
            token = query["crc_token"]
            assert 8 <= len(token) <= 100 and not token.startswith(("{", "["))


@FUZZ
@given(
    creds=credentials.filter(lambda c: bool(c.secret)),
    value=st.dictionaries(keys, json_values, max_size=4) | st.lists(json_values, max_size=4),
)
def test_no_json_body_can_be_signed_through_the_x_crc_handshake(creds, value):
    """The CRC answer is the HMAC the POST signature uses: a JSON body (an object, or an array) as crc_token
    must never be answered, however it is spaced."""
    for text in (json.dumps(value), json.dumps(value, separators=(",", ":"))):
        assert get_adapter("x").handshake(creds, {"crc_token": text}).status != 200
