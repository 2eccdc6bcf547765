"""One task in one emulator session: the Session contract, the real one, and a scripted stand-in.

A session is stopped only at a step boundary: `DrainingDesktop` refuses the next action once the
host is draining, unless the runner has just marked a non-idempotent step pending (that step is a
commit in flight; it finishes and is verified first). The checkpoint on disk is then the last
verified step, which is exactly where the task resumes on another host.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from deskhand.desktop.action import Action
from deskhand.desktop.base import App, Desktop, Frame, Region
from deskhand.fleet.model import AttemptEnd, Task
from deskhand.fleet.reaper import Reaper
from deskhand.run.checkpoint import Checkpoint

if TYPE_CHECKING:
    from deskhand.desktop.x11 import X11Desktop
    from deskhand.learn.skill import Skill
    from deskhand.scenarios import Scenario
    from deskhand.vision.ocr import Ocr

Stop = Callable[[], bool]  # true once this session's host is reclaimed or the session is shed


@dataclass(frozen=True)
class Outcome:
    end: AttemptEnd
    checkpoint: str | None  # the checkpoint JSON when the session ended
    detail: str = ""


class Drained(Exception):
    """The host is being reclaimed: stop before the next action; the checkpoint stands."""


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


class Session(ABC):
    """How a task runs on a host. Instances are frozen and picklable: Ray ships them to workers."""

    @abstractmethod
    def run(self, task: Task, checkpoint: Path, stop: Stop) -> Outcome:
        """Run or resume `task` (from `checkpoint` if it exists) until done, escalated or drained."""


class DrainingDesktop(Desktop):
    """A desktop that raises Drained instead of acting once `stop()` says so, except mid-commit."""

    def __init__(self, inner: Desktop, stop: Stop, checkpoint: Path) -> None:
        self.inner, self.stop, self.checkpoint = inner, stop, checkpoint

    @property
    def size(self) -> tuple[int, int]:
        return self.inner.size

    @property
    def scale(self) -> float:
        return self.inner.scale

    def screenshot(self, region: Region | None = None) -> Frame:
        return self.inner.screenshot(region)

    def perform(self, action: Action) -> None:
        if self.stop():
            pending = Checkpoint.load(self.checkpoint).pending if self.checkpoint.exists() else None
            if pending is None:
                raise Drained("host reclaimed")
        self.inner.perform(action)

    def launch(self, command: str | Sequence[str], env: Mapping[str, str] | None = None) -> App:
        return self.inner.launch(command, env)

    def close(self) -> None:
        self.inner.close()


_ocr: object = None  # one OCR model per worker process, loaded on first use


@dataclass(frozen=True)
class ScenarioSession(Session):
    """A real emulator session: a fresh Xvfb desktop, the scenario's apps, the runner, the checker.

    The app's store lives under `workroot/task-N`, shared by every host that runs the task, as a
    real remote system would be; each attempt gets its own desktop and browser.
    """

    scenario: str
    skill: str
    workroot: str
    size: tuple[int, int] = (1920, 1080)
    step_timeout: float = 10.0

    def run(self, task: Task, checkpoint: Path, stop: Stop) -> Outcome:
        global _ocr
        from deskhand.desktop import XvfbDesktop
        from deskhand.learn.skill import check_skill
        from deskhand.scenarios import scenarios
        from deskhand.vision.ocr import Ocr

        scenario = scenarios()[self.scenario]
        skill = check_skill(Path(self.skill))
        resume = Checkpoint.load(checkpoint) if checkpoint.exists() else None
        appdir = Path(self.workroot) / f"task-{task.id}"
        _ocr = _ocr or Ocr()
        ocr: Ocr = _ocr  # type: ignore[assignment]
        with XvfbDesktop(*self.size) as desktop:
            reaper = Reaper(desktop.display, [server.pid for server in desktop._servers])
            try:
                return self._run(scenario, desktop, skill, task, appdir, checkpoint, stop, resume, ocr)
            finally:
                reaper.disarm()

    def _run(
        self,
        scenario: Scenario,
        desktop: X11Desktop,
        skill: Skill,
        task: Task,
        appdir: Path,
        checkpoint: Path,
        stop: Stop,
        resume: Checkpoint | None,
        ocr: Ocr,
    ) -> Outcome:
        from deskhand.run.runner import RunConfig, Runner

        with scenario.open(desktop, appdir, task.values) as session:
            runner = Runner(
                DrainingDesktop(desktop, stop, checkpoint),
                skill,
                skill.bind(task.values),
                RunConfig(step_timeout=self.step_timeout, effect_timeout=self.step_timeout),
                checkpoint=checkpoint,
                report_dir=appdir / f"escalation-{time.monotonic_ns()}",
                ocr=lambda: ocr,
            )
            try:
                result = runner.run(resume)
            except Drained:
                return Outcome(AttemptEnd.DRAINED, _read(checkpoint), "host reclaimed")
            if result.escalation is not None:
                return Outcome(AttemptEnd.ESCALATED, _read(checkpoint), result.escalation.reason)
            problem = scenario.check(session, task.values)
        end = AttemptEnd.DONE if problem is None else AttemptEnd.FAILED
        return Outcome(end, _read(checkpoint), problem or "checked by the scenario")


@dataclass(frozen=True)
class ScriptSession(Session):
    """A stand-in with the runner's checkpoint semantics and no desktop, for fast tests and chaos.

    Its 'app' is an append-only file per task: a commit step appends one line. Like the runner, a
    resume that finds a commit pending looks in the app's store to see whether it already happened.
    """

    steps: int
    commits: tuple[int, ...]  # the non-idempotent steps
    step_s: float
    store: str  # directory of the app's commit logs

    def log(self, task: int) -> Path:
        return Path(self.store) / f"task-{task}.log"

    def committed(self, task: int) -> list[int]:
        log = self.log(task)
        return [int(line) for line in log.read_text().split()] if log.exists() else []

    def run(self, task: Task, checkpoint: Path, stop: Stop) -> Outcome:
        state = Checkpoint.load(checkpoint) if checkpoint.exists() else Checkpoint("script", self.steps)
        if state.pending is not None:  # was the commit in flight done? the app's store says
            if state.pending in self.committed(task.id):
                state = replace(state, done=state.pending, pending=None)
                state.save(checkpoint)
            else:
                state = replace(state, pending=None)
        for step in range(state.done + 1, self.steps):
            if stop():
                return Outcome(AttemptEnd.DRAINED, _read(checkpoint), "host reclaimed")
            time.sleep(self.step_s)
            if step in self.commits:
                replace(state, pending=step).save(checkpoint)
                self._commit(task.id, step)
            state = replace(state, done=step, pending=None)
            state.save(checkpoint)
        return Outcome(AttemptEnd.DONE, _read(checkpoint), "all steps verified")

    def _commit(self, task: int, step: int) -> None:
        self.log(task).parent.mkdir(parents=True, exist_ok=True)
        with self.log(task).open("a") as f:
            f.write(f"{step}\n")
            f.flush()
            os.fsync(f.fileno())
