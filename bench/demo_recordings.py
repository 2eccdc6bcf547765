"""What writing expert demonstrations as Recordings costs, per episode, on real MiniWoB++ screens.

Collects episodes with their experts into Recordings (headless Chromium), then times, per
episode: reading it back (`read_episode`, validation included) and writing it again from
those rows (`write_episode`, libx264 at 160x210), in wall and CPU seconds of this process;
the on-disk size; and building and hitting the packed <task>.npz cache.
Also: the wall time of collecting with and without recordings, on the same seeds.

Writes bench/results/demo_recordings.json.
Run: python bench/demo_recordings.py [--episodes 30] [--tasks click-button enter-text login-user]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from deskhand.policy.demos import collect, load_task
from deskhand.policy.experts import EXPERTS
from deskhand.policy.recordings import episode_dirs, read_episode, write_episode

T = TypeVar("T")
RESULTS = Path(__file__).parent / "results" / "demo_recordings.json"


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ms(values: list[float]) -> float:
    return round(1000 * statistics.median(values), 1)


def bench_task(task: str, episodes: int, root: Path) -> dict[str, object]:
    seeds = range(1, episodes + 1)
    _, plain_wall, _ = timed(lambda: collect(task, EXPERTS[task], seeds))
    _, recorded_wall, _ = timed(lambda: collect(task, EXPERTS[task], seeds, out=root))
    reads, writes, steps, sizes = [], [], [], []
    for i, episode in enumerate(episode_dirs(root, task)):
        rows, wall, cpu = timed(lambda e=episode: read_episode(e))  # type: ignore[misc]
        reads.append((wall, cpu))
        frames = [f for f, _, _ in rows] + [rows[-1][0]]
        actions = [a for _, _, a in rows]
        again = root / "again" / f"{i:07d}"
        again.parent.mkdir(parents=True, exist_ok=True)
        _, wall, cpu = timed(lambda: write_episode(again, frames, rows[0][1], actions, task=task))  # noqa: B023
        writes.append((wall, cpu))
        steps.append(len(rows))
        sizes.append(size(episode))
    _, build, _ = timed(lambda: load_task(root, task))
    _, hit, _ = timed(lambda: load_task(root, task))
    return {
        "episodes_recorded": len(steps),
        "steps_per_episode_median": statistics.median(steps) if steps else 0,
        "write_ms_median": {"wall": ms([w for w, _ in writes]), "cpu": ms([c for _, c in writes])},
        "read_ms_median": {"wall": ms([w for w, _ in reads]), "cpu": ms([c for _, c in reads])},
        "kib_per_episode_median": round(statistics.median(sizes) / 1024, 1) if sizes else 0,
        "collect_s": {"in_memory": round(plain_wall, 2), "with_recordings": round(recorded_wall, 2)},
        "cache_s": {"build": round(build, 3), "hit": round(hit, 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--tasks", nargs="+", default=["click-button", "enter-text", "login-user"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {task: bench_task(task, args.episodes, Path(tmp) / task) for task in args.tasks}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
