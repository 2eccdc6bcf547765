"""The chaos bench's tally is read from each task's console store, and it is strict."""

from __future__ import annotations

from decimal import Decimal

from deskhand.fleet.bench import refund_counts
from deskhand.fleet.model import Task, TaskState
from deskhand.scenarios.console.store import Store, default_tickets
from deskhand.scenarios.refund import REPLAY_TICKET


def _task(apps, n, state, refunds, notes):
    (apps / f"task-{n}").mkdir()
    store = Store.create(apps / f"task-{n}" / "store.json", default_tickets())
    for _ in range(refunds):
        store.add_refund(REPLAY_TICKET, Decimal("15.00"), "Goodwill")
    for _ in range(notes):
        store.add_note(REPLAY_TICKET, "refunded")
    store.save()
    return Task(n, "real", n, {}, state)


def test_the_tally_counts_lost_repeated_and_escalated_tasks_from_the_apps_store(tmp_path):
    tasks = [
        _task(tmp_path, 1, TaskState.DONE, 1, 1),
        _task(tmp_path, 2, TaskState.DONE, 2, 1),  # a refund done twice
        _task(tmp_path, 3, TaskState.ESCALATED, 1, 0),  # killed in Confirm: a person looks
        _task(tmp_path, 4, TaskState.FAILED, 0, 0),
        Task(5, "real", 5, {}, TaskState.PENDING),  # never started: no store at all
    ]
    counts = refund_counts(tasks, tmp_path)
    assert counts["refunds"] == 4 and counts["notes"] == 2
    assert counts["tasks_lost"] == 2
    assert counts["tasks_with_a_commit_repeated"] == 1
    assert counts["done_with_one_refund_and_one_note"] == 1
    assert counts["done_otherwise"] == ["task 2: 2 refunds, 1 notes"]
    assert counts["escalated_to_a_person"] == ["task 3: 1 refunds, 0 notes"]
