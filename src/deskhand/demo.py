"""The main job: watch a scripted person do the multi-app credit job once, learn it, then do it on
new tickets on three screens, and report what happened.

Every verdict comes from the apps' own output (the console's store, the workbook Gnumeric saved);
every speed-up names its baseline: the recorded human, and the Keystroke-Level-Model estimate.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deskhand.desktop import XvfbDesktop
from deskhand.learn.compile import learn
from deskhand.learn.skill import Skill, check_skill, save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.runner import Runner
from deskhand.run.trace import Trace
from deskhand.scenarios.base import Scenario
from deskhand.scenarios.credit import SCENARIO
from deskhand.vision.ocr import Ocr

Progress = Callable[[str], None]


class DemoError(Exception):
    """The demo could not do its job; the message says which part and why."""


@dataclass(frozen=True)
class DemoConfig:
    out: Path
    record_size: tuple[int, int] = (1920, 1080)
    sizes: tuple[tuple[int, int], ...] = ((1280, 800), (1920, 1080), (5120, 2880))
    time_scale: float = 1.0  # the scripted human works at full Keystroke-Level-Model pace
    seed: int = 11


@dataclass(frozen=True)
class DemoRun:
    screen: str
    ticket: str
    ok: bool
    problem: str | None  # what the checker or the escalation said, if it failed
    human_s: float  # the recorded scripted human
    klm_s: float  # the Keystroke-Level-Model estimate of the same job
    deskhand_s: float
    before: str  # screenshots and trace, relative to the report
    after: str
    trace: str
    report: str = ""  # an escalation report, if any

    @property
    def speedup(self) -> float | None:
        return self.human_s / self.deskhand_s if self.ok and self.deskhand_s > 0 else None

    @property
    def klm_speedup(self) -> float | None:
        return self.klm_s / self.deskhand_s if self.ok and self.deskhand_s > 0 else None


@dataclass(frozen=True)
class DemoResult:
    scenario: str
    title: str
    human_s: float
    klm_s: float
    steps: int
    runs: tuple[DemoRun, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs)

    def to_dict(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "ok": self.ok,
            "baselines": {
                "recorded_human_s": round(self.human_s, 3),
                "klm_estimate_s": round(self.klm_s, 3),
            },
            "skill_steps": self.steps,
            "runs": [
                {
                    **asdict(r),
                    "speedup_vs_recorded_human": _round(r.speedup),
                    "speedup_vs_klm": _round(r.klm_speedup),
                }
                for r in self.runs
            ],
        }


def _round(x: float | None) -> float | None:
    return round(x, 2) if x is not None else None


def record_and_learn(
    scenario: Scenario,
    workdir: Path,
    ocr: Ocr,
    progress: Progress,
    size: tuple[int, int] = (1920, 1080),
    time_scale: float = 1.0,
    seed: int = 11,
) -> tuple[Skill, float]:
    """The scripted human does the job once while we record; returns the learned skill and the KLM estimate."""
    progress(f"{scenario.name}: recording the scripted human doing the job at {size[0]}x{size[1]}")
    with XvfbDesktop(*size) as desktop, scenario.open(desktop, workdir / "record" / "apps") as session:
        human = ScriptedHuman(desktop, time_scale=time_scale, seed=seed)
        with Recorder(desktop, workdir / "record" / "recording", RecordConfig()) as recorder:
            scenario.perform(human, session)
            path = recorder.stop()
        problem = scenario.check(session)
        if problem:
            raise DemoError(
                f"the scripted human did not finish the job, so there is nothing to learn: {problem}"
            )
    recording = Recording.open(path)
    progress(f"{scenario.name}: learning the skill from {len(recording.actions)} recorded actions")
    skill, crops = learn([recording], ocr, scenario.name)
    return check_skill(save_skill(skill, workdir / "skill", crops)), human.klm_seconds


def replay(
    scenario: Scenario,
    skill: Skill,
    values: dict[str, str],
    size: tuple[int, int],
    workdir: Path,
    ocr: Ocr,
    klm_s: float,
) -> DemoRun:
    """deskhand does the job on a fresh desktop; before and after screenshots, a trace, the checker's verdict."""
    rel = workdir.name
    with XvfbDesktop(*size) as desktop, scenario.open(desktop, workdir / "apps", values) as session:
        desktop.wait_until_stable(timeout=20).save(workdir / "before.png")
        trace = Trace(workdir / "trace.mp4", desktop.size)
        try:
            result = Runner(
                desktop, skill, values, report_dir=workdir / "escalation", ocr=lambda: ocr, on_frame=trace.add
            ).run()
        finally:
            trace.close()
        problem = scenario.check(session, values) if result.ok else None
        desktop.screenshot().save(workdir / "after.png")
    escalation = result.escalation
    return DemoRun(
        screen=f"{size[0]}x{size[1]}",
        ticket=values.get("find_ticket", ""),
        ok=result.ok and problem is None,
        problem=problem or (escalation.reason if escalation else None),
        human_s=result.human_s,
        klm_s=klm_s,
        deskhand_s=result.total_s,
        before=f"{rel}/before.png",
        after=f"{rel}/after.png",
        trace=f"{rel}/trace.mp4",
        report=f"{rel}/escalation/index.html" if escalation else "",
    )


