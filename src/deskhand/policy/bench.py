"""The MiniWoB++ bench: a policy on unseen seeds against people's success and times."""

from __future__ import annotations

import csv
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deskhand.policy.base import Kind, Observation, Policy, PolicyAction
from deskhand.policy.miniwob import EVAL_SEED, MiniwobConfig, MiniwobEnv, next_look
from deskhand.record.human import KLM

BASELINES = {
    "human_over_ours_success": "people's median successful episode (MiniWoB++ human demonstrations, "
    "../shared/data/miniwob_human.csv) over our median successful episode, in this run",
    "human_over_ours": "the same people's median over our mean episode with failed episodes counted: harsher",
    "klm_over_ours_success": "the Keystroke-Level-Model time of our successful episodes' own actions "
    "(klm_seconds) over our median successful episode: for tasks people were not timed on",
}

_KLM = KLM()  # Card, Moran and Newell's operator times


@dataclass(frozen=True)
class Human:
    success: float | None
    median_s: float | None


@dataclass(frozen=True)
class TaskResult:
    """One task's figures; `attempted` is False when no policy was trained for it."""

    task: str
    attempted: bool
    episodes: int = 0
    success: float | None = None
    mean_steps: float | None = None
    mean_episode_s: float | None = None
    mean_inference_ms: float | None = None
    median_inference_ms: float | None = None
    human_success: float | None = None
    human_median_s: float | None = None
    human_over_ours: float | None = None  # people's median over our mean, failed episodes counted
    median_success_s: float | None = None  # our successful episodes only, as people's median is
    human_over_ours_success: float | None = None  # people's median over median_success_s
    klm_median_s: float | None = None  # a person at KLM pace doing our successful episodes' actions
    klm_over_ours_success: float | None = None  # klm_median_s over median_success_s
    isolated_inference_ms: float | None = None  # `latency` of an episode's first step, browser closed
    isolated_step_ms: float | None = None  # `latency` of any step, replaying whole episodes
    note: str = ""


@dataclass(frozen=True)
class Episode:
    success: bool
    steps: int
    seconds: float
    inference_s: list[float]
    klm_s: float = 0.0  # the Keystroke-Level-Model time of the same actions


class RandomClicks(Policy):
    """The baseline: a click anywhere in the task area below the utterance."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def act(self, obs: Observation) -> PolicyAction:
        h, w = obs.screenshot.shape[:2]
        return PolicyAction(Kind.CLICK, x=self.rng.uniform(0, w), y=self.rng.uniform(50, h))


def run_episode(
    env: MiniwobEnv, policy: Policy, seed: int, clock: Callable[[], float] = time.perf_counter
) -> Episode:
    """One episode from reset to the task's verdict or the step limit; the clock starts after reset."""
    obs = env.reset(seed)
    policy.reset()
    started, inference, actions, success = clock(), [], [], False
    for _ in range(env.config.max_steps):
        t0 = clock()
        action = policy.act(obs)
        inference.append(clock() - t0)
        actions.append(action)
        result = env.step(action)
        if result.done:
            success = result.success
            break
        obs = next_look(env, action, result.obs)
    return Episode(success, len(actions), clock() - started, inference, klm_seconds(actions))


def klm_seconds(actions: list[PolicyAction], klm: KLM = _KLM) -> float:
    """A person's Keystroke-Level-Model time for the same actions, for tasks people were not timed on.

    M (thinking) before each click, press and typed text; P to point, B per button press or release,
    K per key or typed character, H when the hand moves between mouse and keyboard. A wheel tick is
    a B. A bare move is the policy waiting for the screen, and counts nothing: a low estimate.

    >>> round(klm_seconds([PolicyAction(Kind.CLICK), PolicyAction(Kind.TYPE, text="ab")]), 2)
    4.96
    """
    total, hand = 0.0, "mouse"
    for a in actions:
        device = "keyboard" if a.kind in (Kind.KEY, Kind.TYPE) else "mouse"
        if a.kind is not Kind.MOVE and device != hand:
            total, hand = total + klm.H, device
        if a.kind in (Kind.CLICK, Kind.DBLCLICK, Kind.MOUSEDOWN, Kind.TYPE):
            total += klm.M
        if a.kind in (Kind.CLICK, Kind.DBLCLICK, Kind.MOUSEDOWN, Kind.MOUSEUP):
            total += klm.P
        total += {
            Kind.CLICK: 2 * klm.B,
            Kind.DBLCLICK: 4 * klm.B,
            Kind.MOUSEDOWN: klm.B,
            Kind.MOUSEUP: klm.B,
            Kind.SCROLL_UP: klm.B,
            Kind.SCROLL_DOWN: klm.B,
            Kind.KEY: klm.K,
            Kind.TYPE: klm.K * len(a.text),
            Kind.MOVE: 0.0,
        }[a.kind]
    return total


