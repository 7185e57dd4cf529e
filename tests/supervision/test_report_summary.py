"""The daily report summary (supervision.models, supervision.reports): the roll-ups read from it equal the live
computation, a changed outcome (whatever the write path) is in it after the refresh, and its queries are fixed.

The generated data set has whole working minutes (the summary's percentiles are to the minute: with whole minutes
they are exactly the live ``percentile_cont``)."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_intake.models import ChannelAccount
from sla.models import TargetStatus as S
from supervision import reports, tasks
from supervision.filters import parse_scope
from supervision.models import DayFigures, SummaryChange, SummaryDay, SummaryState
from tests import factories
from tickets.models import Inquiry, Message, Ticket, Topic, Unit

from .conftest import at

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2026, 9, 1), date(2026, 12, 1)


def generate(world, n: int = 160, seed: int = 13) -> list[Inquiry]:
    """Inquiries over September–November in the three offices, every SLA outcome, topics, causes."""
    rng = random.Random(seed)
    accounts = list(ChannelAccount.objects.filter(office__in=[world.a, world.b, world.c]).order_by("pk"))
    topics = list(Topic.objects.order_by("pk"))
    officers = [world.users["officer"], world.users["officer2"], None]
    unit = Unit.objects.create(name="Seksi Gen", home_office=world.a)
    made = []
    for k in range(n):
        account = accounts[k % len(accounts)]
        received = at(1, 0, month=9) + timedelta(minutes=rng.randrange(0, 89 * 24 * 60))
        status = rng.choice([S.MET, S.MET, S.MET, S.BREACHED, S.CANCELLED, S.RUNNING])
        minutes = rng.choice([rng.randrange(1, 55), rng.randrange(55, 900)])
        answered = status == S.MET or (status == S.BREACHED and rng.random() < 0.6)
        escalated = rng.random() < 0.2
        inquiry = factories.InquiryFactory(
            account=account,
            received_at=received,
            assigned_to=rng.choice(officers),
            late_arrival=rng.random() < 0.2,
            response_due=received + timedelta(minutes=55),
            response_status=status,
            response_met_at=received + timedelta(minutes=minutes) if answered else None,
            response_met_by=world.users["officer"] if answered else None,
            response_working_seconds=minutes * 60 if answered else None,
            resolution_status=rng.choice([S.MET, S.BREACHED, S.RUNNING]) if escalated else S.NONE,
            resolution_due=received + timedelta(days=2) if escalated else None,
        )
        if rng.random() < 0.7:
            inquiry.topics.set(rng.sample(topics, rng.choice([1, 1, 2])))
        if status == S.BREACHED and rng.random() < 0.5:
            message = Message.objects.create(
                inquiry=inquiry, direction=Message.Direction.OUTBOUND, kind=Message.Kind.ANSWER, text="Jawaban"
            )
            Message.objects.filter(pk=message.pk).update(created_at=received + timedelta(minutes=50))
        if escalated:
            answered_at = received + timedelta(days=rng.choice([1, 3]))
            Ticket.objects.create(
                number=f"BC-GEN-{k}",
                verification_hash="x",
                inquiry=inquiry,
                office=inquiry.office,
                unit=unit,
                summary="s",
                status=Ticket.Status.ANSWERED,
                answered_at=answered_at,
            )
        made.append(inquiry)
    return made


def report(user, **params):
    return reports.period_report(parse_scope(user, params))


def comparable(found: dict) -> dict:
    found = dict(found)
    found.pop("summary")
    found.pop("scope")
    return found


def differences(left, right, path="") -> list[str]:
    """Where two reports differ (a readable failure instead of two truncated dicts)."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right), key=str):
            found += differences(left.get(key, "<missing>"), right.get(key, "<missing>"), f"{path}.{key}")
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [d for n, (a, b) in enumerate(zip(left, right, strict=True)) for d in differences(a, b, f"{path}[{n}]")]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


def live_then_summary(user, **params):
    SummaryDay.objects.all().delete()  # no coverage: read live
    live = report(user, **params)
    assert live["summary"] is None
    reports.summary_rebuild(list(world_offices()), FIRST - timedelta(days=100), LAST)
    summarised = report(user, **params)
    assert summarised["summary"] is not None
    return live, summarised


def world_offices():
    from offices.models import Office

    return Office.objects.order_by("pk")


@pytest.mark.parametrize(
    ("role", "params"),
    [
        ("hq", {}),
        ("hq", {"from": "2026-09-01", "to": "2026-11-30"}),
        ("hq", {"period": "week", "on": "2026-11-10"}),
        ("regional", {"period": "month", "on": "2026-10-01"}),
        ("hq", {"region": "020000", "period": "month", "on": "2026-10-01"}),
    ],
)
def test_summary_roll_up_equals_the_live_computation(world, now, role, params):
    generate(world)
    live, summarised = live_then_summary(world.users[role], **params)
    assert summarised["total"]["received"] > 0
    assert differences(comparable(summarised), comparable(live)) == []


