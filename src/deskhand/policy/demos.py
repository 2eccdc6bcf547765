"""Demonstrations: scripted experts run on training seeds, kept as (frame, utterance, action) rows.

Each successful expert episode can be written as a Recording, the same format as a person's
(see recordings.py), under `<demos>/<task>/<seed:07d>/`. Training reads the rows through a
packed cache, `<demos>/<task>.npz`, rebuilt from the recordings whenever they are newer, so
thousands of recordings are not decoded on every run. `Demos` is the in-memory training form.
Only episodes the expert finished with success are kept.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deskhand.policy.base import KEYS, KINDS, Kind, PolicyAction
from deskhand.policy.experts import EXPERTS, Expert
from deskhand.policy.miniwob import TRAIN_SEED_LIMIT, MiniwobConfig, MiniwobEnv, next_look
from deskhand.policy.recordings import episode_dir, episode_dirs, read_episode, recordable, write_episode
from deskhand.record.format import META_FILE, RecordingError

Labels = tuple[int, tuple[float, float], int, tuple[int, int]]
Row = tuple[np.ndarray, str, Labels, int]  # frame, utterance, labels, step in the episode


@dataclass(frozen=True)
class Demos:
    """Rows of one or more tasks: frames (N, H, W, 3) uint8 and the action labels."""

    frames: np.ndarray
    utterances: list[str]
    kinds: np.ndarray  # (N,) index into KINDS
    xy: np.ndarray  # (N, 2) float32 pixels
    keys: np.ndarray  # (N,) index into KEYS
    spans: np.ndarray  # (N, 2) [start, end) of typed text in the utterance, (0, 0) if none
    steps: np.ndarray  # (N,) the row's step in its episode; row i-1 is its previous action when > 0

    def __len__(self) -> int:
        return len(self.utterances)


@dataclass(frozen=True)
class CollectStats:
    task: str
    episodes: int
    successes: int
    rows: int


def label(action: PolicyAction, utterance: str) -> Labels | None:
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
    task: str,
    expert: Expert,
    seeds: Iterable[int],
    on_episode: Callable[[int], None] | None = None,
    out: Path | None = None,
) -> tuple[Demos, CollectStats]:
    """Run the expert on each seed and keep the rows of its successful episodes.

    The expert's actions are taken as a recording holds them (`recordable`: whole pixels), so
    the rows are the same whether or not they go through a recording. With `out`, each
    successful episode is also written to `episode_dir(out, task, seed)`, replacing an older one.
    """
    rows: list[Row] = []
    episodes = successes = 0
    with MiniwobEnv(MiniwobConfig(task)) as env:
        for seed in seeds:
            if seed >= TRAIN_SEED_LIMIT:
                raise ValueError(f"seed {seed} is not a training seed (< {TRAIN_SEED_LIMIT})")
            obs, episode, actions, ok = env.reset(seed), [], [], True
            episodes += 1
            for step in range(env.config.max_steps):
                action = _recordable(expert(obs.utterance, env.expert_dom(), step))
                labels = None if action is None else label(action, obs.utterance)
                if action is None or labels is None:
                    ok = False
                    break
                episode.append((obs.screenshot, obs.utterance, labels, step))
                actions.append(action)
                result = env.step(action)
                obs = result.obs if result.done else next_look(env, action, result.obs)
                if result.done:
                    ok = result.success
                    break
            else:
                ok = False
            if ok:
                successes += 1
                rows += episode
                if out is not None:
                    _record(
                        out, task, seed, [r[0] for r in episode] + [obs.screenshot], episode[0][1], actions
                    )
            if on_episode:
                on_episode(seed)
    return _pack(rows), CollectStats(task, episodes, successes, len(rows))


def record_task(
    task: str, demos: Path, episodes: int, min_rows: int, max_episodes: int
) -> CollectStats | None:
    """Record `task`'s demonstrations under `demos` and pack them: seeds 1..`episodes` if it has none,
    then more while it has fewer than `min_rows` rows (see `more_seeds`).

    What was recorded in this call, or None if the task had enough already. Each task has its own
    browser and folder, so several can be recorded at once. A damaged or foreign episode is a
    RecordingError naming it. The task's expert is found here by name: experts are closures, which
    cannot be sent to another process.
    """
    expert, stats = EXPERTS[task], None
    if not episode_dirs(demos, task):
        _, stats = collect(task, expert, range(1, episodes + 1), out=demos)
    recorded = episode_dirs(demos, task)
    if not recorded:  # an expert with no success leaves no recordings
        return stats
    if not recorded[-1].name.isdigit():
        raise RecordingError(f"{recorded[-1]}: not an episode recording (those are named by their seed)")
    more = more_seeds(
        int(recorded[-1].name), len(recorded), len(load_task(demos, task)), min_rows, max_episodes
    )
    if more:
        _, stats = collect(task, expert, more, out=demos)
        load_task(demos, task)  # packs the cache here, in parallel with the other tasks
    return stats


def more_seeds(last_seed: int, episodes: int, rows: int, min_rows: int, max_episodes: int) -> range:
    """The training seeds to record next, after seeds 1..`last_seed` gave `episodes` recordings and `rows` rows.

    Seeds up to `max_episodes` are added while a task has fewer than `min_rows` rows: a task of
    one click an episode needs many more layouts than a long one to learn from, or the policy
    learns the layouts it saw. The count is estimated from the rows per recording so far.

    >>> more_seeds(200, 200, 200, 1000, 1000)  # one row an episode: 800 more
    range(201, 1001)
    >>> more_seeds(200, 200, 400, 1000, 1000)  # two rows an episode: 300 more
    range(201, 501)
    >>> more_seeds(200, 200, 4000, 1000, 1000)  # enough already
    range(201, 201)
    >>> more_seeds(200, 0, 0, 1000, 1000)  # an expert that never succeeds: no more
    range(201, 201)
    >>> more_seeds(900, 900, 900, 1500, 1000)  # no further than --max-episodes
    range(901, 1001)
    """
    first = last_seed + 1
    if rows >= min_rows or episodes == 0 or rows == 0:
        return range(first, first)
    wanted = -(-(min_rows - rows) * episodes // rows)  # ceil((min_rows - rows) / rows per episode)
    return range(first, min(first + wanted, max_episodes + 1, TRAIN_SEED_LIMIT))


def _recordable(action: PolicyAction | None) -> PolicyAction | None:
    """The action as a recording holds it; None (the episode fails) if no recording can hold it."""
    try:
        return None if action is None else recordable(action)
    except ValueError:
        return None


def _record(
    out: Path, task: str, seed: int, frames: list[np.ndarray], utterance: str, actions: list[PolicyAction]
) -> None:
    path = episode_dir(out, task, seed)
    if path.exists():
        shutil.rmtree(path)  # the same seed again: the expert is deterministic, the new one replaces it
    path.parent.mkdir(parents=True, exist_ok=True)
    write_episode(path, frames, utterance, actions, task=task)


def from_rows(rows: Sequence[tuple[np.ndarray, str, PolicyAction]]) -> Demos:
    """(frame, utterance, action) rows as training labels; ValueError if typed text is not in its utterance."""
    labelled: list[Row] = []
    for step, (frame, utterance, action) in enumerate(rows):
        labels = label(action, utterance)
        if labels is None:
            raise ValueError(f"typed text {action.text!r} is not in the utterance {utterance!r}")
        labelled.append((frame, utterance, labels, step))
    return _pack(labelled)


def cache_path(demos: Path, task: str) -> Path:
    return Path(demos) / f"{task}.npz"


def load_task(demos: Path, task: str) -> Demos:
    """The rows of every episode recording of `task`, through the cache `<demos>/<task>.npz`.

    The cache is rebuilt when it is missing or older than the task folder or any episode in
    it. A damaged or foreign episode is a RecordingError naming it; no recordings at all is
    a FileNotFoundError.
    """
    episodes = episode_dirs(demos, task)
    if not episodes:
        raise FileNotFoundError(f"no episode recordings of {task} in {Path(demos) / task}")
    cache = cache_path(demos, task)
    newest = max([(Path(demos) / task).stat().st_mtime_ns, *(_mtime(e / META_FILE) for e in episodes)])
    if cache.exists() and cache.stat().st_mtime_ns >= newest:
        try:
            return load(cache)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile):
            pass  # a damaged cache, or one from before a field was added: rebuild it from the recordings
    parts = []
    for episode in episodes:
        try:
            parts.append(from_rows(read_episode(episode)))
        except ValueError as e:
            raise RecordingError(f"{episode}: {e}") from None
    made = concat(parts)
    tmp = cache.with_name(f".{cache.stem}.tmp.npz")
    save(made, tmp)
    os.replace(tmp, cache)
    return made


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        raise RecordingError(f"{path.parent} has no {META_FILE}: incomplete or not a recording") from None


def _pack(rows: list[Row]) -> Demos:
    if not rows:
        return Demos(np.zeros((0, 210, 160, 3), np.uint8), [], *_empty_labels())
    return Demos(
        frames=np.stack([r[0] for r in rows]).astype(np.uint8),
        utterances=[r[1] for r in rows],
        kinds=np.array([r[2][0] for r in rows], np.int64),
        xy=np.array([r[2][1] for r in rows], np.float32),
        keys=np.array([r[2][2] for r in rows], np.int64),
        spans=np.array([r[2][3] for r in rows], np.int64),
        steps=np.array([r[3] for r in rows], np.int64),
    )


def _empty_labels() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.zeros(0, np.int64),
        np.zeros((0, 2), np.float32),
        np.zeros(0, np.int64),
        np.zeros((0, 2), np.int64),
        np.zeros(0, np.int64),
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
        steps=demos.steps,
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
            steps=z["steps"],
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
        steps=np.concatenate([p.steps for p in parts]),
    )
