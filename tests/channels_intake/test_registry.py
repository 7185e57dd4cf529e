"""The adapter registry and the pieces every adapter shares (text splitting, message round trips)."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from channels_intake.adapters import (
    Adapter,
    Attachment,
    InboundMessage,
    MetaAdapter,
    Registry,
    get_adapter,
    registry,
    split_text,
)
from channels_intake.adapters.base import utf16_length

# --- registry ---------------------------------------------------------------------------------


def test_every_platform_is_registered_under_its_kind():
    assert registry.kinds() == ["email", "meta", "telegram", "webchat", "whatsapp", "x"]
    for kind in registry.kinds():
        adapter = get_adapter(kind)
        assert adapter.kind == kind
        assert isinstance(adapter, Adapter)
        assert adapter.text_limit > 0


def test_text_limits_follow_the_platforms():
    limits = {kind: get_adapter(kind).text_limit for kind in ("meta", "whatsapp", "telegram", "x")}

    assert limits == {"meta": 2000, "whatsapp": 4096, "telegram": 4096, "x": 10000}


def test_unknown_kind_raises_a_clear_key_error():
    with pytest.raises(KeyError) as caught:
        get_adapter("line")

    assert "line" in str(caught.value)
    assert "meta, telegram, webchat, whatsapp, x" in str(caught.value)


def test_registry_refuses_duplicate_keys():
    fresh: Registry[object] = Registry()
    fresh.register("meta", MetaAdapter())

    with pytest.raises(ValueError, match="already registered"):
        fresh.register("meta", MetaAdapter())

    assert fresh.kinds() == ["meta"]


def test_registry_lists_kinds_sorted_and_supports_membership():
    fresh: Registry[str] = Registry()
    for key in ("x", "meta", "b"):
        fresh.register(key, key.upper())

    assert fresh.kinds() == ["b", "meta", "x"]
    assert list(fresh) == ["b", "meta", "x"]
    assert "meta" in fresh and "line" not in fresh
    assert len(fresh) == 3
    assert fresh.get("x") == "X"


def test_empty_registry_says_so():
    with pytest.raises(KeyError, match="known kinds: none"):
        Registry().get("meta")


# --- InboundMessage ---------------------------------------------------------------------------


def test_inbound_message_round_trips_through_json():
    message = InboundMessage(
        dedupe_key="wamid.1",
        sender_id="US.13491208655302741918",
        sender_name="Sheena Nelson",
        text="",
        sent_at=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        recipient_id="106540352242922",
        channel="whatsapp",
        attachments=(
            Attachment(kind="image", platform_id="2754859441498128", caption="resi"),
            Attachment(kind="location", latitude=-6.1275, longitude=106.6537, name="Soekarno-Hatta"),
        ),
        reply_to_id="",
    )

    data = json.loads(json.dumps(message.to_dict()))

    assert data["sent_at"] == "2026-01-02T03:04:05.678000+00:00"
    assert InboundMessage.from_dict(data) == message
    # to_dict is written out by hand (the webhook's hot path): it must name every field, as asdict would.
    expected = dataclasses.asdict(message) | {"sent_at": "2026-01-02T03:04:05.678000+00:00"}
    assert message.to_dict() == expected
    assert list(message.to_dict()) == [f.name for f in dataclasses.fields(InboundMessage)]


def test_inbound_message_without_timestamp_round_trips():
    message = InboundMessage(
        dedupe_key="1",
        sender_id="s",
        sender_name="",
        text="hi",
        sent_at=None,
        recipient_id="",
        channel="webchat",
    )

    assert InboundMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message


def test_inbound_message_refuses_naive_datetimes_and_unknown_channels():
    with pytest.raises(ValueError):
        InboundMessage(
            dedupe_key="1",
            sender_id="s",
            sender_name="",
            text="",
            sent_at=datetime(2026, 1, 1),
            recipient_id="",
            channel="webchat",
        )
    with pytest.raises(ValueError):
        InboundMessage(
            dedupe_key="1",
            sender_id="s",
            sender_name="",
            text="",
            sent_at=None,
            recipient_id="",
            channel="line",
        )
    with pytest.raises(ValueError):
        Attachment(kind="pdf")


# --- split_text -------------------------------------------------------------------------------


def test_text_that_fits_is_returned_unchanged():
    assert split_text("  Halo,\n\ndunia  ", 100) == ["  Halo,\n\ndunia  "]


def test_blank_text_gives_no_chunks():
    assert split_text("", 10) == []
    assert split_text(" \n\t ", 10) == []


def test_split_prefers_paragraph_then_line_then_space():
    assert split_text("aaaa bbbb\n\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa bbbb\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa bbbb cccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]


def test_split_at_a_space_right_after_the_window():
    assert split_text("abcde fghij", 5) == ["abcde", "fghij"]


def test_word_longer_than_the_limit_is_cut_hard():
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_long_url_is_not_broken_when_a_space_precedes_it():
    url = "https://www.beacukai.go.id/" + "p" * 60
    assert split_text("lihat " + url, 100) == ["lihat " + url]
    assert split_text("lihat " + url + " ya", 90) == ["lihat", url + " ya"]


@pytest.mark.parametrize("limit", [1, 7, 50, 333, 2000])
def test_split_never_exceeds_the_limit_and_loses_no_words(limit):
    words = [f"kata{i}" * (1 + i % 7) for i in range(400)]
    text = " ".join(words) + "\n\n" + "\n".join(words[:50])

    chunks = split_text(text, limit)

    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_split_by_utf16_length_counts_emoji_twice():
    text = "📦" * 10

    chunks = split_text(text, 4, length=utf16_length)

    assert chunks == ["📦📦", "📦📦", "📦📦", "📦📦", "📦📦"]
    assert split_text(text, 4) == ["📦📦📦📦", "📦📦📦📦", "📦📦"]


def test_split_rejects_a_non_positive_limit():
    with pytest.raises(ValueError):
        split_text("abc", 0)
