"""Register numbers: PGD-<office>-<YYYY>-<NNNNN>, unique, gapless per office and (local) year, also when an
intake rolls back and when many arrive at once (PostgreSQL)."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction

from complaints import services
from complaints.models import Complaint
from complaints.numbering import register_number_next
from tests.conftest import close_worker_connections

DATA = {"kind": "suggestion", "anonymous": True, "matter": "Tambah kursi di ruang tunggu"}


@pytest.fixture(autouse=True)
def _in_december_2026():
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), tick=False):
        yield


def submit(office):
    return services.complaint_submit(office=office, data=DATA).register_number


def test_numbers_count_up_per_office(world):
    assert [submit(world.office) for _ in range(3)] == [f"PGD-090400-2026-0000{n}" for n in (1, 2, 3)]
    assert submit(world.other_office) == "PGD-090500-2026-00001"
    assert submit(world.office) == "PGD-090400-2026-00004"


def test_the_year_is_the_office_s_local_year(world):
    # 31 Dec 2026 16:30 UTC is already 1 Jan 2027 00:30 in Makassar (WITA)
    with time_machine.travel(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        assert submit(world.office) == "PGD-090400-2027-00001"
    with time_machine.travel(datetime(2026, 12, 31, 15, 30, tzinfo=UTC), tick=False):
        assert submit(world.office) == "PGD-090400-2026-00001"


def test_a_rolled_back_intake_leaves_no_gap(world):
    submit(world.office)
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(world.office)
        raise RuntimeError("the request failed after numbering")
    assert submit(world.office) == "PGD-090400-2026-00002"
    assert Complaint.objects.count() == 2


def test_a_refused_intake_takes_no_number(world):
    with pytest.raises(Exception):  # noqa: B017 - the ValidationError of a missing matter
        services.complaint_submit(office=world.office, data={"kind": "complaint"})
    assert submit(world.office) == "PGD-090400-2026-00001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_gapless_numbers(postgres, world):
    assert connection.vendor == "postgresql"
    numbers, errors = [], []
    barrier = threading.Barrier(8)

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                numbers.append(submit(world.office))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_worker_connections()
    assert not errors
    assert sorted(numbers) == [f"PGD-090400-2026-{n:05d}" for n in range(1, 41)]


def test_the_counter_sql_is_the_upsert(world):
    with transaction.atomic():
        assert register_number_next(office=world.office, year=2030) == "PGD-090400-2030-00001"
        assert register_number_next(office=world.office, year=2030) == "PGD-090400-2030-00002"
