"""The engine on a real local Ray: scripted sessions under random reclaims, host losses and a grid shed.

Scripted sessions keep the runner's checkpoint semantics and write each commit to an append-only
store, so 'nothing lost, nothing done twice' is read from that store, not from the engine.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import ray
from typer.testing import CliRunner

from deskhand.cli import app
from deskhand.fleet.engine import Engine, EngineConfig, FleetError
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import AttemptEnd, Host, Job, TaskState
from deskhand.fleet.session import ScriptSession
from deskhand.fleet.store import SqliteStore, open_store

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


def _engine(tmp_path: Path, session: ScriptSession, chaos=None, url: str | None = None, **config) -> Engine:
    store = open_store(url) if url else SqliteStore(tmp_path / "fleet.db")
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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_shed_asked_with_the_cli_stops_sessions_of_the_running_fleet_within_5_s(tmp_path, request, backend):
    """`deskhand fleet shed`, another process, leaves the request in the store; the engine's loop takes
    it, and the sessions it picks stop at a step boundary within 5 s of the asking and resume later."""
    session = ScriptSession(steps=30, commits=(15,), step_s=0.1, store=str(tmp_path / "app"))
    url = str(tmp_path / "fleet.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    shed_cmd = [str(Path(sys.executable).with_name("deskhand")), "fleet", "shed", "--share", "0.5"]
    cli: list[subprocess.Popen[str]] = []

    def chaos(engine: Engine) -> None:  # a person at another terminal, once six sessions run steps
        if not cli and sum(s.checkpoint.exists() for s in engine.live.values()) >= 6:
            pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
            cli.append(subprocess.Popen([*shed_cmd, "--hold", "1", "--db", url, "--json"], **pipes))

    engine = _engine(tmp_path, session, chaos, url=url)
    summary = engine.run(_job("cli-shed", 8))
    out, err = cli[0].communicate(timeout=30)
    assert cli[0].returncode == 0, err
    shed = json.loads(out)
    assert shed["tasks"] and summary.shed == len(shed["tasks"]) >= 3, (shed, summary)
    for task in shed["tasks"]:
        first = next(a for a in engine.store.attempts() if a.task == task)
        assert first.end == AttemptEnd.DRAINED, "stopped at a step boundary, not killed"
        assert first.end_ms is not None and first.end_ms - shed["asked_ms"] <= 5000
    assert summary.done == 8
    assert all(session.committed(t.id) == [15] for t in engine.store.tasks("cli-shed"))
    assert ledger(engine.store, 100).balanced
    engine.store.close()


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
