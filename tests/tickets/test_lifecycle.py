"""One owner of an inquiry's status: every transition is a conditional update in tickets.lifecycle."""

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit.models import AuditEvent
from sla.models import TargetStatus
from tests import factories
from tickets import lifecycle
from tickets.models import Inquiry

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 7, 3, tzinfo=UTC)  # Monday 10:00 WIB


@pytest.fixture
def inquiry(office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    requester = factories.RequesterFactory(account=account)
    return lifecycle.inquiry_open(account=account, requester=requester, received_at=NOW, preview="Halo")


def test_a_new_inquiry_is_open_with_its_response_clock_running(inquiry):
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.OPEN
    assert inquiry.target("response").is_running and inquiry.response_due is not None


def test_waiting_twice_pauses_once(inquiry):
    assert lifecycle.inquiry_wait(inquiry=inquiry, at=NOW) is True
    inquiry.save()
    assert lifecycle.inquiry_wait(inquiry=inquiry, at=NOW) is False

    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.WAITING and inquiry.paused_at == NOW
    assert AuditEvent.objects.filter(action="sla.pause", object_id=str(inquiry.pk)).count() == 1


def test_a_transition_from_a_state_the_row_no_longer_has_changes_nothing(inquiry):
    stale = Inquiry.objects.get(pk=inquiry.pk)
    assert lifecycle.inquiry_close(inquiry=inquiry, outcome=Inquiry.Outcome.NOT_REQUEST, at=NOW)
    inquiry.save()

    # `stale` still thinks the inquiry is open: the conditional update sees the closed row and does nothing.
    assert lifecycle.inquiry_wait(inquiry=stale, at=NOW) is False
    assert lifecycle.inquiry_close(inquiry=stale, outcome=Inquiry.Outcome.DUPLICATE, at=NOW) is False
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED and inquiry.outcome == Inquiry.Outcome.NOT_REQUEST
    assert inquiry.response_status == TargetStatus.CANCELLED


def test_closing_abandoned_inquiries_closes_only_those_still_waiting(inquiry, office):
    lifecycle.inquiry_wait(inquiry=inquiry, at=NOW)
    inquiry.save()
    open_one = factories.InquiryFactory(office=office, status=Inquiry.Status.OPEN)

    assert lifecycle.inquiries_close_abandoned(ids=[inquiry.pk, open_one.pk], at=NOW) == 1

    inquiry.refresh_from_db()
    open_one.refresh_from_db()
    assert (inquiry.status, inquiry.outcome) == (Inquiry.Status.CLOSED, Inquiry.Outcome.NO_REPLY)
    assert inquiry.response_status == TargetStatus.CANCELLED
    assert open_one.status == Inquiry.Status.OPEN
    assert AuditEvent.objects.filter(action="inquiry.close.no_reply", object_id=str(inquiry.pk)).exists()


def _status_writes(tree: ast.AST) -> list[int]:
    """Lines that set an inquiry's status: `inquiry.status = ...` (also in a tuple), or an ORM update of
    inquiries (`Inquiry.objects...` / `model.objects...`) with `status=`. Tickets have a status of their own."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [
                t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])
            ]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    owner = ast.unparse(target.value).lower()
                    if owner.endswith("inquiry") or "Inquiry.Status" in ast.unparse(node.value):
                        lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            chain = ast.unparse(node.func.value)
            if chain.startswith(("Inquiry.objects", "model.objects", "subject.model.objects")) and any(
                keyword.arg == "status" for keyword in node.keywords
            ):
                lines.append(node.lineno)
    return lines


def test_no_module_but_the_lifecycle_assigns_an_inquiry_status():
    """A reader finds every transition in one file: the rest of the product asks it."""
    offenders = []
    for path in sorted(ROOT.glob("**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "var/")) or "/migrations/" in relative:
            continue
        if relative == "tickets/lifecycle.py":
            continue
        offenders += [f"{relative}:{line}" for line in _status_writes(ast.parse(path.read_text()))]
    assert offenders == []


def test_the_status_check_would_catch_a_write_outside_the_lifecycle():
    sample = "inquiry.status = Inquiry.Status.CLOSED\nInquiry.objects.filter(pk=1).update(status='closed')\n"
    assert _status_writes(ast.parse(sample)) == [1, 2]
