"""`deskhand bench fleet`: the model's figures at full scale, and chaos counts from a real local Ray cluster.

Two chaos runs share one multi-node Ray cluster on this machine (`ray.cluster_utils.Cluster`):
- scripted sessions (many, fast) on hosts that are resources of the head node: drains with notice,
  sessions killed by Ray, grid sheds;
- real refund sessions in Chromium on hosts that are worker nodes of their own: drains with notice,
  grid sheds, and nodes killed outright (raylet and every process on it) that later rejoin.
Lost and repeated work are read from the apps' own stores, never from the engine's bookkeeping.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import ray
from ray.cluster_utils import Cluster

from deskhand.fleet.engine import Engine, EngineConfig, FleetError, cluster_hosts
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import Host, Job, Task, TaskState
from deskhand.fleet.session import ScenarioSession, ScriptSession, Session
from deskhand.fleet.simulate import SimConfig, simulate
from deskhand.fleet.store import SqliteStore

if TYPE_CHECKING:
    from ray._private.node import Node  # what Cluster.add_node returns

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ChaosConfig:
    tasks: int
    hosts: int
    every_s: float  # a chaos event this often
    hard_share: float  # of reclaims, the share where the host vanishes without notice
    notice_s: float
    seed: int = 0


FAST_DEATH = {"health_check_period_ms": 500, "health_check_failure_threshold": 2}


@dataclass
class NodeHosts:
    """Hosts that are worker nodes of a local Ray cluster: one can be killed outright and rejoin later."""

    cluster: Cluster
    hosts: list[Host]
    nodes: dict[str, Node] = field(default_factory=dict)
    kills: int = 0

    def revive(self, host: str) -> None:
        if host not in self.nodes:
            h = next(h for h in self.hosts if h.id == host)
            labels = {"owner": h.owner, "hardware": h.hardware, "region": h.region}
            self.nodes[host] = self.cluster.add_node(
                num_cpus=1, resources={h.resource: float(h.slots)}, labels=labels
            )

    def kill(self, host: str) -> None:
        """The host vanishes: its raylet and every worker on it are killed, with no notice."""
        node = self.nodes.pop(host, None)
        if node is not None:
            self.cluster.remove_node(node, allow_graceful=False)
            self.kills += 1

    def alive(self) -> list[Host]:
        """The engine's membership: these hosts as Ray reports their nodes."""
        ids = {h.id for h in self.hosts}
        return [h for h in cluster_hosts(self.hosts) if h.id in ids]


def chaos_events(
    hosts: list[Host], config: ChaosConfig, nodes: NodeHosts | None = None
) -> Callable[[Engine], None]:
    """Every `every_s`: evict a busy host (some vanish outright), bring hosts back, or shed a quarter.

    With `nodes`, a host that vanishes is a node killed for real, and the engine learns of it only
    from Ray's membership; without, Ray kills the host's sessions.
    """
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
            host, hard = rng.choice(busy), rng.random() < config.hard_share
            if hard and nodes is not None:
                nodes.kill(host)
            else:
                engine.reclaim(host, hard=hard)
        elif len(engine.live) >= 2 and roll < 0.6:
            engine.shed(0.25, hold_s=config.every_s)
        else:
            for h in hosts:
                if nodes is not None:
                    nodes.revive(h.id)  # Ray's membership brings it back to the engine
                engine.restore(h.id)

    return chaos


