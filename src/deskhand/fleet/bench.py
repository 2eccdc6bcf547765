"""`deskhand bench fleet`: the model's figures at full scale, and chaos counts from real local Ray runs.

Two chaos runs share one local Ray: scripted sessions (many, fast; drains and hard kills) and real
refund sessions in Chromium (drains, hard kills and a grid shed). Lost and repeated work are read
from the apps' own stores, never from the engine's bookkeeping.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ray

from deskhand.fleet.engine import Engine, EngineConfig, start_ray
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import Host, Job
from deskhand.fleet.session import ScenarioSession, ScriptSession, Session
from deskhand.fleet.simulate import SimConfig, simulate
from deskhand.fleet.store import SqliteStore

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ChaosConfig:
    tasks: int
    hosts: int
    every_s: float  # a chaos event this often
    hard_share: float  # of reclaims, the share where the host vanishes without notice
    notice_s: float
    seed: int = 0


def chaos_events(hosts: list[Host], config: ChaosConfig) -> Callable[[Engine], None]:
    """Every `every_s`: evict a busy host (some vanish outright), bring hosts back, or shed a quarter."""
    rng = random.Random(config.seed)
    next_at = [0.0]

    def chaos(engine: Engine) -> None:
        now = engine.clock()
        if now < next_at[0]:
            return
        next_at[0] = now + config.every_s
        busy = sorted({s.host for s in engine.live.values()})
        roll = rng.random()
        if busy and roll < 0.5:
            engine.reclaim(rng.choice(busy), hard=rng.random() < config.hard_share)
        elif len(engine.live) >= 2 and roll < 0.6:
            engine.shed(0.25, hold_s=config.every_s)
        else:
            for host in hosts:
                engine.restore(host.id)

    return chaos


def _run(
    name: str,
    session: Session,
    rows: list[dict[str, str]],
    hosts: list[Host],
    config: ChaosConfig,
    workdir: Path,
) -> tuple[Engine, dict[str, object]]:
    workdir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(workdir / "fleet.db")
    engine = Engine(
        store,
        session,
        hosts,
        EngineConfig(workdir, notice_s=config.notice_s, max_attempts=100, idle_timeout_s=120),
        chaos=chaos_events(hosts, config),
    )
    summary = engine.run(Job(name, "", "", tuple(rows), tuple(hosts)))
    book = ledger(store, 100)
    return engine, {
        **summary.to_dict(),
        "ledger_balanced": book.balanced,
        "ledger_problems": list(book.problems)[:5],
        "owners": len(book.owners),
        "payout_cents_at_100_per_hour": book.total_cents,
    }


def scripted_chaos(config: ChaosConfig, workdir: Path) -> dict[str, object]:
    session = ScriptSession(steps=8, commits=(3, 6), step_s=0.05, store=str(workdir / "app"))
    hosts = [Host(f"s{n}", f"owner{n % 4}", slots=1 + n % 2) for n in range(config.hosts)]
    engine, counts = _run(
        "scripted", session, [{"n": str(n)} for n in range(config.tasks)], hosts, config, workdir
    )
    tasks = engine.store.tasks("scripted")
    counts["tasks_lost"] = sum(t.state != "done" for t in tasks)
    counts["commits_repeated"] = sum(
        len(session.committed(t.id)) - len(set(session.committed(t.id))) for t in tasks
    )
    counts["commits_missing"] = sum(set(session.committed(t.id)) != {3, 6} for t in tasks)
    return counts


def real_chaos(config: ChaosConfig, workdir: Path, progress: Progress) -> dict[str, object]:
    """Refund jobs in Chromium; each task's console store must hold exactly one refund and one note."""
    from deskhand.demo import record_and_learn
    from deskhand.scenarios import refund
    from deskhand.scenarios.console import Store
    from deskhand.vision.ocr import Ocr

    record_and_learn(refund.SCENARIO, workdir, Ocr(), progress, time_scale=0.15, seed=4)
    session = ScenarioSession("refund", str(workdir / "skill"), str(workdir / "apps"))
    hosts = [Host(f"car{n}", f"owner{n % 2}", "hw4", "us") for n in range(config.hosts)]
    rows = [dict(refund.ROWS[n % len(refund.ROWS)]) for n in range(config.tasks)]
    progress(f"fleet: {config.tasks} refund sessions on {config.hosts} hosts under chaos")
    engine, counts = _run("real", session, rows, hosts, config, workdir)
    refunds = notes = 0
    wrong = []
    for task in engine.store.tasks("real"):
        path = workdir / "apps" / f"task-{task.id}" / "store.json"
        store = Store.load(path) if path.exists() else None
        r = len(store.refunds_for(refund.REPLAY_TICKET)) if store else 0
        n = len(store.notes_for(refund.REPLAY_TICKET)) if store else 0
        refunds, notes = refunds + r, notes + n
        if (r, n) != (1, 1):
            wrong.append(f"task {task.id}: {r} refunds, {n} notes ({task.state})")
    counts.update(
        refunds=refunds,
        notes=notes,
        tasks_with_other_than_one_refund_and_one_note=len(wrong),
        examples=wrong[:5],
    )
    return counts


def bench_fleet(
    out: Path,
    workdir: Path,
    sim: SimConfig,
    scripted: ChaosConfig,
    real: ChaosConfig,
    progress: Progress,
) -> dict[str, object]:
    progress(f"modelling {sim.cars:,} cars over a day")
    result: dict[str, object] = {"simulator": simulate(sim).to_dict()}
    hosts = [Host(f"s{n}", "", slots=1 + n % 2) for n in range(scripted.hosts)]
    hosts += [Host(f"car{n}", "") for n in range(real.hosts)]
    started = time.time()
    start_ray(hosts, num_cpus=2)
    try:
        progress(f"chaos: {scripted.tasks} scripted sessions on {scripted.hosts} hosts")
        result["chaos_scripted"] = scripted_chaos(scripted, workdir / "scripted")
        if real.tasks:
            result["chaos_real"] = real_chaos(real, workdir / "real", progress)
    finally:
        ray.shutdown()
    result["chaos_wall_s"] = round(time.time() - started, 1)
    result["how"] = (
        "one machine (2 cores), local Ray with each host a custom resource; chaos every few seconds: "
        "reclaims with notice (drain at the next step), hosts that vanish (worker killed by Ray), grid sheds "
        "of 25%; lost and repeated work read from each app's own store"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result
