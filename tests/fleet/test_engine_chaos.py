"""The engine on a real local Ray: scripted sessions under random reclaims, host losses and a grid shed.

Scripted sessions keep the runner's checkpoint semantics and write each commit to an append-only
store, so 'nothing lost, nothing done twice' is read from that store, not from the engine.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import ray
from typer.testing import CliRunner

from deskhand.cli import app
from deskhand.fleet.engine import Engine, EngineConfig, FleetError
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import Host, Job, TaskState
from deskhand.fleet.session import ScriptSession
from deskhand.fleet.store import SqliteStore

HOSTS = tuple(Host(f"car{n}", owner=f"owner{n % 3}", slots=1 + n % 2) for n in range(5))
COMMITS = (2, 4)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(
        address="local",  # a new instance, never a cluster some other process left running
        num_cpus=2,
        resources={h.resource: float(h.slots) for h in HOSTS},
        include_dashboard=False,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def _job(name: str, tasks: int) -> Job:
    return Job(name, "skill", "script", tuple({"n": str(n)} for n in range(tasks)), HOSTS)


def _engine(tmp_path: Path, session: ScriptSession, chaos=None, **config) -> Engine:
    store = SqliteStore(tmp_path / "fleet.db")
    return Engine(store, session, list(HOSTS), EngineConfig(tmp_path / "work", **config), chaos=chaos)


def test_every_task_finishes_once_and_no_commit_repeats_under_random_reclaims_and_host_losses(tmp_path):
    session = ScriptSession(steps=6, commits=COMMITS, step_s=0.02, store=str(tmp_path / "app"))
    rng = random.Random(7)
    next_at = [0.0]

    def chaos(engine: Engine) -> None:
        """Every 0.4 s: evict a busy host (a quarter of them vanish outright), or bring hosts back."""
        now = engine.clock()
        if now < next_at[0]:
            return
        next_at[0] = now + 0.4
        busy = sorted({s.host for s in engine.live.values()})
        if busy and rng.random() < 0.6:
            engine.reclaim(rng.choice(busy), hard=rng.random() < 0.25)
        else:
            for host in HOSTS:
                engine.restore(host.id)

    engine = _engine(tmp_path, session, chaos, notice_s=1.0, max_attempts=50)
    summary = engine.run(_job("chaos", 40))
    tasks = engine.store.tasks("chaos")
    assert summary.done == len(tasks) == 40, summary
    assert summary.reclaims > 0 and summary.drained + summary.lost > 0, "the chaos did evict sessions"
    for task in tasks:
        assert task.state == TaskState.DONE
        assert session.committed(task.id) == list(COMMITS), f"task {task.id}: each commit exactly once"
    book = ledger(engine.store, rate_cents_per_hour=120)
    assert book.balanced, book.problems
    assert sum(o.sessions for o in book.owners) == summary.attempts
    assert book.total_cents == sum(p.cents for p in engine.store.payouts())
    shown = CliRunner().invoke(
        app, ["fleet", "ledger", "--db", str(tmp_path / "fleet.db"), "--rate", "120", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == book.to_dict()


def test_a_grid_shed_stops_the_requested_share_and_the_job_still_finishes(tmp_path):
    session = ScriptSession(steps=8, commits=(5,), step_s=0.1, store=str(tmp_path / "app"))
    shed: list[int] = []

    def chaos(engine: Engine) -> None:
        if not shed and len(engine.live) >= 6:
            shed.extend(engine.shed(0.5, hold_s=0.5))

    engine = _engine(tmp_path, session, chaos)
    summary = engine.run(_job("shed", 8))
    assert len(shed) == 4 and summary.shed == 4
    assert summary.done == 8
    assert all(session.committed(t.id) == [5] for t in engine.store.tasks("shed"))
    assert ledger(engine.store, 100).balanced


def test_when_every_host_vanishes_the_run_stops_with_a_clear_error_and_keeps_checkpoints(tmp_path):
    session = ScriptSession(steps=50, commits=(), step_s=0.05, store=str(tmp_path / "app"))

    def chaos(engine: Engine) -> None:
        if engine.live and all(s.checkpoint.exists() for s in engine.live.values()):
            for host in HOSTS:
                engine.reclaim(host.id, hard=True)

    engine = _engine(tmp_path, session, chaos, idle_timeout_s=0.5)
    with pytest.raises(FleetError, match="no host has been available"):
        engine.run(_job("vanish", 3))
    tasks = engine.store.tasks("vanish")
    assert all(t.state == TaskState.PENDING for t in tasks)
    assert any(engine.store.checkpoint(t.id) for t in tasks), "progress is kept for the next run"
    assert ledger(engine.store, 100).balanced