def run_demo(config: DemoConfig, progress: Progress, scenario: Scenario = SCENARIO) -> DemoResult:
    if len(config.sizes) > len(scenario.rows):
        raise DemoError(f"{len(config.sizes)} screens but only {len(scenario.rows)} new input rows")
    config.out.mkdir(parents=True, exist_ok=True)
    progress("loading the OCR models (they ship inside the rapidocr package)")
    ocr = Ocr()
    skill, klm_s = record_and_learn(
        scenario, config.out, ocr, progress, config.record_size, config.time_scale, config.seed
    )
    runs = []
    for n, (size, values) in enumerate(zip(config.sizes, scenario.rows, strict=False), 1):
        progress(
            f"run {n}/{len(config.sizes)}: ticket #{values.get('find_ticket', '?')} at {size[0]}x{size[1]}"
        )
        runs.append(replay(scenario, skill, skill.bind(values), size, config.out / f"run-{n}", ocr, klm_s))
    result = DemoResult(scenario.name, scenario.title, skill.human_time, klm_s, len(skill.steps), tuple(runs))
    (config.out / "demo.json").write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    write_html(result, config.out / "report.html")
    return result


def write_html(result: DemoResult, path: Path) -> None:
    """One self-contained page: the table, then each run's before/after screenshots and trace video."""
    e = html.escape

    def speed(x: float | None) -> str:
        return f"{x:.1f}x" if x is not None else "–"

    rows = "".join(
        f"<tr><td>{e(r.screen)}</td><td>#{e(r.ticket)}</td>"
        f"<td class={'ok' if r.ok else 'bad'}>{'done' if r.ok else 'stopped'}</td>"
        f"<td>{r.human_s:.1f} s</td><td>{r.deskhand_s:.2f} s</td>"
        f"<td>{speed(r.speedup)}</td><td>{speed(r.klm_speedup)}</td></tr>"
        for r in result.runs
    )
    runs = "".join(
        f"<section><h2>{e(r.screen)}: ticket #{e(r.ticket)} — {'done' if r.ok else 'stopped'}</h2>"
        + (f'<p class="bad">{e(r.problem)}</p>' if r.problem else "")
        + (f'<p><a href="{e(r.report)}">escalation report</a></p>' if r.report else "")
        + f'<div class="pair"><figure><img src="{e(r.before)}" alt="before"><figcaption>before</figcaption></figure>'
        f'<figure><img src="{e(r.after)}" alt="after"><figcaption>after</figcaption></figure></div>'
        f'<p><video src="{e(r.trace)}" controls width="960"></video><br><a href="{e(r.trace)}">trace video</a></p>'
        "</section>"
        for r in result.runs
    )
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deskhand demo: {e(result.title)}</title>
<style>
body{{font-family:sans-serif;margin:1.5rem;max-width:1400px}}
table{{border-collapse:collapse}} th,td{{padding:.35rem .8rem;border-bottom:1px solid #999;text-align:left}}
.ok{{color:#0b6b2b;font-weight:bold}} .bad{{color:#a00;font-weight:bold}}
.pair{{display:flex;gap:1rem}} figure{{margin:0;flex:1}} img{{width:100%;border:1px solid #999}}
</style></head><body>
<h1>deskhand demo</h1>
<p>{e(result.title)}. Learned from one recording of a scripted person ({result.steps} steps), then done on new
tickets. Baselines: the recorded human took {result.human_s:.1f} s; the Keystroke-Level Model estimates
{result.klm_s:.1f} s. Success is read from the console's store and the workbook Gnumeric saved.</p>
<table id="runs"><tr><th>screen</th><th>ticket</th><th>result</th><th>human</th><th>deskhand</th>
<th>speed-up vs recorded human</th><th>speed-up vs KLM</th></tr>{rows}</table>
{runs}
</body></html>
""",
        encoding="utf-8",
    )
