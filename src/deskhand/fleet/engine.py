"""The engine: places tasks on leased hosts through Ray, drains reclaimed hosts, resumes elsewhere.

Ray does the remote calls, membership and worker processes; this module only decides. A host is a
Ray custom resource `deskhand-host-<id>` holding its desktop slots (on a cluster, `ray start
--resources '{"deskhand-host-car7": 1}' --labels owner=ana,hardware=hw4,region=us-west`); on one
machine several hosts are several resources on the local node. Draining is a flag in a small Ray
actor that each session reads before every action; a session still running when the notice
window ends, or on a host that vanished, is cancelled by Ray and resumes from its checkpoint.
A grid shed comes in through the store (`deskhand fleet shed` leaves a request; the loop takes it).
Checkpoints live under `workdir`, which a cluster must share (e.g. NFS); the store keeps a copy.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ray
from ray.exceptions import RayError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from deskhand.fleet.model import AttemptEnd, Host, Job, Task, TaskState
from deskhand.fleet.policy import SHED_DEADLINE_S, Running, shed
from deskhand.fleet.scheduler import assign
from deskhand.fleet.session import Outcome, Session
from deskhand.fleet.store import Store

PREFIX = "deskhand-host-"
CANCEL_S = 1.0  # what force-cancelling a session may take: a shed's cancels start this early to end by 5 s


class FleetError(Exception):
    """The fleet cannot go on; the message says why, and every task's checkpoint is kept."""


@dataclass(frozen=True)
class EngineConfig:
    workdir: Path
    rate_cents_per_hour: int = 100
    notice_s: float = 5.0  # a reclaimed host's sessions have this long to stop at a step boundary
    poll_s: float = 0.05
    max_attempts: int = 8
    idle_timeout_s: float = 60.0  # tasks wait this long with no host up before the run gives up
    membership_every_s: float = 1.0  # how often to ask Ray which hosts are alive (cluster mode)
    shed_poll_s: float = 0.5  # how often to look in the store for a grid shed (well inside its 5 s)