def evaluate(
    task: str,
    policy: Policy,
    episodes: int,
    first_seed: int = EVAL_SEED,
    timer: bool = False,
    on_episode: Callable[[Episode], None] | None = None,
) -> list[Episode]:
    out = []
    with MiniwobEnv(MiniwobConfig(task, timer=timer)) as env:
        for seed in range(first_seed, first_seed + episodes):
            ep = run_episode(env, policy, seed)
            out.append(ep)
            if on_episode:
                on_episode(ep)
    return out


HUMAN_COLUMNS = ("task", "human_success", "human_median_s")


def read_humans(path: Path) -> dict[str, Human]:
    """People's success and median seconds per task, from the shared CSV (blank cells are None).

    ValueError, naming the file and line, for a CSV without those columns or with a cell that is
    not a number: a bench run against the wrong file would otherwise report no people at all.
    """

    def num(text: str | None) -> float | None:
        return float(text) if text and text.strip() else None

    with path.open(newline="") as f:
        rows = csv.DictReader(f)
        missing = [c for c in HUMAN_COLUMNS if c not in (rows.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: no {', '.join(missing)} column; want {','.join(HUMAN_COLUMNS)}")
        try:
            return {row["task"]: Human(num(row["human_success"]), num(row["human_median_s"])) for row in rows}
        except ValueError as e:
            raise ValueError(f"{path}, line {rows.line_num}: {e}") from None


def summarize(
    task: str, episodes: list[Episode], human: Human | None, alone: Latency | None = None
) -> TaskResult:
    """Per-task figures and time ratios within this run.

    People's median counts only their successful episodes, so the like-for-like ratio is over
    ours alone; the ratio over our mean with failed episodes counted is kept as the harsher one.
    """
    human = human or Human(None, None)
    seconds = statistics.fmean(e.seconds for e in episodes)
    won = [e for e in episodes if e.success]
    ours = statistics.median(e.seconds for e in won) if won else None
    klm = statistics.median(e.klm_s for e in won) if won else None
    inference = [s for e in episodes for s in e.inference_s]
    return TaskResult(
        task=task,
        attempted=True,
        episodes=len(episodes),
        success=sum(e.success for e in episodes) / len(episodes),
        mean_steps=statistics.fmean(e.steps for e in episodes),
        mean_episode_s=seconds,
        mean_inference_ms=1000 * statistics.fmean(inference) if inference else None,
        median_inference_ms=1000 * statistics.median(inference) if inference else None,
        human_success=human.success,
        human_median_s=human.median_s,
        human_over_ours=human.median_s / seconds if human.median_s and seconds > 0 else None,
        median_success_s=ours,
        human_over_ours_success=human.median_s / ours if human.median_s and ours else None,
        klm_median_s=klm,
        klm_over_ours_success=klm / ours if klm and ours else None,
        isolated_inference_ms=alone.first_ms if alone else None,
        isolated_step_ms=alone.step_ms if alone else None,
    )


def not_attempted(task: str, human: Human | None, note: str) -> TaskResult:
    human = human or Human(None, None)
    return TaskResult(task, False, human_success=human.success, human_median_s=human.median_s, note=note)


def report(results: list[TaskResult], extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON document: per-task rows, and means over the attempted tasks and over all of them."""
    done = [r for r in results if r.attempted and r.success is not None]
    both = [r.klm_median_s / r.human_median_s for r in done if r.klm_median_s and r.human_median_s]
    first = [r.isolated_inference_ms for r in done if r.isolated_inference_ms is not None]
    step = [r.isolated_step_ms for r in done if r.isolated_step_ms is not None]
    return {
        **extra,
        # the policy alone, on real screens: the median and range over tasks of each task's `latency`
        "inference_ms_median_isolated": statistics.median(first) if first else None,
        "inference_ms_isolated_range": [min(first), max(first)] if first else None,
        "step_ms_median_isolated": statistics.median(step) if step else None,
        "step_ms_isolated_range": [min(step), max(step)] if step else None,
        "tasks": [asdict(r) for r in results],
        "attempted": len(done),
        "total": len(results),
        "mean_success_attempted": statistics.fmean(r.success for r in done if r.success is not None)
        if done
        else None,
        "mean_success_all_tasks_unattempted_as_0": sum(r.success or 0.0 for r in done) / len(results)
        if results
        else None,
        # how far the KLM estimate overshoots people where both are known: KLM ratios are that much kinder
        "klm_over_people_median": statistics.median(both) if both else None,
    }


def evaluate_weights(
    task: str, weights: Path, episodes: int, timer: bool = False
) -> tuple[list[Episode], Latency | None]:
    """One task with the net loaded from `weights`, on one thread: a unit of work for a worker process.

    Also the policy's `latency` on the task's first episodes, replayed once the browser is closed,
    so that it does not compete for the CPU.
    """
    import cv2
    import torch

    from deskhand.policy.train import NetPolicy, load_net

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    net = NetPolicy(load_net(weights))
    for _ in range(3):  # the first calls pay for lazy initialisation, not for the model
        net.act(Observation(np.full((210, 160, 3), 255, np.uint8), "warm up"))
    policy = Watched(net)
    run = evaluate(task, policy, episodes, timer=timer)
    return run, latency(policy.policy, policy.episodes) if policy.episodes else None


class Watched(Policy):
    """A policy that keeps every screen of its first `keep` episodes, in order."""

    def __init__(self, policy: Policy, keep: int = 5) -> None:
        self.policy, self.keep = policy, keep
        self.episodes: list[list[Observation]] = []
        self.current: list[Observation] | None = None

    def reset(self) -> None:
        self.current = None
        self.policy.reset()

    def act(self, obs: Observation) -> PolicyAction:
        if self.current is None and len(self.episodes) < self.keep:
            self.current = []
            self.episodes.append(self.current)
        if self.current is not None:
            self.current.append(obs)
        return self.policy.act(obs)


@dataclass(frozen=True)
class Latency:
    first_ms: float  # the median of an episode's first step: the whole screen is new
    step_ms: float  # the mean over every step of the episodes: what an episode pays a step


def latency(
    policy: Policy,
    episodes: Sequence[Sequence[Observation]],
    calls: int = 200,
    clock: Callable[[], float] = time.perf_counter,
) -> Latency:
    """The policy's time per step, replaying recorded `episodes` after three warm-up calls.

    First steps: `calls` episodes of one step, each episode's first screen in turn. Every step:
    whole episodes in turn, until `calls` steps are timed; a later step may reuse what the policy
    saw on the step before, as it does in the bench.
    """
    runs = [list(e) for e in episodes if e]
    if not runs:
        raise ValueError("latency needs at least one screen to time the policy on")
    for obs in runs[0][:3]:
        policy.act(obs)
    first: list[float] = []
    for i in range(calls):
        policy.reset()
        t0 = clock()
        policy.act(runs[i % len(runs)][0])
        first.append(clock() - t0)
    steps: list[float] = []
    played = 0
    while len(steps) < calls:
        policy.reset()
        for obs in runs[played % len(runs)]:
            t0 = clock()
            policy.act(obs)
            steps.append(clock() - t0)
        played += 1
    return Latency(1000 * statistics.median(first), 1000 * statistics.fmean(steps))
