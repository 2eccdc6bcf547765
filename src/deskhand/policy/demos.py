"""Demonstrations: scripted experts run on training seeds, kept as (frame, utterance, action) rows.

A compact .npz per task rather than the full Recording format: MiniWoB frames are 160x210 and
the actions already come as typed PolicyActions, so a video track and event tables add nothing yet.
Only episodes the expert finished with success are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deskhand.policy.base import KEYS, KINDS, Kind, PolicyAction
from deskhand.policy.experts import Expert
from deskhand.policy.miniwob import TRAIN_SEED_LIMIT, MiniwobConfig, MiniwobEnv


@dataclass(frozen=True)
class Demos:
    """Rows of one or more tasks: frames (N, H, W, 3) uint8 and the action labels."""

    frames: np.ndarray
    utterances: list[str]
    kinds: np.ndarray  # (N,) index into KINDS
    xy: np.ndarray  # (N, 2) float32 pixels
    keys: np.ndarray  # (N,) index into KEYS
    spans: np.ndarray  # (N, 2) [start, end) of typed text in the utterance, (0, 0) if none

    def __len__(self) -> int:
        return len(self.utterances)


@dataclass(frozen=True)
class CollectStats:
    task: str
    episodes: int
    successes: int
    rows: int


def label(
    action: PolicyAction, utterance: str
) -> tuple[int, tuple[float, float], int, tuple[int, int]] | None:
    """An action as training labels; None when typed text is not copied from the utterance.

    >>> label(PolicyAction(Kind.TYPE, text="Bo"), 'Enter "Bo" here')
    (8, (0.0, 0.0), 0, (7, 9))
    """
    span = (0, 0)
    if action.kind is Kind.TYPE:
        start = utterance.find(action.text)
        if start < 0 or not action.text:
            return None
        span = (start, start + len(action.text))
    key = KEYS.index(action.key) if action.kind is Kind.KEY else 0
    return KINDS.index(action.kind), (action.x, action.y), key, span


def collect(
    task: str, expert: Expert, seeds: Iterable[int], on_episode: Callable[[int], None] | None = None
) -> tuple[Demos, CollectStats]:
    """Run the expert on each seed and keep the rows of its successful episodes."""
    rows: list[tuple[np.ndarray, str, tuple[int, tuple[float, float], int, tuple[int, int]]]] = []
    episodes = successes = 0
    with MiniwobEnv(MiniwobConfig(task)) as env:
        for seed in seeds:
            if seed >= TRAIN_SEED_LIMIT:
                raise ValueError(f"seed {seed} is not a training seed (< {TRAIN_SEED_LIMIT})")
            obs, episode, ok = env.reset(seed), [], True
            episodes += 1
            for step in range(env.config.max_steps):
                action = expert(obs.utterance, env.expert_dom(), step)
                labels = None if action is None else label(action, obs.utterance)
                if action is None or labels is None:
                    ok = False
                    break
                episode.append((obs.screenshot, obs.utterance, labels))
                result = env.step(action)
                obs = result.obs
                if result.done:
                    ok = result.success
                    break
            else:
                ok = False
            if ok:
                successes += 1
                rows += episode
            if on_episode:
                on_episode(seed)
    return _pack(rows), CollectStats(task, episodes, successes, len(rows))


def _pack(rows: list[tuple[np.ndarray, str, tuple[int, tuple[float, float], int, tuple[int, int]]]]) -> Demos:
    if not rows:
        return Demos(np.zeros((0, 210, 160, 3), np.uint8), [], *_empty_labels())
    return Demos(
        frames=np.stack([r[0] for r in rows]).astype(np.uint8),
        utterances=[r[1] for r in rows],
        kinds=np.array([r[2][0] for r in rows], np.int64),
        xy=np.array([r[2][1] for r in rows], np.float32),
        keys=np.array([r[2][2] for r in rows], np.int64),
        spans=np.array([r[2][3] for r in rows], np.int64),
    )


def _empty_labels() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.zeros(0, np.int64),
        np.zeros((0, 2), np.float32),
        np.zeros(0, np.int64),
        np.zeros((0, 2), np.int64),
    )


def save(demos: Demos, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        frames=demos.frames,
        utterances=np.array(demos.utterances, dtype=np.str_),
        kinds=demos.kinds,
        xy=demos.xy,
        keys=demos.keys,
        spans=demos.spans,
    )


def load(path: Path) -> Demos:
    with np.load(path) as z:
        return Demos(
            frames=z["frames"],
            utterances=[str(u) for u in z["utterances"]],
            kinds=z["kinds"],
            xy=z["xy"],
            keys=z["keys"],
            spans=z["spans"],
        )


def concat(parts: list[Demos]) -> Demos:
    parts = [p for p in parts if len(p)]
    if not parts:
        return _pack([])
    return Demos(
        frames=np.concatenate([p.frames for p in parts]),
        utterances=[u for p in parts for u in p.utterances],
        kinds=np.concatenate([p.kinds for p in parts]),
        xy=np.concatenate([p.xy for p in parts]),
        keys=np.concatenate([p.keys for p in parts]),
        spans=np.concatenate([p.spans for p in parts]),
    )
