"""`deskhand bench gaps`: how well the gap finder finds the steps the suite's procedures leave out.

Each scenario's scripted human is recorded doing the job (once per seed); the gap finder runs
with the scenario's written procedure, and every undocumented action it reports is scored
against the scenario's planted omissions (`Scenario.omitted`): a true positive if that action's
index is one of them. Each procedure is also run against one recording of every other scenario,
where the right answer is "this recording does not match the procedure".
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from deskhand.desktop import XvfbDesktop
from deskhand.gaps.finder import GapsConfig, Reading, find_gaps, read_recording
from deskhand.gaps.report import GapReport
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.scenarios import Scenario
from deskhand.vision.ocr import Ocr

Progress = Callable[[str], None]
GOALS = {"precision_min": 0.9, "recall_min": 0.9}


def record(
    scenario: Scenario, workdir: Path, seed: int, time_scale: float, size: tuple[int, int] = (1920, 1080)
) -> Path:
    """The scenario's scripted human doing the job once, recorded with the procedure in meta.json."""
    with XvfbDesktop(*size) as desktop, scenario.open(desktop, workdir / "apps") as session:
        human = ScriptedHuman(desktop, time_scale=time_scale, seed=seed)
        with Recorder(desktop, workdir / "recording", RecordConfig(), sop=scenario.sop) as recorder:
            scenario.perform(human, session)
            path = recorder.stop()
        problem = scenario.check(session)
    if problem is not None:
        raise RuntimeError(f"{scenario.name}: the scripted human did not finish the job: {problem}")
    return path


def found(report: GapReport) -> set[tuple[int, int]]:
    """(recording, action) of every undocumented action the report names."""
    return {(o.recording, o.action) for g in report.gaps for o in g.occurrences}


def score(report: GapReport, omitted: Sequence[int], recordings: int) -> dict[str, object]:
    """True and false positives and misses against the planted omissions, over all recordings."""
    truth = {(r, a) for r in range(recordings) for a in omitted}
    reported = found(report)
    tp, fp, fn = len(reported & truth), len(reported - truth), len(truth - reported)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "false_positives": sorted(reported - truth),
        "missed": sorted(truth - reported),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def bench_gaps(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    time_scale: float,
    out: Path,
    progress: Progress,
    ocr: Ocr | None = None,
) -> dict[str, object]:
    """Record, find gaps, score; write the figures to `out` as JSON."""
    ocr = ocr or Ocr()
    readings: dict[str, list[Reading]] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="deskhand-gaps-") as tmp:
        for scenario in scenarios:
            readings[scenario.name] = []
            for seed in seeds:
                progress(f"{scenario.name}: recording the scripted human (seed {seed})")
                path = record(scenario, Path(tmp) / f"{scenario.name}-{seed}", seed, time_scale)
                readings[scenario.name].append(read_recording(path, ocr))
            started = time.monotonic()
            report, _ = find_gaps(scenario.sop, readings[scenario.name], GapsConfig())
            rows.append(
                {
                    "scenario": scenario.name,
                    "omitted": list(scenario.omitted),
                    "recordings": len(seeds),
                    "matching": report.n,
                    "k": report.k,
                    **score(report, scenario.omitted, len(seeds)),
                    "gaps": [f"{g.description} (after step {g.after_step})" for g in report.gaps],
                    "find_s": round(time.monotonic() - started, 3),
                }
            )
            progress(json.dumps(rows[-1], ensure_ascii=False))
        other = _different_jobs(scenarios, readings, progress)
    tp, fp, fn = (sum(int(r[key]) for r in rows) for key in ("tp", "fp", "fn"))  # type: ignore[call-overload]
    result: dict[str, object] = {
        "bench": "gaps",
        "method": (
            "each scenario's scripted human recorded at 1920x1080 once per seed; `deskhand gaps` with the "
            "scenario's SOP; a reported undocumented action is a true positive if its index is in the "
            "scenario's planted omissions (Scenario.omitted)"
        ),
        "time_scale": time_scale,
        "seeds": list(seeds),
        "machine": {"cpus": os.cpu_count()},
        "scenarios": rows,
        "overall": {
            "planted_omissions": sum(len(s.omitted) for s in scenarios),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        },
        "different_job": other,
        "goals": GOALS,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    result["written_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def _different_jobs(
    scenarios: Sequence[Scenario], readings: dict[str, list[Reading]], progress: Progress
) -> dict[str, object]:
    """Every procedure against the first recording of every other scenario: none should match."""
    results = []
    for scenario in scenarios:
        for name, recorded in readings.items():
            if name == scenario.name:
                continue
            report, _ = find_gaps(scenario.sop, recorded[:1], GapsConfig())
            results.append(
                {
                    "sop": scenario.name,
                    "recording": name,
                    "matches": report.matches,
                    "gaps_reported": len(report.gaps),
                    "verdict": report.recordings[0].verdict,
                }
            )
    said = sum(not r["matches"] for r in results)
    progress(f"different jobs: {said} of {len(results)} said not to match")
    return {"pairs": len(results), "said_does_not_match": said, "results": results}
