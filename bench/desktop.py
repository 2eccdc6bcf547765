"""Desktop layer speed: screenshot time and input-to-pixel latency per screen size.

Writes bench/results/desktop.json. Every figure is compared in the same run with a named
baseline, as a ratio ours / baseline (below 1 is faster):
- screenshots: ours (mss over MIT-SHM, converted to RGB) vs mss's XGetImage backend, no MIT-SHM;
- input-to-pixel: a click through our in-process XTEST vs the same press and release through an
  `xdotool` subprocess, each timed until the probe app's mark shows in a small polled region.
Goal, not a test: a 1080p screenshot in <= 5 ms.

Run: python bench/desktop.py [--repeats 40] [--sizes 640x480,1920x1080,...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mss

from deskhand.desktop import Click, Region, XvfbDesktop, parse_size
from deskhand.desktop.probe import MARK

SIZES = "640x480,1920x1080,3840x2160,5120x2880"
RESULTS = Path(__file__).parent / "results" / "desktop.json"


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up: first grabs allocate buffers
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def click_to_pixel_ms(
    desktop: XvfbDesktop, click: Callable[[int, int], None], repeats: int, row: int
) -> float:
    """Median time from sending a click to the probe's mark showing, polling a 16x16 region."""
    w, h = desktop.size
    times = []
    for i in range(repeats):
        x, y = 40 + (i * 37) % (w - 80), row + (i * 13) % max(1, h // 4 - 20)
        region = Region(x - 8, y - 8, 16, 16)
        start = time.perf_counter()
        click(x, y)
        while tuple(desktop.screenshot(region).pixels[8, 8]) != MARK:
            if time.perf_counter() - start > 5:
                raise RuntimeError(f"mark at ({x}, {y}) never appeared")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_size(width: int, height: int, repeats: int) -> dict[str, object]:
    with XvfbDesktop(width, height) as desktop:
        log = desktop.workdir / "probe.jsonl"
        desktop.launch([sys.executable, "-m", "deskhand.desktop.probe", str(log)])
        while not log.exists() or "ready" not in log.read_text():
            time.sleep(0.02)
        desktop.wait_until_stable()
        ours = median_ms(desktop.screenshot, repeats)
        with mss.MSS(display=desktop.display, backend="xgetimage") as plain:
            monitor = {"left": 0, "top": 0, "width": width, "height": height}
            baseline = median_ms(lambda: plain.grab(monitor), repeats)

        def xtest_click(x: int, y: int) -> None:
            desktop.perform(Click(x, y))

        def xdotool_click(x: int, y: int) -> None:
            env = {**os.environ, "DISPLAY": desktop.display}
            # not `xdotool click`: it sleeps ~100 ms on its own, which would flatter us
            command = ["xdotool", "mousemove", str(x), str(y), "mousedown", "1", "mouseup", "1"]
            subprocess.run(command, env=env, check=True)

        clicks = max(10, repeats // 2)
        latency = click_to_pixel_ms(desktop, xtest_click, clicks, row=20)
        latency_xdotool = click_to_pixel_ms(desktop, xdotool_click, clicks, row=height // 2)
    return {
        "size": f"{width}x{height}",
        "screenshot_ms_median": round(ours, 3),
        "screenshot_baseline": "mss xgetimage backend (no MIT-SHM), raw BGRA",
        "screenshot_baseline_ms_median": round(baseline, 3),
        "screenshot_ratio": round(ours / baseline, 3),
        "input_to_pixel_ms_median": round(latency, 3),
        "input_baseline": "xdotool subprocess (mousemove, mousedown, mouseup)",
        "input_baseline_to_pixel_ms_median": round(latency_xdotool, 3),
        "input_to_pixel_ratio": round(latency / latency_xdotool, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--sizes", default=SIZES)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    for text in args.sizes.split(","):
        row = bench_size(*parse_size(text), args.repeats)
        print(json.dumps(row))
        rows.append(row)
    hd = next((r for r in rows if r["size"] == "1920x1080"), None)
    result = {
        "bench": "desktop",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "repeats": args.repeats,
        "sizes": rows,
        "goal": {
            "screenshot_1080p_ms_max": 5.0,
            "met": None if hd is None else hd["screenshot_ms_median"] <= 5.0,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
