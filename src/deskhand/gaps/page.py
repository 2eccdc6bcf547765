"""The report on disk: report.json, index.html (one page, no outside resources) and crops/*.png."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np

from deskhand.gaps.report import Gap, GapReport, StepReport

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #1d2430; background: #fff; }
h1 { font-size: 26px; margin: 0 0 8px; } h2 { font-size: 20px; margin: 28px 0 10px; }
.verdict { padding: 12px 16px; border-radius: 6px; font-size: 17px; margin: 12px 0; }
.ok { background: #fff4d6; border-left: 6px solid #e0a800; }
.clean { background: #e3f5e6; border-left: 6px solid #2e8b47; }
.bad { background: #fde2e1; border-left: 6px solid #c9302c; }
.gap { border: 1px solid #d4d9e1; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.gap h3 { margin: 0 0 6px; font-size: 17px; } .meta { color: #556070; }
.shots { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 8px; }
figure { margin: 0; } figcaption { font-size: 13px; color: #556070; }
figure img { display: block; border: 1px solid #aab2bf; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #e3e6eb; padding: 6px 8px;
  text-align: left; vertical-align: top; } th { background: #f3f5f8; }
.why { color: #556070; font-size: 13px; } .context { color: #8892a0; font-style: italic; }
"""


def write_report(report: GapReport, crops: Mapping[str, np.ndarray], out: Path) -> Path:
    """Write report.json, index.html and the crops into `out`; returns index.html."""
    out.mkdir(parents=True, exist_ok=True)
    for name, pixels in crops.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {path}")
    (out / "report.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    page = out / "index.html"
    page.write_text(render(report), encoding="utf-8")
    return page


def render(report: GapReport) -> str:
    """The whole page: verdict, undocumented steps with crops, the steps, skips, order, recordings."""
    e = html.escape
    title = report.title or "the written procedure"
    findings = report.gaps or report.skipped or report.order
    tone = "bad" if not report.matches else "ok" if findings else "clean"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Gaps: {e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>What the procedure leaves out: {e(title)}</h1>",
        f"<div class='verdict {tone}' id='verdict'>{e(report.verdict)}</div>",
    ]
    if report.matches:
        parts += _gaps(report)
        parts += _steps(report)
        parts += _skipped_and_order(report)
    parts += _recordings(report)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _where(report: GapReport, step: int) -> str:
    if step == 0:
        return "before step 1"
    text = next(s.text for s in report.steps if s.number == step)
    return f"after step {step} ({text})"


def _gap(report: GapReport, number: int, gap: Gap) -> str:
    e = html.escape
    times = len(gap.occurrences)
    shots = []
    for o in gap.occurrences:
        if not o.before:
            continue
        for crop, when in ((o.before, "before"), (o.after, "after")):
            caption = f"recording {o.recording + 1}, action {o.action}: {when}"
            shots.append(
                f"<figure><img src='{e(crop)}' alt='{e(caption)}'><figcaption>{e(caption)}</figcaption></figure>"
            )
    return (
        f"<div class='gap' id='gap-{number}'><h3>{number}. {e(gap.description)}</h3>"
        f"<div class='meta'>{e(_where(report, gap.after_step))}; seen in {gap.recordings} of {report.n} "
        f"recordings, {times} time{'s' if times != 1 else ''} in all</div>"
        f"<div class='shots'>{''.join(shots)}</div></div>"
    )


def _gaps(report: GapReport) -> list[str]:
    parts = [f"<h2>Undocumented steps ({len(report.gaps)})</h2>"]
    if not report.gaps:
        return [
            *parts,
            f"<p>Every action done in at least {report.k} of {report.n} recordings is in the procedure.</p>",
        ]
    return parts + [_gap(report, n, g) for n, g in enumerate(report.gaps, 1)]


def _actions(report: GapReport, step: StepReport) -> str:
    e = html.escape
    if step.context:
        return "<span class='context'>states how things start; nothing to do</span>"
    first = next((m.recording for m in step.matched), None)
    shown = Counter((m.description, m.why, m.in_order) for m in step.matched if m.recording == first)
    items = []
    for (description, why, in_order), count in shown.items():
        times = f" ×{count}" if count > 1 else ""
        late = " <b>(done out of order)</b>" if not in_order else ""
        items.append(f"{e(description)}{times}{late}<br><span class='why'>{e(why)}</span>")
    return "<br>".join(items) or "<b>not done</b>"


def _steps(report: GapReport) -> list[str]:
    rows = [
        f"<tr><td>{s.number}</td><td>{html.escape(s.text)}</td>"
        f"<td>{'-' if s.context else f'{s.done_in} of {report.n}'}</td><td>{_actions(report, s)}</td></tr>"
        for s in report.steps
    ]
    return [
        "<h2>The procedure, step by step</h2>",
        "<table><tr><th>#</th><th>step as written</th><th>done in</th>"
        "<th>actions that do it (first matching recording)</th></tr>",
        *rows,
        "</table>",
    ]


def _skipped_and_order(report: GapReport) -> list[str]:
    e = html.escape
    parts = [f"<h2>Skipped documented steps ({len(report.skipped)})</h2>"]
    parts += [
        f"<p>Step {s.number}: {e(s.text)} (not done in {s.skipped_in} of {report.n} recordings)</p>"
        for s in report.skipped
    ] or ["<p>None.</p>"]
    parts.append(f"<h2>Done in another order ({len(report.order)})</h2>")
    parts += [
        f"<p>Step {o.step}: {e(o.text)}: recording {o.recording + 1} does it {e(_where(report, o.after_step))}, "
        f"actions {', '.join(map(str, o.actions))}</p>"
        for o in report.order
    ] or ["<p>None.</p>"]
    return parts


def _recordings(report: GapReport) -> list[str]:
    e = html.escape
    rows = [
        f"<tr><td>{n}</td><td>{e(r.path)}</td><td>{r.actions}</td><td>{e(r.verdict)}</td></tr>"
        for n, r in enumerate(report.recordings, 1)
    ]
    return [
        "<h2>Recordings</h2><table><tr><th>#</th><th>recording</th><th>actions</th><th>verdict</th></tr>",
        *rows,
        "</table>",
    ]
