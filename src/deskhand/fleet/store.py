"""Durable fleet state: tasks, attempts, checkpoints, results, escalations, hosts, leases, payouts.

`Store` is the contract. `SqlStore` holds the SQL both backends share; `SqliteStore` (embedded, the
default) and `PostgresStore` (fleet/postgres.py, for `postgresql://` URLs) differ only in how they
connect, mark parameters, number rows and lock. Every change that belongs together commits together,
and a read a transaction will write on is locked first, so a driver killed at any point leaves a state
it can go on from, and two drivers (or `deskhand fleet shed` beside a run) never both move one task.
"""

from __future__ import annotations

import json
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class ShedRequest:
    """A grid demand-response signal left in the store (`deskhand fleet shed`) for a running engine."""

    id: int
    share: float  # of the sessions running when it is taken
    hold_s: float  # how long, from `asked_ms`, concurrency stays capped
    asked_ms: int
    taken_ms: int | None = None  # when an engine took it; each request is taken by one engine
    tasks: tuple[int, ...] | None = None  # the tasks it stopped, once applied

    @property
    def expired(self) -> bool:
        """Over before an engine saw it: the grid event ended, so there is nothing left to shed."""
        return self.taken_ms is not None and self.taken_ms > self.asked_ms + self.hold_s * 1000


def check_shed(share: float, hold_s: float) -> None:
    if not 0.0 < share <= 1.0:
        raise StoreError(f"a shed share must be within (0, 1], got {share}")
    if not 0.0 <= hold_s <= 86_400:
        raise StoreError(f"a shed hold must be 0..86400 seconds, got {hold_s}")


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
    def request_shed(self, share: float, hold_s: float, now_ms: int) -> int:
        """Leave a grid shed for whichever engine runs on this store; returns the request's id."""

    @abstractmethod
    def take_sheds(self, now_ms: int) -> list[ShedRequest]:
        """The requests no engine has taken yet, now taken by the caller (so each is applied once)."""

    @abstractmethod
    def shed_done(self, request: int, tasks: list[int]) -> None:
        """Record which tasks a taken request stopped."""

    @abstractmethod
    def sheds(self) -> list[ShedRequest]: ...

    @abstractmethod
    def close(self) -> None: ...


def lease_cents(leased_ms: int, rate_cents_per_hour: int) -> int:
    """Whole cents owed for a lease, rounded down: the owner is never paid for time not leased.

    >>> lease_cents(3_600_000, 150), lease_cents(1_799_999, 100)
    (150, 49)
    """
    return leased_ms * rate_cents_per_hour // 3_600_000


# {id} is each backend's auto-numbered key; times are epoch milliseconds, so 64-bit
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, skill TEXT, scenario TEXT);
CREATE TABLE IF NOT EXISTS tasks (id {id}, job TEXT, row INTEGER, vals TEXT,
    state TEXT, attempts INTEGER, UNIQUE (job, row));
CREATE TABLE IF NOT EXISTS hosts (id TEXT PRIMARY KEY, owner TEXT, hardware TEXT, region TEXT, slots INTEGER);
CREATE TABLE IF NOT EXISTS attempts (id {id}, task BIGINT, host TEXT, start_ms BIGINT,
    end_ms BIGINT, "end" TEXT, done_step INTEGER, detail TEXT);
CREATE TABLE IF NOT EXISTS checkpoints (task BIGINT PRIMARY KEY, body TEXT, updated_ms BIGINT);
CREATE TABLE IF NOT EXISTS results (task BIGINT PRIMARY KEY, ok INTEGER, detail TEXT, at_ms BIGINT);
CREATE TABLE IF NOT EXISTS escalations (task BIGINT PRIMARY KEY, reason TEXT, at_ms BIGINT);
CREATE TABLE IF NOT EXISTS leases (id {id}, host TEXT, owner TEXT, start_ms BIGINT, end_ms BIGINT);
CREATE TABLE IF NOT EXISTS payouts (lease BIGINT PRIMARY KEY, owner TEXT, leased_ms BIGINT, cents BIGINT,
    rate INTEGER);
CREATE TABLE IF NOT EXISTS sheds (id {id}, share DOUBLE PRECISION, hold_s DOUBLE PRECISION,
    asked_ms BIGINT, taken_ms BIGINT, tasks TEXT);