def test_the_hand_computed_world_is_the_same_from_the_summary(world, now):
    live, summarised = live_then_summary(world.users["hq"])
    assert differences(comparable(summarised), comparable(live)) == []
    t = summarised["total"]
    assert (t["received"], t["response_met"], t["response_breached"]) == (12, 7, 3)


def test_one_office_and_own_figures_are_always_live(world, now):
    reports.summary_rebuild(list(world_offices()), FIRST, LAST)
    assert report(world.users["coord"])["summary"] is None
    assert report(world.users["hq"], office="010100")["summary"] is None
    assert report(world.users["officer"])["summary"] is None
    assert report(world.users["hq"])["summary"] is not None


def test_a_period_not_covered_is_read_live(world, now):
    reports.summary_rebuild(list(world_offices()), date(2026, 11, 2), LAST)  # 1 November (and October) missing
    assert report(world.users["hq"])["summary"] is None
    reports.summary_rebuild(list(world_offices()), date(2026, 10, 1), date(2026, 11, 1))
    assert report(world.users["hq"])["summary"] is not None


def run_refresh_until_backfilled():
    for _run in range(20):
        done = tasks.refresh_summary()
        if not done["backfill"]:
            return done
    raise AssertionError("the backfill does not end")


def test_the_refresh_builds_the_past_in_chunks_and_says_when(world, now):
    first = tasks.refresh_summary()
    assert first["recent"] and first["backfill"]
    # one chunk back from yesterday: November, not yet the previous period (October) the report compares with
    assert report(world.users["hq"])["summary"] is None
    run_refresh_until_backfilled()
    found = report(world.users["hq"])
    assert found["summary"] == {"as_of": now}
    assert SummaryState.objects.get().backfilled_from == now.date() - timedelta(days=reports.SUMMARY_HORIZON_DAYS)


def test_a_changed_outcome_is_in_the_summary_after_the_refresh(world, now):
    run_refresh_until_backfilled()
    SummaryChange.objects.all().delete()
    before = report(world.users["hq"])
    assert before["summary"] is not None
    # queryset.update bypasses signals: the trigger marks the day all the same.
    breached = world.inquiries[6]
    Inquiry.objects.filter(pk=breached.pk).update(response_status=S.MET, response_working_seconds=3000)
    assert SummaryChange.objects.count() >= 1
    stale = report(world.users["hq"])
    assert stale["total"]["response_breached"] == before["total"]["response_breached"]  # until the refresh
    done = tasks.refresh_summary()
    assert done["changed"] >= 1
    assert not SummaryChange.objects.exists()
    after = report(world.users["hq"])
    assert after["summary"] is not None
    assert after["total"]["response_breached"] == before["total"]["response_breached"] - 1
    assert after["total"]["response_met"] == before["total"]["response_met"] + 1
    # a new tag (the through table's trigger) and a save() of a watched column
    inquiry = Inquiry.objects.get(pk=world.inquiries[9].pk)
    inquiry.topics.add(Topic.objects.get(slug="penipuan"))
    tasks.refresh_summary()
    topics = {row["key"]: row["received"] for row in report(world.users["hq"])["by_topic"]}
    assert topics["penipuan"] == 1
    SummaryDay.objects.all().delete()
    assert comparable(report(world.users["hq"])) == comparable(after) | {
        "by_topic": report(world.users["hq"])["by_topic"]
    }


def test_the_triggers_mark_only_what_the_summary_reads(world, now):
    SummaryChange.objects.all().delete()
    inquiry = world.inquiries[1]
    Inquiry.objects.filter(pk=inquiry.pk).update(preview="another first line")
    assert not SummaryChange.objects.exists()
    Inquiry.objects.filter(pk=inquiry.pk).update(late_arrival=True)
    marks = list(SummaryChange.objects.values_list("office_id", "received_hour"))
    assert marks == [(world.a.pk, at(2, 9))]
    SummaryChange.objects.all().delete()
    Inquiry.objects.filter(pk=inquiry.pk).update(received_at=at(3, 10, 30))  # both dates: the old and the new
    assert sorted(hour for _o, hour in SummaryChange.objects.values_list("office_id", "received_hour")) == [
        at(2, 9),
        at(3, 10),
    ]
    SummaryChange.objects.all().delete()
    factories.InquiryFactory(account=ChannelAccount.objects.filter(office=world.b).first(), received_at=at(20, 7, 15))
    assert list(SummaryChange.objects.values_list("office_id", "received_hour")) == [(world.b.pk, at(20, 7))]


