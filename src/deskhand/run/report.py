"""What a run did and how fast: per-step times, speed-up against the human, app-bound ratio.

speed-up = human time / deskhand time, where the human is the recorded person (or the
scripted human the recording was made from). app-bound ratio = deskhand time / time spent
waiting for the app (for a target to appear, or for an action's effect to show): 1.0 means
deskhand added nothing on top of the app's own response time.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from deskhand.desktop.base import Frame


@dataclass(frozen=True)
class StepReport:
    index: int
    kind: str
    note: str
    method: str = ""  # how the target was found: template, multiscale, ocr-region, ocr-screen
    score: float = 0.0
    wait_s: float = 0.0  # waiting for the target to appear (the app getting ready)
    locate_s: float = 0.0  # finding it once it was there
    act_s: float = 0.0
    verify_s: float = 0.0  # waiting for the effect to show (the app responding)
    check_s: float = 0.0  # deskhand reading typed text back: its own time, not the app's
    attempts: int = 1
    skipped: str = ""  # why a resumed run did not redo this step

    @property
    def app_wait_s(self) -> float:
        return self.wait_s + self.verify_s


@dataclass(frozen=True)
class Escalated:
    step: int
    note: str
    reason: str
    report: str  # directory with screen.png, expected.png, best.png, report.json, index.html


@dataclass(frozen=True)
class RunResult:
    skill: str
    ok: bool
    steps: tuple[StepReport, ...]
    total_s: float
    human_s: float
    escalation: Escalated | None = None

    @property
    def app_wait_s(self) -> float:
        return sum(s.app_wait_s for s in self.steps)

    @property
    def speedup(self) -> float | None:
        return self.human_s / self.total_s if self.ok and self.total_s > 0 and self.human_s > 0 else None

    @property
    def app_bound_ratio(self) -> float | None:
        return self.total_s / self.app_wait_s if self.app_wait_s > 0 else None

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["app_wait_s"] = self.app_wait_s
        out["speedup"] = self.speedup
        out["speedup_baseline"] = "the recorded human's time for the same job"
        out["app_bound_ratio"] = self.app_bound_ratio
        return out


def write_escalation(
    root: Path,
    step: int,
    note: str,
    reason: str,
    screen: Frame,
    expected: np.ndarray | None,
    best_box: tuple[int, int, int, int] | None,
    best_score: float,
) -> Path:
    """Show a person what deskhand expected and what it saw, as PNGs, JSON and one HTML page."""
    root.mkdir(parents=True, exist_ok=True)
    screen.save(root / "screen.png")
    files = {"screen": "screen.png"}
    if expected is not None:
        Frame(expected, screen.t).save(root / "expected.png")
        files["expected"] = "expected.png"
    if best_box is not None:
        x, y, w, h = best_box
        Frame(np.ascontiguousarray(screen.pixels[y : y + h, x : x + w]), screen.t).save(root / "best.png")
        files["best"] = "best.png"
    record = {
        "step": step,
        "note": note,
        "reason": reason,
        "best_candidate": {"box": list(best_box) if best_box else None, "score": round(best_score, 4)},
        "files": files,
    }
    (root / "report.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    images = "".join(
        f"<figure><figcaption>{name}</figcaption><img src='{path}'></figure>" for name, path in files.items()
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>deskhand stopped</title>"
        "<style>body{font:16px sans-serif;margin:2em}img{max-width:100%;border:1px solid #888}"
        "figure{display:inline-block;vertical-align:top;margin:0 1em 1em 0}</style>"
        f"<h1>deskhand stopped at step {step}</h1><p><b>{html.escape(note)}</b></p>"
        f"<p>{html.escape(reason)}</p><p>best candidate score: {best_score:.3f}</p>{images}"
    )
    (root / "index.html").write_text(page, encoding="utf-8")
    return root
