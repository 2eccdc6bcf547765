"""Recorder cost: CPU share and memory over long recordings, while a person works.

Writes bench/results/record.json. A scripted human in a separate process types into
Mousepad the whole time, so the screen and the input stream are busy as with a person;
this process runs only the recorder, so its CPU time is the recorder's own.
- cpu_cores = recorder CPU seconds / wall seconds (1.0 = one core busy)
- memory: peak RSS; RSS drift = mean of the last quarter of samples minus the first
  quarter's; drift after warm-up = last quarter minus second quarter, since the encoder
  fills its look-ahead buffers in the first seconds (flat memory means drift near 0);
  and RSS every 10 s, to show the curve itself.
Goals, not tests: <= 1 core at 1080p / 10 fps, and memory flat over time.

Run: python bench/record.py [--minutes-1080p 5] [--minutes-5k 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deskhand.desktop import XvfbDesktop
from deskhand.desktop.apps import mousepad_env
from deskhand.record.recorder import RecordConfig, Recorder

RESULTS = Path(__file__).parent / "results" / "record.json"

TYPIST = """
import sys, time
from deskhand.desktop import AttachedDesktop
from deskhand.record.human import ScriptedHuman
desktop = AttachedDesktop(sys.argv[1])
human = ScriptedHuman(desktop, seed=3)
window_end = time.monotonic() + float(sys.argv[2])
line = 0
while time.monotonic() < window_end:
    human.type(f"line {line}: the quick brown fox jumps over the lazy dog\\n", think=line % 3 == 0)
    line += 1
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def bench(width: int, height: int, seconds: float, fps: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, XvfbDesktop(width, height) as desktop:
        desktop.launch(["mousepad"], env=mousepad_env(Path(tmp) / "home"))
        window = desktop.wait_for_window("Mousepad")
        desktop.wait_until_stable()
        from deskhand.desktop import Click

        desktop.perform(Click(window.x + 200, window.y + 200))
        recorder = Recorder(desktop, Path(tmp) / "rec", RecordConfig(fps=fps))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        typist = subprocess.Popen([sys.executable, "-c", TYPIST, desktop.display, str(seconds)], env=env)
        samples: list[float] = []
        cpu0, wall0 = cpu_s(), time.monotonic()
        recorder.start()
        while time.monotonic() - wall0 < seconds:
            samples.append(rss_mb())
            time.sleep(1.0)
        recorder.stop()
        cpu, wall = cpu_s() - cpu0, time.monotonic() - wall0
        typist.wait(30)
        stats = recorder.stats()
    quarter = max(1, len(samples) // 4)
    return {
        "size": f"{width}x{height}",
        "fps": fps,
        "seconds": round(wall, 1),
        "frames": stats.frames,
        "events": stats.events,
        "recording_mb": round(stats.bytes / 1e6, 2),
        "cpu_cores": round(cpu / wall, 3),
        "rss_peak_mb": round(max(samples), 1),
        "rss_drift_mb": round(_mean(samples[-quarter:]) - _mean(samples[:quarter]), 1),
        "rss_drift_after_warmup_mb": round(
            _mean(samples[-quarter:]) - _mean(samples[quarter : 2 * quarter]), 1
        ),
        "rss_mb_every_10s": [round(s) for s in samples[::10]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes-1080p", type=float, default=5.0)
    parser.add_argument("--minutes-5k", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = [
        bench(1920, 1080, args.minutes_1080p * 60, 10.0),
        bench(5120, 2880, args.minutes_5k * 60, 10.0),
    ]
    for row in rows:
        print(json.dumps(row))
    hd = rows[0]
    result = {
        "bench": "record",
        "machine": {"cpus": os.cpu_count()},
        "workload": "scripted human (separate process) typing into Mousepad throughout",
        "runs": rows,
        "goal": {"cpu_cores_1080p_max": 1.0, "met": hd["cpu_cores"] <= 1.0},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