"""


def _done_step(checkpoint: str | None) -> int:
    return int(json.loads(checkpoint).get("done", -1)) if checkpoint else -1


class Rows(Protocol):
    """What both drivers' cursors give back."""

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class SqlStore(Store):
    """The fleet's SQL, written once: `?` parameters and upserts that SQLite and PostgreSQL both read.

    A backend supplies `_q` (run one statement), `_write` (one transaction) and `LOCK` (what makes a
    read inside a transaction hold its row until commit).
    """

    ID: ClassVar[str]  # the column type of an auto-numbered id
    LOCK: ClassVar[str] = ""

    @abstractmethod
    def _q(self, sql: str, *args: object) -> Rows: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[object]: ...

    def _insert(self, sql: str, *args: object) -> int:
        return int(self._q(sql + " RETURNING id", *args).fetchall()[0][0])

    def add_job(self, job: Job) -> list[Task]:
        with self._write():
            self._q(
                "INSERT INTO jobs VALUES (?, ?, ?) ON CONFLICT DO NOTHING", job.name, job.skill, job.scenario
            )
            for h in job.hosts:
                self._q(
                    "INSERT INTO hosts VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner,"
                    " hardware = excluded.hardware, region = excluded.region, slots = excluded.slots",
                    h.id, h.owner, h.hardware, h.region, h.slots,
                )  # fmt: skip
            for n, row in enumerate(job.rows):
                self._q(
                    "INSERT INTO tasks (job, row, vals, state, attempts) VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
                    job.name, n, json.dumps(row, ensure_ascii=False), TaskState.PENDING.value,
                )  # fmt: skip
            # a driver that died left tasks running: they go back to the queue with their checkpoints
            self._q("UPDATE tasks SET state = ? WHERE job = ? AND state = ?", "pending", job.name, "running")
        return self.tasks(job.name)

    def tasks(self, job: str | None = None) -> list[Task]:
        sql = "SELECT id, job, row, vals, state, attempts FROM tasks"
        rows = self._q(sql + " WHERE job = ? ORDER BY id", job) if job else self._q(sql + " ORDER BY id")
        return [Task(i, j, r, json.loads(v), TaskState(s), a) for i, j, r, v, s, a in rows]

    def hosts(self) -> list[Host]:
        return [
            Host(*row) for row in self._q("SELECT id, owner, hardware, region, slots FROM hosts ORDER BY id")
        ]

    def _task_state(self, task: int) -> TaskState:
        """Inside a write: the task's state, its row held until commit so no other driver moves it."""
        row = self._q("SELECT state FROM tasks WHERE id = ?" + self.LOCK, task).fetchone()
        if row is None:
            raise StoreError(f"no task {task}")
        return TaskState(row[0])

    def start_attempt(self, task: int, host: str, now_ms: int) -> int:
        with self._write():
            state = transition(self._task_state(task), TaskState.RUNNING)
            self._q("UPDATE tasks SET state = ?, attempts = attempts + 1 WHERE id = ?", state.value, task)
            return self._insert(
                "INSERT INTO attempts (task, host, start_ms, done_step) VALUES (?, ?, ?, ?)",
                task, host, now_ms, _done_step(self.checkpoint(task)),
            )  # fmt: skip

    def end_attempt(
        self, attempt: int, end: AttemptEnd, now_ms: int, checkpoint: str | None, detail: str = ""
    ) -> TaskState:
        with self._write():
            row = self._q("SELECT task FROM attempts WHERE id = ?", attempt).fetchone()
            if row is None:
                raise StoreError(f"no attempt {attempt}")
            task = row[0]
            state = transition(self._task_state(task), NEXT_STATE[end])
            self._q(
                'UPDATE attempts SET end_ms = ?, "end" = ?, done_step = ?, detail = ? WHERE id = ?',
                now_ms, end.value, _done_step(checkpoint), detail, attempt,
            )  # fmt: skip
            if checkpoint is not None:
                self._q(
                    "INSERT INTO checkpoints VALUES (?, ?, ?) ON CONFLICT (task) DO UPDATE"
                    " SET body = excluded.body, updated_ms = excluded.updated_ms",
                    task, checkpoint, now_ms,
                )  # fmt: skip
            self._q("UPDATE tasks SET state = ? WHERE id = ?", state.value, task)
            if state in (TaskState.DONE, TaskState.FAILED):
                ok = int(state == TaskState.DONE)
                self._q("INSERT INTO results VALUES (?, ?, ?, ?)", task, ok, detail, now_ms)
            elif state == TaskState.ESCALATED:
                self._q("INSERT INTO escalations VALUES (?, ?, ?)", task, detail, now_ms)
        return state

    def give_up(self, task: int, now_ms: int, detail: str) -> None:
        with self._write():
            state = transition(self._task_state(task), TaskState.FAILED)
            self._q("UPDATE tasks SET state = ? WHERE id = ?", state.value, task)
            self._q("INSERT INTO results VALUES (?, 0, ?, ?)", task, detail, now_ms)

    def checkpoint(self, task: int) -> str | None:
        row = self._q("SELECT body FROM checkpoints WHERE task = ?", task).fetchone()
        return row[0] if row else None

    def attempts(self) -> list[Attempt]:
        rows = self._q('SELECT id, task, host, start_ms, end_ms, "end", done_step FROM attempts ORDER BY id')
        return [Attempt(i, t, h, s, e, AttemptEnd(x) if x else None, d) for i, t, h, s, e, x, d in rows]

    def open_lease(self, host: Host, now_ms: int) -> int:
        return self._insert(
            "INSERT INTO leases (host, owner, start_ms) VALUES (?, ?, ?)", host.id, host.owner, now_ms
        )

    def close_lease(self, lease: int, now_ms: int, rate_cents_per_hour: int) -> Payout:
        with self._write():
            row = self._q(
                "SELECT owner, start_ms, end_ms FROM leases WHERE id = ?" + self.LOCK, lease
            ).fetchone()
            if row is None or row[2] is not None:
                raise StoreError(f"no open lease {lease}")
            owner, start, _ = row
            leased = now_ms - start
            payout = Payout(
                lease, owner, leased, lease_cents(leased, rate_cents_per_hour), rate_cents_per_hour
            )
            self._q("UPDATE leases SET end_ms = ? WHERE id = ?", now_ms, lease)
            self._q(
                "INSERT INTO payouts VALUES (?, ?, ?, ?, ?)",
                lease, owner, payout.leased_ms, payout.cents, rate_cents_per_hour,
            )  # fmt: skip
        return payout

    def leases(self) -> list[Lease]:
        return [
            Lease(*row) for row in self._q("SELECT id, host, owner, start_ms, end_ms FROM leases ORDER BY id")
        ]

    def payouts(self) -> list[Payout]:
        return [Payout(*row) for row in self._q("SELECT lease, owner, leased_ms, cents, rate FROM payouts")]

    def results(self) -> dict[int, tuple[bool, str]]:
        return {t: (bool(ok), d) for t, ok, d in self._q("SELECT task, ok, detail FROM results")}

    def request_shed(self, share: float, hold_s: float, now_ms: int) -> int:
        check_shed(share, hold_s)
        return self._insert(
            "INSERT INTO sheds (share, hold_s, asked_ms) VALUES (?, ?, ?)", share, hold_s, now_ms
        )

    def take_sheds(self, now_ms: int) -> list[ShedRequest]:
        # one statement: two engines polling at once cannot both take a request
        sql = "UPDATE sheds SET taken_ms = ? WHERE taken_ms IS NULL RETURNING " + _SHED_COLUMNS
        return sorted((_shed(row) for row in self._q(sql, now_ms).fetchall()), key=lambda r: r.id)

    def shed_done(self, request: int, tasks: list[int]) -> None:
        self._q("UPDATE sheds SET tasks = ? WHERE id = ?", json.dumps(tasks), request)

    def sheds(self) -> list[ShedRequest]:
        return [_shed(row) for row in self._q(f"SELECT {_SHED_COLUMNS} FROM sheds ORDER BY id")]


