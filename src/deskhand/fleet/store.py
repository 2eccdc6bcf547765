"""Durable fleet state: tasks, attempts, checkpoints, results, escalations, hosts, leases, payouts.

`Store` is the contract; `SqliteStore` (embedded, the default) implements it. Every change that
belongs together commits together, so a driver killed at any point leaves a state it can go on from.
TODO: a PostgreSQL backend behind the same contract for `postgresql://` URLs; `open_store` says so.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from deskhand.fleet.model import NEXT_STATE, AttemptEnd, Host, Job, Lease, Task, TaskState, transition


class StoreError(Exception):
    """The fleet's state cannot be opened or does not hold what was asked for."""


@dataclass(frozen=True)
class Attempt:
    id: int
    task: int
    host: str
    start_ms: int
    end_ms: int | None
    end: AttemptEnd | None
    done_step: int  # the last verified step when the attempt ended (-1: none)


@dataclass(frozen=True)
class Payout:
    lease: int
    owner: str
    leased_ms: int
    cents: int
    rate_cents_per_hour: int


class Store(ABC):
    @abstractmethod
    def add_job(self, job: Job) -> list[Task]:
        """Register a job, its hosts and one pending task per row; a job already added is resumed."""

    @abstractmethod
    def tasks(self, job: str | None = None) -> list[Task]: ...

    @abstractmethod
    def hosts(self) -> list[Host]: ...

    @abstractmethod
    def start_attempt(self, task: int, host: str, now_ms: int) -> int: ...

    @abstractmethod
    def end_attempt(
        self, attempt: int, end: AttemptEnd, now_ms: int, checkpoint: str | None, detail: str = ""
    ) -> TaskState:
        """Close an attempt, keep its checkpoint, and move its task on; returns the task's new state."""

    @abstractmethod
    def give_up(self, task: int, now_ms: int, detail: str) -> None:
        """A pending task that ran out of attempts fails, with its checkpoint kept."""

    @abstractmethod
    def checkpoint(self, task: int) -> str | None: ...

    @abstractmethod
    def attempts(self) -> list[Attempt]: ...

    @abstractmethod
    def open_lease(self, host: Host, now_ms: int) -> int: ...

    @abstractmethod
    def close_lease(self, lease: int, now_ms: int, rate_cents_per_hour: int) -> Payout: ...

    @abstractmethod
    def leases(self) -> list[Lease]: ...

    @abstractmethod
    def payouts(self) -> list[Payout]: ...

    @abstractmethod
    def results(self) -> dict[int, tuple[bool, str]]: ...

    @abstractmethod
    def close(self) -> None: ...


def lease_cents(leased_ms: int, rate_cents_per_hour: int) -> int:
    """Whole cents owed for a lease, rounded down: the owner is never paid for time not leased.

    >>> lease_cents(3_600_000, 150), lease_cents(1_799_999, 100)
    (150, 49)
    """
    return leased_ms * rate_cents_per_hour // 3_600_000


SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, skill TEXT, scenario TEXT);
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, job TEXT, row INTEGER, vals TEXT,
    state TEXT, attempts INTEGER, UNIQUE (job, row));
CREATE TABLE IF NOT EXISTS hosts (id TEXT PRIMARY KEY, owner TEXT, hardware TEXT, region TEXT, slots INTEGER);
CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY, task INTEGER, host TEXT, start_ms INTEGER,
    end_ms INTEGER, end TEXT, done_step INTEGER, detail TEXT);
CREATE TABLE IF NOT EXISTS checkpoints (task INTEGER PRIMARY KEY, body TEXT, updated_ms INTEGER);
CREATE TABLE IF NOT EXISTS results (task INTEGER PRIMARY KEY, ok INTEGER, detail TEXT, at_ms INTEGER);
CREATE TABLE IF NOT EXISTS escalations (task INTEGER PRIMARY KEY, reason TEXT, at_ms INTEGER);
CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY, host TEXT, owner TEXT, start_ms INTEGER, end_ms INTEGER);
CREATE TABLE IF NOT EXISTS payouts (lease INTEGER PRIMARY KEY, owner TEXT, leased_ms INTEGER, cents INTEGER,
    rate INTEGER);