@ray.remote(num_cpus=0)
class DrainBoard:
    """Which hosts and sessions must stop; sessions ask before each action."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def stop(self, keys: list[str]) -> None:
        self.keys.update(keys)

    def clear(self, keys: list[str]) -> None:
        self.keys.difference_update(keys)

    def stopping(self, keys: list[str]) -> bool:
        return any(k in self.keys for k in keys)


@ray.remote(num_cpus=0, max_retries=0)
def run_session(session: Session, task: Task, checkpoint: str, board: object, keys: list[str]) -> Outcome:
    def stop() -> bool:
        return bool(ray.get(board.stopping.remote(keys)))  # type: ignore[attr-defined]

    return session.run(task, Path(checkpoint), stop)


def start_ray(hosts: Iterable[Host], address: str | None = None, num_cpus: int | None = None) -> None:
    """Join the cluster at `address`, or start an embedded local Ray whose node holds `hosts`."""
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    else:
        resources = {h.resource: float(h.slots) for h in hosts}
        ray.init(
            address="local",  # embedded: never join a cluster some other process left running
            num_cpus=num_cpus,
            resources=resources,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )


def cluster_hosts(known: Iterable[Host] = ()) -> list[Host]:
    """Hosts the live Ray nodes offer, labelled by their node labels (or by `known` hosts of the same id)."""
    by_id = {h.id: h for h in known}
    hosts = []
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        labels = node.get("Labels") or {}
        for name, slots in node.get("Resources", {}).items():
            if name.startswith(PREFIX):
                hid = name.removeprefix(PREFIX)
                default = Host(hid, labels.get("owner", "unknown"), labels.get("hardware", "unknown"))
                base = by_id.get(hid, default)
                hosts.append(
                    Host(hid, base.owner, base.hardware, labels.get("region", base.region), int(slots))
                )
    return sorted(hosts, key=lambda h: h.id)


@dataclass
class _Live:
    attempt: int
    task: Task
    host: str
    key: str
    checkpoint: Path
    started: float
    deadline: float | None = None  # when set: cancel if still running then


@dataclass(frozen=True)
class Summary:
    job: str
    tasks: int
    done: int
    escalated: int
    failed: int
    attempts: int
    drained: int
    lost: int
    reclaims: int
    shed: int
    wall_s: float

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Engine:
    """Runs one job to the end on the hosts Ray offers, under owner reclaims and grid sheds."""

    store: Store
    session: Session
    hosts: list[Host]
    config: EngineConfig
    clock: Callable[[], float] = time.time
    chaos: Callable[[Engine], None] | None = None  # called every poll: may reclaim, restore or shed
    membership: Callable[[], list[Host]] | None = None  # the hosts alive now, e.g. from Ray's nodes
    gone: set[str] = field(default_factory=set)  # hosts whose node vanished
    up: set[str] = field(default_factory=set)
    draining: dict[str, float] = field(default_factory=dict)
    leases: dict[str, int] = field(default_factory=dict)
    live: dict[ray.ObjectRef, _Live] = field(default_factory=dict)
    limit: tuple[int, float] | None = None  # a shed caps concurrency at n until t
    counts: dict[str, int] = field(default_factory=lambda: {"reclaims": 0, "shed": 0})

    def __post_init__(self) -> None:
        # on the driver's own node: a worker node may die, and the board must outlive it
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        self.board = DrainBoard.options(scheduling_strategy=here).remote()  # type: ignore[attr-defined]
        self.up = {h.id for h in self.hosts}
        self.by_id = {h.id: h for h in self.hosts}

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- what owners and the grid do -----------------------------------------------------------

    def running_on(self, host: str) -> list[_Live]:
        return [s for s in self.live.values() if s.host == host]

    def reclaim(self, host: str, hard: bool = False) -> None:
        """The owner needs the host: drain within the notice window, or (hard) it is gone now."""
        if host not in self.up or host in self.draining:
            return
        self.counts["reclaims"] += 1
        ray.get(self.board.stop.remote([f"host:{host}"]))
        self.draining[host] = self.clock() + (0.0 if hard else self.config.notice_s)
        if hard:
            for ref, s in list(self.live.items()):
                if s.host == host:
                    ray.cancel(ref, force=True)
        self._settle(host)

    def restore(self, host: str) -> None:
        """The owner's policy makes the host available again."""
        if host in self.by_id and host not in self.up and host not in self.draining:
            ray.get(self.board.clear.remote([f"host:{host}"]))
            self.up.add(host)

    def refresh(self) -> None:
        """Follow Ray's membership: a host whose node died is gone at once; a new or returning one joins."""
        if self.membership is None:
            return
        alive = {h.id: h for h in self.membership()}
        for hid in sorted(self.up - set(alive)):
            self.reclaim(hid, hard=True)
            self.gone.add(hid)
        for hid, joined in alive.items():
            if hid not in self.by_id:
                self.hosts.append(joined)
                self.by_id[hid] = joined
                self.up.add(hid)
            elif hid in self.gone and hid not in self.draining:
                self.gone.discard(hid)
                self.restore(hid)

    def shed(self, share: float, hold_s: float = 30.0, asked: float | None = None) -> list[int]:
        """Grid demand response: stop `share` of sessions within 5 s, least progress lost first.

        The 5 s and the hold count from `asked`, when the grid asked (default: now), so a request
        that waited in the store is not given longer; it is clamped to the last 5 s against skew.
        A session not stopped at a step boundary by 5 s less `CANCEL_S` is cancelled.
        """
        now = self.clock()
        since = now if asked is None else min(now, max(asked, now - SHED_DEADLINE_S))
        by_key = {s.key: s for s in self.live.values() if s.deadline is None}
        ages = [Running(k, _age(s.checkpoint, s.started, now)) for k, s in by_key.items()]
        chosen = shed(ages, share)
        ray.get(self.board.stop.remote(chosen))
        deadline = since + min(self.config.notice_s, SHED_DEADLINE_S - CANCEL_S)
        for key in chosen:
            by_key[key].deadline = deadline
        self.limit = (len(self.live) - len(chosen), since + hold_s)
        self.counts["shed"] += len(chosen)
        return [by_key[k].task.id for k in chosen]

    def take_sheds(self) -> None:
        """Apply the shed requests left in the store since the last look; one over already is noted."""
        for request in self.store.take_sheds(self.now_ms()):
            stopped = (
                []
                if request.expired
                else self.shed(request.share, request.hold_s, asked=request.asked_ms / 1000)
            )
            self.store.shed_done(request.id, stopped)

    # -- the loop ------------------------------------------------------------------------------

    def run(self, job: Job) -> Summary:
        started = self.clock()
        self.store.add_job(job)
        (self.config.workdir / "checkpoints").mkdir(parents=True, exist_ok=True)
        idle_since = asked = polled = self.clock()
        try:
            while True:
                if self.clock() - asked >= self.config.membership_every_s:
                    self.refresh()
                    asked = self.clock()
                if self.clock() - polled >= self.config.shed_poll_s:
                    self.take_sheds()
                    polled = self.clock()
                pending = [t for t in self.store.tasks(job.name) if t.state == TaskState.PENDING]
                if not pending and not self.live:
                    break
                if self.chaos is not None:
                    self.chaos(self)
                self._place(pending)
                self._collect()
                self._enforce_deadlines()
                if self.live:
                    idle_since = self.clock()
                elif self.clock() - idle_since > self.config.idle_timeout_s:
                    raise FleetError(
                        f"no host has been available for {self.config.idle_timeout_s:.0f} s; "
                        f"{len(pending)} tasks wait with their checkpoints kept: run the job again to go on"
                    )
        finally:
            self._stop_all()
        return self._summary(job, self.clock() - started)

    def _place(self, pending: list[Task]) -> None:
        if self.limit is not None and self.clock() > self.limit[1]:
            self.limit = None
        room = (
            len(pending) if self.limit is None else max(0, min(len(pending), self.limit[0] - len(self.live)))
        )
        ids = [h.id for h in self.hosts if h.id in self.up and h.id not in self.draining]
        free = np.array([self.by_id[h].slots - len(self.running_on(h)) for h in ids], dtype=np.int64)
        placed = assign(room, free, np.zeros(len(ids)))
        queue = iter(pending)
        for host, n in zip(ids, placed.tolist(), strict=True):
            for _ in range(n):
                self._start(next(queue), self.by_id[host])

    def _start(self, task: Task, host: Host) -> None:
        if task.attempts >= self.config.max_attempts:
            self.store.give_up(task.id, self.now_ms(), f"out of attempts after {task.attempts}")
            return
        if host.id not in self.leases:
            self.leases[host.id] = self.store.open_lease(host, self.now_ms())
        checkpoint = self.config.workdir / "checkpoints" / f"task-{task.id}.json"
        saved = self.store.checkpoint(task.id)
        if saved is not None and not checkpoint.exists():  # e.g. a driver restarted on another machine
            checkpoint.write_text(saved, encoding="utf-8")
        attempt = self.store.start_attempt(task.id, host.id, self.now_ms())
        key = f"attempt:{attempt}"
        ref = run_session.options(resources={host.resource: 1}).remote(
            self.session, task, str(checkpoint), self.board, [f"host:{host.id}", key]
        )
        self.live[ref] = _Live(attempt, task, host.id, key, checkpoint, self.clock())

    def _collect(self) -> None:
        if not self.live:
            time.sleep(self.config.poll_s)
            return
        ready, _ = ray.wait(list(self.live), num_returns=len(self.live), timeout=self.config.poll_s)
        for ref in ready:
            s = self.live.pop(ref)
            try:
                outcome: Outcome = ray.get(ref)
            except RayError as e:
                text = s.checkpoint.read_text(encoding="utf-8") if s.checkpoint.exists() else None
                outcome = Outcome(AttemptEnd.LOST, text, _one_line(e))
            self.store.end_attempt(s.attempt, outcome.end, self.now_ms(), outcome.checkpoint, outcome.detail)
            self._settle(s.host)

    def _enforce_deadlines(self) -> None:
        now = self.clock()
        for ref, s in self.live.items():
            late = s.deadline is not None and now > s.deadline
            if late or (s.host in self.draining and now > self.draining[s.host]):
                ray.cancel(ref, force=True)

    def _settle(self, host: str) -> None:
        """A draining host with nothing left running is handed back: its lease closes and is paid."""
        if host in self.draining and not self.running_on(host):
            del self.draining[host]
            self.up.discard(host)
            self._close_lease(host)

    def _close_lease(self, host: str) -> None:
        lease = self.leases.pop(host, None)
        if lease is not None:
            self.store.close_lease(lease, self.now_ms(), self.config.rate_cents_per_hour)

    def _stop_all(self) -> None:
        for ref in self.live:
            ray.cancel(ref, force=True)
        for ref, s in list(self.live.items()):
            with contextlib.suppress(RayError, TimeoutError):
                ray.get(ref, timeout=10)
            text = s.checkpoint.read_text(encoding="utf-8") if s.checkpoint.exists() else None
            self.store.end_attempt(s.attempt, AttemptEnd.LOST, self.now_ms(), text, "the driver stopped")
        self.live.clear()
        for host in list(self.leases):
            self._close_lease(host)
        ray.kill(self.board)

    def _summary(self, job: Job, wall_s: float) -> Summary:
        tasks = self.store.tasks(job.name)
        ids = {t.id for t in tasks}
        attempts = [a for a in self.store.attempts() if a.task in ids]
        return Summary(
            job.name,
            len(tasks),
            sum(t.state == TaskState.DONE for t in tasks),
            sum(t.state == TaskState.ESCALATED for t in tasks),
            sum(t.state == TaskState.FAILED for t in tasks),
            len(attempts),
            sum(a.end == AttemptEnd.DRAINED for a in attempts),
            sum(a.end == AttemptEnd.LOST for a in attempts),
            self.counts["reclaims"],
            self.counts["shed"],
            round(wall_s, 3),
        )


def _age(path: Path, started: float, now: float) -> float:
    """Seconds since this attempt's last verified step (or its start): the work stopping now would redo.

    An approximation: idempotent steps after the last commit are redone too, but they are cheap.
    """
    try:
        last = max(started, path.stat().st_mtime)
    except FileNotFoundError:
        last = started
    return max(0.0, now - last)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"[:300]
