"""The fleet's SQLite state and the ledger computed from it: transitions, payouts, balance."""

from __future__ import annotations

import json

import pytest

from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import AttemptEnd, Host, Job, TaskState, TransitionError, transition
from deskhand.fleet.store import SqliteStore, StoreError, lease_cents, open_store

HOSTS = (Host("car1", "ana"), Host("car2", "bo", slots=2))
JOB = Job("refunds", "skill/", "refund", ({"amount": "1"}, {"amount": "2"}), HOSTS)
CKPT = json.dumps({"skill": "refund", "steps": 10, "done": 6, "pending": None, "values_read": {}})


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "fleet.db")
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


def test_a_driver_that_died_leaves_running_tasks_that_go_back_to_the_queue(tmp_path):
    store = SqliteStore(tmp_path / "fleet.db")
    task = store.add_job(JOB)[0]
    store.start_attempt(task.id, "car1", 0)
    store.close()
    again = SqliteStore(tmp_path / "fleet.db")
    assert again.add_job(JOB)[0].state == TaskState.PENDING


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


def test_a_postgresql_url_is_refused_with_a_clear_message_for_now(tmp_path):
    with pytest.raises(StoreError, match="PostgreSQL is not supported yet"):
        open_store("postgresql://fleet@db/fleet")
    with pytest.raises(StoreError, match="is a directory"):
        open_store(str(tmp_path))
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a fleet database"):
        open_store(str(tmp_path / "junk.db"))