"""


def _done_step(checkpoint: str | None) -> int:
    return int(json.loads(checkpoint).get("done", -1)) if checkpoint else -1


class SqliteStore(Store):
    """Embedded SQLite in WAL mode; one file holds the whole fleet's state."""

    def __init__(self, path: Path | str) -> None:
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
        except sqlite3.OperationalError as e:
            raise StoreError(f"{path}: cannot open the fleet database ({e})") from None
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: not a fleet database ({e})") from None

    def _tx(self, sql: str, *args: object) -> sqlite3.Cursor:
        return self.db.execute(sql, args)

    def add_job(self, job: Job) -> list[Task]:
        with self.db:
            self.db.execute("BEGIN")
            self._tx("INSERT OR IGNORE INTO jobs VALUES (?, ?, ?)", job.name, job.skill, job.scenario)
            for h in job.hosts:
                self._tx(
                    "INSERT OR REPLACE INTO hosts VALUES (?, ?, ?, ?, ?)",
                    h.id,
                    h.owner,
                    h.hardware,
                    h.region,
                    h.slots,
                )
            for n, row in enumerate(job.rows):
                self._tx(
                    "INSERT OR IGNORE INTO tasks (job, row, vals, state, attempts) VALUES (?, ?, ?, ?, 0)",
                    job.name, n, json.dumps(row, ensure_ascii=False), TaskState.PENDING.value,
                )  # fmt: skip
            # a driver that died left tasks running: they go back to the queue with their checkpoints
            self._tx("UPDATE tasks SET state = ? WHERE job = ? AND state = ?", "pending", job.name, "running")
        return self.tasks(job.name)

    def tasks(self, job: str | None = None) -> list[Task]:
        sql = "SELECT id, job, row, vals, state, attempts FROM tasks"
        rows = self._tx(sql + " WHERE job = ? ORDER BY id", job) if job else self._tx(sql + " ORDER BY id")
        return [Task(i, j, r, json.loads(v), TaskState(s), a) for i, j, r, v, s, a in rows]

    def hosts(self) -> list[Host]:
        return [
            Host(*row) for row in self._tx("SELECT id, owner, hardware, region, slots FROM hosts ORDER BY id")
        ]

    def _task_state(self, task: int) -> TaskState:
        row = self._tx("SELECT state FROM tasks WHERE id = ?", task).fetchone()
        if row is None:
            raise StoreError(f"no task {task}")
        return TaskState(row[0])

    def start_attempt(self, task: int, host: str, now_ms: int) -> int:
        with self.db:
            self.db.execute("BEGIN")
            state = transition(self._task_state(task), TaskState.RUNNING)
            self._tx("UPDATE tasks SET state = ?, attempts = attempts + 1 WHERE id = ?", state.value, task)
            cur = self._tx(
                "INSERT INTO attempts (task, host, start_ms, done_step) VALUES (?, ?, ?, ?)",
                task, host, now_ms, _done_step(self.checkpoint(task)),
            )  # fmt: skip
            assert cur.lastrowid is not None
            return cur.lastrowid

    def end_attempt(
        self, attempt: int, end: AttemptEnd, now_ms: int, checkpoint: str | None, detail: str = ""
    ) -> TaskState:
        (task,) = self._tx("SELECT task FROM attempts WHERE id = ?", attempt).fetchone()
        with self.db:
            self.db.execute("BEGIN")
            state = transition(self._task_state(task), NEXT_STATE[end])
            self._tx(
                "UPDATE attempts SET end_ms = ?, end = ?, done_step = ?, detail = ? WHERE id = ?",
                now_ms, end.value, _done_step(checkpoint), detail, attempt,
            )  # fmt: skip
            if checkpoint is not None:
                self._tx("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)", task, checkpoint, now_ms)
            self._tx("UPDATE tasks SET state = ? WHERE id = ?", state.value, task)
            if state in (TaskState.DONE, TaskState.FAILED):
                self._tx(
                    "INSERT INTO results VALUES (?, ?, ?, ?)",
                    task,
                    int(state == TaskState.DONE),
                    detail,
                    now_ms,
                )
            elif state == TaskState.ESCALATED:
                self._tx("INSERT INTO escalations VALUES (?, ?, ?)", task, detail, now_ms)
        return state

    def give_up(self, task: int, now_ms: int, detail: str) -> None:
        with self.db:
            self.db.execute("BEGIN")
            state = transition(self._task_state(task), TaskState.FAILED)
            self._tx("UPDATE tasks SET state = ? WHERE id = ?", state.value, task)
            self._tx("INSERT INTO results VALUES (?, 0, ?, ?)", task, detail, now_ms)

    def checkpoint(self, task: int) -> str | None:
        row = self._tx("SELECT body FROM checkpoints WHERE task = ?", task).fetchone()
        return row[0] if row else None

    def attempts(self) -> list[Attempt]:
        rows = self._tx("SELECT id, task, host, start_ms, end_ms, end, done_step FROM attempts ORDER BY id")
        return [Attempt(i, t, h, s, e, AttemptEnd(x) if x else None, d) for i, t, h, s, e, x, d in rows]

    def open_lease(self, host: Host, now_ms: int) -> int:
        cur = self._tx(
            "INSERT INTO leases (host, owner, start_ms) VALUES (?, ?, ?)", host.id, host.owner, now_ms
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def close_lease(self, lease: int, now_ms: int, rate_cents_per_hour: int) -> Payout:
        with self.db:
            self.db.execute("BEGIN")
            owner, start = self._tx("SELECT owner, start_ms FROM leases WHERE id = ?", lease).fetchone()
            payout = Payout(
                lease,
                owner,
                now_ms - start,
                lease_cents(now_ms - start, rate_cents_per_hour),
                rate_cents_per_hour,
            )
            self._tx("UPDATE leases SET end_ms = ? WHERE id = ?", now_ms, lease)
            self._tx(
                "INSERT INTO payouts VALUES (?, ?, ?, ?, ?)",
                lease, owner, payout.leased_ms, payout.cents, rate_cents_per_hour,
            )  # fmt: skip
        return payout

    def leases(self) -> list[Lease]:
        return [
            Lease(*row)
            for row in self._tx("SELECT id, host, owner, start_ms, end_ms FROM leases ORDER BY id")
        ]

    def payouts(self) -> list[Payout]:
        return [Payout(*row) for row in self._tx("SELECT lease, owner, leased_ms, cents, rate FROM payouts")]

    def results(self) -> dict[int, tuple[bool, str]]:
        return {t: (bool(ok), d) for t, ok, d in self._tx("SELECT task, ok, detail FROM results")}

    def close(self) -> None:
        self.db.close()


def open_store(url: str) -> Store:
    """A path or sqlite:///path opens SQLite; PostgreSQL is not implemented yet and says so."""
    if url.startswith(("postgresql://", "postgres://")):
        raise StoreError("PostgreSQL is not supported yet (TODO); use a SQLite file path")
    path = url.removeprefix("sqlite:///")
    if Path(path).is_dir():
        raise StoreError(f"{path}: is a directory, not a fleet database file")
    return SqliteStore(path)
