"""The fleet's state and the ledger computed from it: transitions, payouts, balance, grid sheds.

Every contract test runs on both backends: an SQLite file and a real PostgreSQL server (conftest.py).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import AttemptEnd, Host, Job, TaskState, TransitionError, transition
from deskhand.fleet.store import StoreError, lease_cents, open_store

HOSTS = (Host("car1", "ana"), Host("car2", "bo", slots=2))
JOB = Job("refunds", "skill/", "refund", ({"amount": "1"}, {"amount": "2"}), HOSTS)
CKPT = json.dumps({"skill": "refund", "steps": 10, "done": 6, "pending": None, "values_read": {}})


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """Where a fresh, empty fleet state lives, on each backend in turn."""
    if request.param == "sqlite":
        return str(tmp_path / "fleet.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    s = open_store(url)
    yield s
    s.close()


def test_a_job_becomes_one_pending_task_per_row_and_adding_it_again_adds_nothing(store):
    first = store.add_job(JOB)
    assert [(t.row, t.values, t.state) for t in first] == [
        (0, {"amount": "1"}, TaskState.PENDING),
        (1, {"amount": "2"}, TaskState.PENDING),
    ]
    assert store.add_job(JOB) == first
    assert store.hosts() == list(HOSTS)


def test_a_drained_attempt_keeps_its_checkpoint_and_puts_the_task_back_in_the_queue(store):
    task = store.add_job(JOB)[0]
    attempt = store.start_attempt(task.id, "car1", 1000)
    assert store.tasks()[0].state == TaskState.RUNNING
    assert store.end_attempt(attempt, AttemptEnd.DRAINED, 2000, CKPT) == TaskState.PENDING
    assert store.checkpoint(task.id) == CKPT
    again = store.start_attempt(task.id, "car2", 3000)
    assert store.attempts()[-1].done_step == 6, "the new attempt starts from the last verified step"
    assert store.end_attempt(again, AttemptEnd.DONE, 4000, CKPT) == TaskState.DONE
    assert store.results() == {task.id: (True, "")}
    assert store.tasks()[0].attempts == 2


def test_a_finished_task_cannot_be_started_again(store):
    task = store.add_job(JOB)[0]
    store.end_attempt(store.start_attempt(task.id, "car1", 0), AttemptEnd.DONE, 10, None)
    with pytest.raises(TransitionError, match="done task cannot become running"):
        store.start_attempt(task.id, "car1", 20)


def test_a_driver_that_died_leaves_running_tasks_that_go_back_to_the_queue(url):
    store = open_store(url)
    task = store.add_job(JOB)[0]
    store.start_attempt(task.id, "car1", 0)
    store.close()
    again = open_store(url)
    assert again.add_job(JOB)[0].state == TaskState.PENDING
    again.close()


def test_two_drivers_racing_to_start_the_same_tasks_never_both_start_one(url):
    """Reading a task's state and moving it is one locked transaction: one driver wins, the other is refused."""
    setup = open_store(url)
    tasks = setup.add_job(Job("race", "skill/", "refund", tuple({"n": str(n)} for n in range(30)), HOSTS))
    barrier = threading.Barrier(2, timeout=10)  # a driver that errors out breaks it, not hangs

    def race(host: str) -> list[int]:
        store, won = open_store(url), []
        for task in tasks:
            barrier.wait()
            try:
                store.start_attempt(task.id, host, 0)
                won.append(task.id)
            except TransitionError:
                pass
        store.close()
        return won

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(race, ["car1", "car2"])
    assert sorted(first + second) == [t.id for t in tasks], "every task started exactly once"
    assert len(setup.attempts()) == len(tasks)
    assert all(t.attempts == 1 and t.state == TaskState.RUNNING for t in setup.tasks("race"))
    setup.close()


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (TaskState.PENDING, TaskState.DONE),
        (TaskState.DONE, TaskState.PENDING),
        (TaskState.FAILED, TaskState.RUNNING),
    ],
)
def test_illegal_task_moves_are_refused(state, event):
    with pytest.raises(TransitionError):
        transition(state, event)


def test_lease_payouts_are_whole_cents_rounded_down():
    assert lease_cents(3_600_000, 150) == 150
    assert lease_cents(1, 10_000) == 0
    assert lease_cents(90 * 60_000, 100) == 150


def test_the_ledger_sums_leases_sessions_and_cents_per_owner_and_balances(store):
    tasks = store.add_job(JOB)
    lease1 = store.open_lease(HOSTS[0], 0)
    lease2 = store.open_lease(HOSTS[1], 0)
    store.end_attempt(store.start_attempt(tasks[0].id, "car1", 10), AttemptEnd.DRAINED, 500, CKPT)
    store.close_lease(lease1, 1_800_000, 200)  # half an hour at 200 c/h
    store.end_attempt(store.start_attempt(tasks[0].id, "car2", 600), AttemptEnd.DONE, 700, CKPT)
    store.end_attempt(store.start_attempt(tasks[1].id, "car2", 800), AttemptEnd.DONE, 900, CKPT)
    store.close_lease(lease2, 3_600_000, 200)
    book = ledger(store, 200)
    assert book.balanced, book.problems
    assert [(o.owner, o.leased_s, o.sessions, o.cents) for o in book.owners] == [
        ("ana", 1800.0, 1, 100),
        ("bo", 3600.0, 2, 200),
    ]
    assert book.total_cents == 300 == sum(p.cents for p in store.payouts())


def test_the_ledger_does_not_balance_with_an_open_lease_or_work_outside_a_lease(store):
    task = store.add_job(JOB)[0]
    store.open_lease(HOSTS[0], 100)
    store.end_attempt(store.start_attempt(task.id, "car2", 10), AttemptEnd.DONE, 20, None)
    problems = ledger(store, 100).problems
    assert any("still open" in p for p in problems)
    assert any("outside a closed lease" in p for p in problems)


def test_a_bad_store_location_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        open_store(str(tmp_path))
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a fleet database"):
        open_store(str(tmp_path / "junk.db"))


def test_an_unreachable_postgresql_is_one_clear_error_that_never_shows_the_password(tmp_path):
    url = f"postgresql://fleet:s3cret@/fleet?host={tmp_path}&port=5999"  # no server on this socket
    with pytest.raises(StoreError, match="cannot reach the fleet database") as raised:
        open_store(url)
    assert "s3cret" not in str(raised.value) and "fleet:***@" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_shed_request_is_taken_once_and_keeps_what_it_stopped(store):
    first = store.request_shed(0.25, 30.0, 1_000)
    second = store.request_shed(1.0, 0.0, 2_000)
    taken = store.take_sheds(2_500)
    assert [(r.id, r.share, r.hold_s, r.asked_ms, r.taken_ms) for r in taken] == [
        (first, 0.25, 30.0, 1_000, 2_500),
        (second, 1.0, 0.0, 2_000, 2_500),
    ]
    assert [r.expired for r in taken] == [False, True], "a zero hold was over before it was taken"
    assert store.take_sheds(3_000) == [], "a second engine polling gets nothing already taken"
    store.shed_done(first, [7, 3])
    assert [r.tasks for r in store.sheds()] == [(7, 3), None]


@pytest.mark.parametrize(("share", "hold"), [(0.0, 5.0), (1.5, 5.0), (0.5, -1.0)])
def test_a_shed_request_out_of_range_is_refused(store, share, hold):
    with pytest.raises(StoreError, match="shed"):
        store.request_shed(share, hold, 0)
    assert store.sheds() == []
