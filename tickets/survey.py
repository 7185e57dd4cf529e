"""The satisfaction survey (clause b.8.2): asked once after the answer, on the requester's channel.

- **When**: once the inquiry is closed as answered and its answer, or its ticket's final answer, was delivered:
  ``replies.delivery_record`` (a delivered answer) and ``inquiries.inquiry_resolve`` (the close) queue
  ``survey_send`` after commit, and whichever comes last asks; ``redrive_surveys`` (beat, every 5 minutes) asks
  what a broker outage left unqueued. A second answer or ticket of the same inquiry never asks again
  (``survey_status`` moves from "" once, a conditional update).
- **Not asked**: ``skipped`` for an anonymised inquiry and one closed as not a request, no reply or a duplicate;
  ``window_closed`` where the platform's free-form reply window has closed (Meta's tagged HUMAN_AGENT window is for
  a person's answer, never for a survey); an answered inquiry whose answer was never delivered (the final answer
  left for the public lookup) stays unasked.
- **How**: one message of numbered choices in the requester's language (the adapters send text only today, so
  the numbered text is what every social channel gets; the web-chat widget shows the same choices as buttons,
  ``survey_prompt``). The message is a ``system`` message: it meets, starts and pauses no SLA target.
- **The reply**: ``survey_reply_receive`` is asked first by ``inquiries.inbound_message_receive``. A text that
  reads as a rating ("5", "lima", "⭐⭐⭐⭐", "4, jelas dan cepat", a button payload "survey:5") from a requester
  asked in the last ``REPLY_DAYS`` is filed in the surveyed inquiry's thread (nothing they send is lost) and
  recorded; anything else ("5 kg barang saya", "3, kapan dikirim?") continues the conversation as an ordinary
  message. Parsing comes first, so a message that is no rating costs no query; one that is costs one indexed
  query (``inquiry_survey_sent``).
- A rating of 1 or 2 notifies the office's coordinators; the comment can become a complaint in one step (the
  conversation page's survey panel posts it to complaints' "turn into a complaint").
"""

import re
from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from channels_intake import services as transport
from channels_intake.adapters import InboundMessage
from common.aftercommit import task_on_commit
from offices.models import Role, StaffProfile
from sla import notifications

from .models import Inquiry, Message

Survey = Inquiry.SurveyStatus

# A reply counts as the survey's answer for this long after it was asked.
REPLY_DAYS = 7
MAX_COMMENT_LENGTH = 1000
LOW_RATINGS = (1, 2)
# What triggers the survey: the answer of an inquiry, the final answer of its ticket.
ANSWER_KINDS = (Message.Kind.ANSWER, Message.Kind.FINAL_ANSWER)
# Closed without an answer worth rating: spam (not a request), abandoned (no reply), merged duplicates.
SKIPPED_OUTCOMES = (Inquiry.Outcome.NOT_REQUEST, Inquiry.Outcome.NO_REPLY, Inquiry.Outcome.DUPLICATE)

CHOICES = (
    (1, gettext_noop("very dissatisfied")),
    (2, gettext_noop("dissatisfied")),
    (3, gettext_noop("neither satisfied nor dissatisfied")),
    (4, gettext_noop("satisfied")),
    (5, gettext_noop("very satisfied")),
)

notifications.register_kind(
    "survey.low_rating",
    gettext_noop("Inquiry #%(id)s: the requester rated the answer of %(name)s %(rating)s of 5."),
)