def _run(
    name: str,
    session: Session,
    rows: list[dict[str, str]],
    hosts: list[Host],
    config: ChaosConfig,
    workdir: Path,
    nodes: NodeHosts | None = None,
) -> tuple[Engine, dict[str, object]]:
    workdir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(workdir / "fleet.db")
    engine = Engine(
        store,
        session,
        hosts,
        EngineConfig(workdir, notice_s=config.notice_s, max_attempts=100, idle_timeout_s=120),
        chaos=chaos_events(hosts, config, nodes),
        membership=None if nodes is None else nodes.alive,
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


def real_chaos(config: ChaosConfig, nodes: NodeHosts, workdir: Path, progress: Progress) -> dict[str, object]:
    """Refund jobs in Chromium on worker nodes; each task's console store must hold one refund and one note."""
    from deskhand.demo import record_and_learn
    from deskhand.scenarios import refund
    from deskhand.vision.ocr import Ocr

    record_and_learn(refund.SCENARIO, workdir, Ocr(), progress, time_scale=0.15, seed=4)
    session = ScenarioSession("refund", str(workdir / "skill"), str(workdir / "apps"))
    rows = [dict(refund.ROWS[n % len(refund.ROWS)]) for n in range(config.tasks)]
    progress(f"fleet: {config.tasks} refund sessions on {config.hosts} nodes under chaos")
    engine, counts = _run("real", session, rows, list(nodes.hosts), config, workdir, nodes)
    return {
        **counts,
        "nodes_killed": nodes.kills,
        **refund_counts(engine.store.tasks("real"), workdir / "apps"),
    }


def refund_counts(tasks: list[Task], apps: Path) -> dict[str, object]:
    """What each task's console store holds, read from the app, not the engine.

    A done task must hold one refund and one note; no task may hold two of either. A task the
    runner escalated (e.g. killed in the middle of Confirm, so it cannot know if the refund went
    through) is with a person, not lost: its store is shown for them.
    """
    from deskhand.scenarios import refund
    from deskhand.scenarios.console import Store

    totals = {"refunds": 0, "notes": 0}
    lost = repeated = done_right = 0
    wrong: list[str] = []
    asked: list[str] = []
    for task in tasks:
        path = apps / f"task-{task.id}" / "store.json"
        store = Store.load(path) if path.exists() else None
        r = len(store.refunds_for(refund.REPLAY_TICKET)) if store else 0
        n = len(store.notes_for(refund.REPLAY_TICKET)) if store else 0
        totals["refunds"] += r
        totals["notes"] += n
        repeated += r > 1 or n > 1
        line = f"task {task.id}: {r} refunds, {n} notes"
        if task.state == TaskState.DONE:
            done_right += (r, n) == (1, 1)
            if (r, n) != (1, 1):
                wrong.append(line)
        elif task.state == TaskState.ESCALATED:
            asked.append(line)
        else:
            lost += 1
    return {
        **totals,
        "tasks_lost": lost,
        "tasks_with_a_commit_repeated": repeated,
        "done_with_one_refund_and_one_note": done_right,
        "done_otherwise": wrong[:5],
        "escalated_to_a_person": asked[:10],
    }


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
    started = time.time()
    progress(f"starting a local Ray cluster: a head node and {real.hosts} worker nodes")
    head = {
        "num_cpus": 2,
        "resources": {f"deskhand-host-s{n}": float(1 + n % 2) for n in range(scripted.hosts)},
        "_system_config": FAST_DEATH,
        "include_dashboard": False,
    }
    try:
        cluster = Cluster(initialize_head=True, head_node_args=head)
    except Exception as e:  # Ray's start-up raises several kinds; the person needs one line
        raise FleetError(f"could not start a local Ray cluster: {str(e).strip()[:300]}") from None
    try:
        ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
        nodes = NodeHosts(cluster, [Host(f"car{n}", f"owner{n % 2}", "hw4", "us") for n in range(real.hosts)])
        for host in nodes.hosts:
            nodes.revive(host.id)
        cluster.wait_for_nodes()
        progress(f"chaos: {scripted.tasks} scripted sessions on {scripted.hosts} hosts")
        result["chaos_scripted"] = scripted_chaos(scripted, workdir / "scripted")
        if real.tasks:
            result["chaos_real"] = real_chaos(real, nodes, workdir / "real", progress)
    finally:
        ray.shutdown()
        cluster.shutdown()
    result["chaos_wall_s"] = round(time.time() - started, 1)
    result["how"] = (
        "one machine (2 cores), a local multi-node Ray cluster (ray.cluster_utils.Cluster); chaos every few "
        "seconds: reclaims with notice (drain at the next step), grid sheds of 25%, and hosts that vanish "
        "(scripted: the session's worker killed by Ray; real: the host's worker node killed outright, "
        "rejoining later); lost and repeated work read from each app's own store"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result
