"""The work model: jobs, tasks, attempts, hosts, leases. Times in integer ms, money in integer cents."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TaskState(StrEnum):
    PENDING = "pending"  # waiting for a host, fresh or with a checkpoint to resume from
    RUNNING = "running"
    DONE = "done"  # the scenario's checker agreed
    ESCALATED = "escalated"  # the runner stopped and asked a person
    FAILED = "failed"  # out of attempts


class AttemptEnd(StrEnum):
    DONE = "done"
    ESCALATED = "escalated"
    FAILED = "failed"  # the session finished but the checker disagreed
    DRAINED = "drained"  # stopped at a step boundary because its host was reclaimed or shed
    LOST = "lost"  # the host or worker vanished mid-step; resume from the last checkpoint


# which task state an attempt's end leads to; DRAINED and LOST go back to the queue
NEXT_STATE = {
    AttemptEnd.DONE: TaskState.DONE,
    AttemptEnd.ESCALATED: TaskState.ESCALATED,
    AttemptEnd.FAILED: TaskState.FAILED,
    AttemptEnd.DRAINED: TaskState.PENDING,
    AttemptEnd.LOST: TaskState.PENDING,
}

TERMINAL = frozenset({TaskState.DONE, TaskState.ESCALATED, TaskState.FAILED})


class TransitionError(ValueError):
    """A task was asked to move in a way the work model does not allow."""


def transition(state: TaskState, event: TaskState) -> TaskState:
    """The only legal moves: pending -> running -> pending|done|escalated|failed; pending -> failed."""
    allowed = {
        TaskState.PENDING: {TaskState.RUNNING, TaskState.FAILED},
        TaskState.RUNNING: {TaskState.PENDING, *TERMINAL},
    }
    if event not in allowed.get(state, set()):
        raise TransitionError(f"a {state} task cannot become {event}")
    return event


@dataclass(frozen=True)
class Host:
    """A leased computer: `slots` desktops at once; its Ray resource is `deskhand-host-<id>`."""

    id: str
    owner: str
    hardware: str = "hw4"
    region: str = "us"
    slots: int = 1

    @property
    def resource(self) -> str:
        return f"deskhand-host-{self.id}"


@dataclass(frozen=True)
class Job:
    """A skill and its input rows; each row becomes one Task."""

    name: str
    skill: str  # the skill directory
    scenario: str  # whose apps each session opens and whose checker judges it
    rows: tuple[dict[str, str], ...]
    hosts: tuple[Host, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Task:
    id: int
    job: str
    row: int
    values: dict[str, str]
    state: TaskState = TaskState.PENDING
    attempts: int = 0


@dataclass(frozen=True)
class Lease:
    id: int
    host: str
    owner: str
    start_ms: int
    end_ms: int | None = None  # open while the host is leased

    def seconds(self) -> float:
        return ((self.end_ms or self.start_ms) - self.start_ms) / 1000