_SHED_COLUMNS = "id, share, hold_s, asked_ms, taken_ms, tasks"


def _shed(row: tuple[Any, ...]) -> ShedRequest:
    i, share, hold, asked, taken, tasks = row
    return ShedRequest(i, share, hold, asked, taken, None if tasks is None else tuple(json.loads(tasks)))


class SqliteStore(SqlStore):
    """Embedded SQLite in WAL mode; one file holds the whole fleet's state."""

    ID = "INTEGER PRIMARY KEY"  # the rowid: numbered by SQLite

    def __init__(self, path: Path | str) -> None:
        try:
            # autocommit outside `_write`; a writer waits up to 5 s for another (e.g. `fleet shed`)
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=5.0)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA.format(id=self.ID))
        except sqlite3.OperationalError as e:
            raise StoreError(f"{path}: cannot open the fleet database ({e})") from None
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: not a fleet database ({e})") from None

    def _q(self, sql: str, *args: object) -> Rows:
        return self.db.execute(sql, args)

    @contextmanager
    def _write(self) -> Iterator[None]:
        # IMMEDIATE: take the write lock before reading, so what a transaction reads is still so at commit
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            yield

    def close(self) -> None:
        self.db.close()


def redact(url: str) -> str:
    """The URL fit to print: any password masked.

    >>> redact("postgresql://fleet:s3cret@db:5432/fleet?password=x&sslmode=require")
    'postgresql://fleet:***@db:5432/fleet?password=***&sslmode=require'
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    query = re.sub(r"(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return parts._replace(netloc=netloc, query=query).geturl()


def open_store(url: str) -> Store:
    """A path or sqlite:///path opens SQLite; postgresql://... opens PostgreSQL (fleet/postgres.py)."""
    if url.startswith(("postgresql://", "postgres://")):
        from deskhand.fleet.postgres import PostgresStore

        return PostgresStore(url)
    path = url.removeprefix("sqlite:///")
    if Path(path).is_dir():
        raise StoreError(f"{path}: is a directory, not a fleet database file")
    return SqliteStore(path)