# --- Parsing ---------------------------------------------------------------------------------------------------
WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}
STARS = "⭐★🌟"
# A button's payload (the widget's, or a platform's quick reply / interactive button): "survey:4", "RATING_4".
_PAYLOAD = re.compile(r"^(?:survey|survei|rating)[\s:_\-]*([1-5])$", re.IGNORECASE)
# A digit 1–5 standing alone, or followed by punctuation and a comment: "5", "5/5", "4 bintang", "3, lumayan",
# "2 - lambat"; never "50", "5.000", "5,5", nor "5 kg barang saya" (a bare space: a sentence, not a rating).
_END = r"(?=$|\s*[.,:;!)\-–—])"
_DIGIT = re.compile(
    r"^([1-5])(?![0-9])(?![.,][0-9])(?:\s*/\s*5)?(?:\s*(?:bintang|stars?)\b)?" + _END + r"(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_WORD = re.compile(
    r"^(" + "|".join(WORDS) + r")\b(?:\s*(?:bintang|stars?)\b)?" + _END + r"(.*)$", re.IGNORECASE | re.DOTALL
)
_STARS = re.compile(r"^((?:[" + STARS + r"]\ufe0f?\s*){1,5})(?![" + STARS + r"])(.*)$", re.DOTALL)
_SEPARATORS = " \t\r\n.,:;!-–—)"


def survey_parse(text: str) -> tuple[int, str] | None:
    """(rating, comment) when `text` reads as an answer to the survey, else None.

    "5" → (5, ""); "lima, cepat sekali" → (5, "cepat sekali"); "⭐⭐⭐⭐" → (4, ""); "survey:2" → (2, "");
    "50 kg", "5.000", "5 kg barang saya", "satu lagi", "3, kapan dikirim?" → None.
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT_LENGTH + 20:
        return None
    match = _PAYLOAD.match(text)
    if match:
        return int(match.group(1)), ""
    match = _DIGIT.match(text)
    if match:
        return _rated(int(match.group(1)), match.group(2))
    match = _WORD.match(text)
    if match:
        return _rated(WORDS[match.group(1).lower()], match.group(2))
    match = _STARS.match(text)
    if match:
        return _rated(sum(1 for char in match.group(1) if char in STARS), match.group(2))
    return None


def _comment(rest: str) -> str:
    return rest.lstrip(_SEPARATORS).strip()[:MAX_COMMENT_LENGTH]


def _rated(rating: int, rest: str) -> tuple[int, str] | None:
    """A comment that asks something ("5, tapi kapan paket saya datang?") is a question for an officer: the
    message continues the conversation instead of being filed away with the closed inquiry's rating."""
    comment = _comment(rest)
    return None if "?" in comment else (rating, comment)


# --- Texts -----------------------------------------------------------------------------------------------------
def _language(requester) -> str:
    return requester.language if requester.language in ("id", "en") else "id"


def survey_text(language: str) -> str:
    """The question with its numbered choices, in the requester's language (Indonesian first)."""
    with translation.override(language):
        lines = [
            _(
                "How satisfied are you with our answer? Reply 1 (very dissatisfied) to 5 (very satisfied); you may "
                "add a comment after a comma, for example: 5, clear and quick."
            )
        ]
        lines += [f"{value} – {_(label)}" for value, label in CHOICES]
        return "\n".join(lines)


def survey_prompt(*, requester_id: int, language: str, now: datetime | None = None) -> dict:
    """What the web-chat widget shows as buttons while its visitor has a survey to answer (one query)."""
    now = now or timezone.now()
    asked = Inquiry.objects.filter(
        requester_id=requester_id, survey_status=Survey.SENT, survey_sent_at__gte=now - timedelta(days=REPLY_DAYS)
    ).exists()
    if not asked:
        return {"survey": None}
    with translation.override(language if language in ("id", "en") else "id"):
        return {
            "survey": {
                "question": _("How satisfied are you with our answer?"),
                "choices": [
                    {"value": value, "label": _(label), "payload": f"survey:{value}"} for value, label in CHOICES
                ],
                "comment_label": _("Comment (optional)"),
                "send_label": _("Send rating"),
                "thanks": _("Thank you for your rating."),
            }
        }


# --- Asking ----------------------------------------------------------------------------------------------------
def survey_after_delivery(*, message: Message) -> None:
    """An outbound message was delivered: for an answer, ask the survey once the transaction commits."""
    if message.kind in ANSWER_KINDS:
        task_on_commit(send_survey, message.inquiry_id)