def test_today_is_rebuilt_every_run(world, now):
    run_refresh_until_backfilled()
    account = ChannelAccount.objects.filter(office=world.a).first()
    factories.InquiryFactory(account=account, received_at=now, response_status=S.RUNNING)
    SummaryChange.objects.all().delete()  # even without its mark: today is rebuilt by every run
    tasks.refresh_summary()
    assert DayFigures.objects.filter(office=world.a, day=now.date(), topic__isnull=True).count() == 1
    assert report(world.users["hq"])["total"]["received"] == 13


def test_summary_queries_are_fixed_whatever_the_rows(world, now):
    reports.summary_rebuild(list(world_offices()), FIRST, LAST)
    scope = parse_scope(world.users["hq"], {})
    with CaptureQueriesContext(connection) as few:
        assert reports.period_report(scope)["summary"] is not None
    generate(world, n=60)
    reports.summary_rebuild(list(world_offices()), FIRST, LAST)
    with CaptureQueriesContext(connection) as many:
        assert reports.period_report(scope)["summary"] is not None
    assert len(many) == len(few)
    # the accounts (with the coverage and the freshness), every grouping's counts (one UNION ALL), per date, the
    # percentiles, the names of the regions and topics; PostgreSQL adds the report's SAVEPOINT, SET LOCAL, RELEASE
    assert len(few) == (9 if connection.vendor == "postgresql" else 6)
    live = parse_scope(world.users["hq"], {})
    SummaryDay.objects.all().delete()
    with CaptureQueriesContext(connection) as read_live:
        assert reports.period_report(live)["summary"] is None
    assert len(few) < len(read_live)


def test_summary_page_queries(client, world, now, django_assert_max_num_queries):
    reports.summary_rebuild(list(world_offices()), FIRST, LAST)
    client.force_login(world.users["hq"])
    with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 13):
        response = client.get("/sla/")
    assert response.status_code == 200
    assert response.context["report"]["summary"] is not None


def test_rebuild_command(world, now, capsys):
    call_command("report_summary_rebuild", "--from", "2026-10-01", "--to", "2026-11-30", "--chunk", "7")
    assert SummaryDay.objects.count() == 6 * 61
    assert "rebuilt 366 office-dates" in capsys.readouterr().out
    assert report(world.users["hq"])["summary"] is not None
    call_command("report_summary_rebuild", "--from", "2026-11-01", "--to", "2026-11-30", "--office", "010100")
    with pytest.raises(CommandError):
        call_command("report_summary_rebuild", "--from", "2026-11-31")
    with pytest.raises(CommandError):
        call_command("report_summary_rebuild", "--from", "2026-11-02", "--to", "2026-11-01")
    with pytest.raises(CommandError):
        call_command("report_summary_rebuild", "--office", "999999")


def test_the_page_says_how_fresh_the_summary_is(client, world, now):
    reports.summary_rebuild(list(world_offices()), FIRST, LAST)
    SummaryState.objects.update_or_create(pk=1, defaults={"refreshed_at": now - timedelta(minutes=1)})
    client.force_login(world.users["hq"])
    body = client.get("/sla/").content.decode()
    assert "11:59" in body  # the refresh's time in the head office's zone (WIB)


def test_a_refresh_after_a_pause_catches_up_the_dates_it_missed(world, now):
    run_refresh_until_backfilled()
    missed = [now.date() - timedelta(days=n) for n in range(3, 9)]
    SummaryDay.objects.filter(day__in=missed).delete()  # the worker was down: nothing built these dates
    SummaryState.objects.filter(pk=1).update(recent_through=now.date() - timedelta(days=9))
    assert report(world.users["hq"], period="week", on=missed[0].isoformat())["summary"] is None
    done = tasks.refresh_summary()
    assert done["recent"] >= 6 * len(missed)
    assert SummaryDay.objects.filter(day__in=missed).count() == 6 * len(missed)
    assert report(world.users["hq"], period="week", on=missed[0].isoformat())["summary"] is not None
    assert SummaryState.objects.get().recent_through == now.date() - timedelta(days=2)


def test_the_breach_causes_are_the_same_from_the_summary(world, now):
    from tickets.models import Inquiry

    Inquiry.objects.filter(pk=world.inquiries[6].pk).update(on_duty_at_receipt=0)
    live, summarised = live_then_summary(world.users["hq"])
    causes = {c["key"]: c["count"] for c in summarised["causes"]}
    assert causes["cause_response_no_officer"] == 1
    assert differences(comparable(summarised), comparable(live)) == []