def survey_after_close(*, inquiry: Inquiry) -> None:
    """An officer closed the inquiry: answered, the survey goes out after commit; otherwise it is marked skipped."""
    task_on_commit(send_survey, inquiry.pk)


@shared_task(name="tickets.send_survey", acks_late=True)
def send_survey(inquiry_id: int) -> str:
    return survey_send(inquiry_id=inquiry_id)


# The re-drive: closes of the last two days whose survey was never queued (a broker outage at the moment).
REDRIVE_WINDOW = timedelta(days=2)
REDRIVE_BATCH = 200


@shared_task(name="tickets.redrive_surveys")
def redrive_surveys() -> int:
    """Ask the surveys a broker outage left unqueued: an indexed query on recent closes not yet surveyed."""
    return surveys_redrive(now=timezone.now())


def surveys_redrive(*, now: datetime, limit: int = REDRIVE_BATCH) -> int:
    ids = list(
        Inquiry.objects.filter(
            status=Inquiry.Status.CLOSED, survey_status=Survey.NONE, closed_at__gte=now - REDRIVE_WINDOW
        )
        .order_by("closed_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if survey_send(inquiry_id=pk, now=now) != Survey.NONE)


def _skip_reason(inquiry: Inquiry) -> str:
    if inquiry.anonymised_at is not None:
        return "anonymised"
    if inquiry.outcome in SKIPPED_OUTCOMES or inquiry.duplicate_of_id is not None:
        return f"outcome {inquiry.outcome or 'duplicate'}"
    return ""


@transaction.atomic
def survey_send(*, inquiry_id: int, now: datetime | None = None) -> str:
    """Ask the requester of `inquiry_id` for a rating, once; returns the inquiry's survey status afterwards.

    Only an inquiry closed as answered whose answer (or ticket's final answer) was delivered is asked: before
    that, nothing changes (the close or the delivery asks again). Idempotent: a survey status, once set, stays.
    """
    now = now or timezone.now()
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("account", "requester", "office")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None or inquiry.survey_status != Survey.NONE or inquiry.status != Inquiry.Status.CLOSED:
        return inquiry.survey_status if inquiry else ""
    reason = _skip_reason(inquiry)
    if not reason:
        if inquiry.outcome != Inquiry.Outcome.ANSWERED:
            return inquiry.survey_status
        delivered = Message.objects.filter(inquiry=inquiry, kind__in=ANSWER_KINDS, outbound__status="sent").exists()
        if not delivered:  # the final answer is still on its way (or only in the public lookup)
            return inquiry.survey_status
    window = transport.reply_window(kind=inquiry.account.kind, last_inbound_at=inquiry.last_inbound_at, now=now)
    if reason:
        status = Survey.SKIPPED
    elif not window.allowed or window.tag:
        status, reason = Survey.WINDOW_CLOSED, "reply window closed"
    else:
        status = Survey.SENT
    if not Inquiry.objects.filter(pk=inquiry.pk, survey_status=Survey.NONE).update(
        survey_status=status, survey_sent_at=now if status == Survey.SENT else None
    ):
        return inquiry.survey_status
    changes = {"status": str(status)}
    if status == Survey.SENT:
        message = _system_message(inquiry, survey_text(_language(inquiry.requester)), survey_choices())
        changes["message"] = message.pk
    else:
        changes["reason"] = reason
    audit_record(
        actor_label="system", action="inquiry.survey", obj=inquiry, office_code=inquiry.office.code, changes=changes
    )
    return status


def survey_choices() -> list[dict]:
    """The survey's buttons on platforms that have them (Telegram's keyboard, Messenger and Instagram quick
    replies, a WhatsApp list): stars, from five down, which ``survey_parse`` reads back as the rating."""
    return [{"id": f"survey:{value}", "title": STARS[0] * value} for value in (5, 4, 3, 2, 1)]


def _system_message(inquiry: Inquiry, text: str, choices: list[dict] | None = None) -> Message:
    """A message of ours to the requester that is no response to anything (no SLA target looks at `system`)."""
    requester = inquiry.requester
    message = Message.objects.create(
        inquiry=inquiry, direction=Message.Direction.OUTBOUND, kind=Message.Kind.SYSTEM, text=text
    )
    message.outbound = transport.outbox_enqueue(
        account=inquiry.account,
        recipient_id=requester.reply_to_id or requester.external_id,
        sender_id=requester.reply_from_id,
        text=text,
        choices=choices,
    )
    Message.objects.filter(pk=message.pk).update(outbound=message.outbound)
    return message


# --- The answer ------------------------------------------------------------------------------------------------
def survey_reply_receive(*, requester, message: InboundMessage, received_at: datetime) -> Message | None:
    """The requester's message, when it answers their survey: filed in the surveyed inquiry and recorded.

    None (and no query) when the text is no rating, or nobody asked this requester: the caller files the
    message as usual. Inside the caller's transaction.
    """
    if message.attachments:
        return None
    parsed = survey_parse(message.text)
    if parsed is None:
        return None
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("office", "account", "response_met_by")
        .filter(
            requester=requester,
            survey_status=Survey.SENT,
            survey_sent_at__gte=received_at - timedelta(days=REPLY_DAYS),
        )
        .order_by("-survey_sent_at")
        .first()
    )
    if inquiry is None:
        return None
    inquiry.requester = requester
    rating, comment = parsed
    stored = Message.objects.create(
        inquiry=inquiry,
        direction=Message.Direction.INBOUND,
        kind=Message.Kind.MESSAGE,
        text=message.text,
        platform_id=message.dedupe_key,
        platform_sent_at=message.sent_at,
    )
    survey_record(inquiry=inquiry, rating=rating, comment=comment, at=received_at, message=stored)
    return stored


def survey_record(*, inquiry: Inquiry, rating: int, comment: str = "", at: datetime, message: Message | None = None):
    """Record the rating (once: a survey already answered keeps its first answer) and act on it.

    The requester wrote, so their reply window is open again (``last_inbound_at``); no status and no SLA clock
    moves. A rating of 1 or 2 notifies the coordinators of the office.
    """
    if not 1 <= rating <= 5:
        raise ValueError("a rating is 1 to 5")
    comment = (comment or "").strip()[:MAX_COMMENT_LENGTH]
    if not Inquiry.objects.filter(pk=inquiry.pk, survey_status=Survey.SENT).update(
        survey_status=Survey.ANSWERED, rating=rating, rating_comment=comment, rated_at=at, last_inbound_at=at
    ):
        return False
    inquiry.survey_status, inquiry.rating, inquiry.rating_comment, inquiry.rated_at = (
        Survey.ANSWERED,
        rating,
        comment,
        at,
    )
    inquiry.last_inbound_at = at
    audit_record(
        actor_label="requester",
        action="inquiry.rated",
        obj=inquiry,
        office_code=inquiry.office.code,
        changes={"rating": rating, "comment": bool(comment), "message": message.pk if message else None},
    )
    requester = inquiry.requester
    with translation.override(_language(requester)):
        thanks = _("Thank you for your rating.")
    if transport.reply_window(kind=inquiry.account.kind, last_inbound_at=at, now=at).allowed:
        _system_message(inquiry, thanks)
    if rating in LOW_RATINGS:
        _notify_low_rating(inquiry)
    return True


def _notify_low_rating(inquiry: Inquiry) -> None:
    coordinators = [
        profile.user
        for profile in StaffProfile.objects.filter(
            office_id=inquiry.office_id, role=Role.COORDINATOR, user__is_active=True
        ).select_related("user")
    ]
    officer = inquiry.response_met_by
    name = (officer.get_full_name() or officer.get_username()) if officer is not None else "—"
    notifications.notify(
        users=coordinators,
        kind="survey.low_rating",
        params={"id": inquiry.pk, "rating": inquiry.rating, "name": name},
        inquiry=inquiry,
    )
