"""The runner: a Skill, its inputs and a Desktop -> the job done, or a clear stop.

Each step is a loop: wait until its target is on screen (polling at capture speed, no
fixed sleeps), locate it, act, and verify that the expected effect appeared. A miss or
a missing effect is retried once; then the runner escalates: it stops, sends no further
input, and writes a report showing what it expected and what it saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from deskhand.desktop.action import Action, Click, Drag, KeyPress, Scroll, TypeText
from deskhand.desktop.base import Desktop, DesktopError, Frame, Region
from deskhand.learn.skill import Skill, SkillError, Step
from deskhand.run.checkpoint import Checkpoint
from deskhand.run.locate import LocateConfig, Located, Miss, best_candidate, by_template, by_text
from deskhand.run.report import Escalated, RunResult, StepReport, write_escalation
from deskhand.vision.change import change_box, change_boxes
from deskhand.vision.ocr import Ocr, letters
from deskhand.vision.template import MatchConfig, find


@dataclass(frozen=True)
class RunConfig:
    locate: LocateConfig = field(default_factory=LocateConfig)
    step_timeout: float = 10.0  # how long a target may take to appear
    effect_timeout: float = 10.0  # how long an action's effect may take to show
    settle: float = 0.3  # a screen unchanged this long without the target: read text instead
    settle_after_page: float = 0.1  # after a new page or window, wait until it is this still
    large_effect: float = 0.03  # an effect over this share of the screen is a new page or dialog
    field_box: tuple[int, int] = (240, 48)  # around a clicked field, watched until still before typing
    field_quiet: float = 0.05
    change_threshold: int = 24
    effect_margin: int = 16  # an effect region grows this much: the change can land a glyph away
    retries: int = 1


class Escalation(Exception):
    """The runner is not sure; it stops and hands over to a person."""

    def __init__(self, reason: str, frame: Frame, miss: Miss | None = None) -> None:
        super().__init__(reason)
        self.reason, self.frame, self.miss = reason, frame, miss


class _Retry(Exception):
    def __init__(self, reason: str, frame: Frame, miss: Miss | None = None) -> None:
        super().__init__(reason)
        self.reason, self.frame, self.miss = reason, frame, miss


def _whole_screen_changed(before: np.ndarray, after: np.ndarray, threshold: int, min_area: int = 0) -> bool:
    """Anything changed that is more than a blinking caret, and over at least `min_area` pixels."""
    boxes = [b for b in change_boxes(before, after, threshold=threshold, min_pixels=20) if b[2] > 3]
    return bool(boxes) and sum(w * h for _, _, w, h in boxes) >= min_area


def _changed_anywhere(before: np.ndarray, after: np.ndarray, threshold: int, min_pixels: int = 12) -> bool:
    """Any change at all, a caret's included."""
    return change_box(before, after, threshold=threshold, min_pixels=min_pixels) is not None


def _reads_as(wanted: str, seen: str) -> bool:
    """OCR misreads a letter here and there; letters scattered over the changes are not the text."""
    matcher = SequenceMatcher(None, wanted, seen, autojunk=False)
    common = matcher.find_longest_match().size
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return wanted in seen or (matched >= 0.8 * len(wanted) and common >= 0.5 * len(wanted))


def _distance(box: tuple[int, int, int, int], point: tuple[int, int]) -> float:
    x, y, w, h = box
    return float(np.hypot(max(x - point[0], 0, point[0] - x - w), max(y - point[1], 0, point[1] - y - h)))


class Runner:
    """Runs one skill on one desktop with one set of parameter values."""

    def __init__(
        self,
        desktop: Desktop,
        skill: Skill,
        values: Mapping[str, str],
        config: RunConfig = RunConfig(),
        checkpoint: Path | None = None,
        report_dir: Path | None = None,
        ocr: Callable[[], Ocr] = Ocr,
        on_frame: Callable[[Frame, bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desktop = desktop
        self.skill = skill
        self.values = dict(values)
        self.config = config
        self.checkpoint_path = checkpoint
        self.report_dir = report_dir
        self._make_ocr = ocr
        self._ocr: Ocr | None = None
        self.on_frame = on_frame  # (frame, secret_on_screen) for a trace
        self.clock = clock
        self.ratio = desktop.scale / skill.screen.scale
        self._offsets: dict[str, tuple[float, float]] = {}  # per app: where its window moved to
        self._last_point: tuple[int, int] | None = None
        self._templates = {s.index: skill.crop(s.target.crop) for s in skill.steps if s.target}
        self._checkpoint = Checkpoint(skill.name, len(skill.steps))
        self._retype_tail: int | None = None

    @property
    def ocr(self) -> Ocr:
        if self._ocr is None:
            self._ocr = self._make_ocr()
        return self._ocr

    # -- the run -----------------------------------------------------------------------------

    def run(self, resume: Checkpoint | None = None) -> RunResult:
        started = self.clock()
        reports: list[StepReport] = []
        try:
            first = self._catch_up(resume, reports) if resume else 0
            for step in self.skill.steps[first:]:
                reports.append(self._step(step))
        except Escalation as e:
            return self._escalated(e, reports, started)
        total = self.clock() - started
        return RunResult(self.skill.name, True, tuple(reports), total, self.skill.human_time)

    def _escalated(self, e: Escalation, reports: list[StepReport], started: float) -> RunResult:
        index = len(reports)
        step = self.skill.steps[min(index, len(self.skill.steps) - 1)]
        where = self.report_dir or Path("deskhand-escalation")
        expected = self._templates.get(step.index)
        miss = e.miss or Miss(e.reason)
        folder = write_escalation(
            where, step.index, step.note, e.reason, e.frame, expected, miss.best_box, miss.best_score
        )
        escalated = Escalated(step.index, step.note, e.reason, str(folder))
        return RunResult(
            self.skill.name, False, tuple(reports), self.clock() - started, self.skill.human_time, escalated
        )

    def _catch_up(self, resume: Checkpoint, reports: list[StepReport]) -> int:
        """Rebuild the screen to where the interrupted run stopped; return the step to go on from.

        A verified step that must not run twice is a commit: the app has kept its result. So
        the steps after the last commit, all safe to redo, are done again (typing replaces what
        a field holds); everything up to the commit is not.
        """
        if (resume.skill, resume.steps) != (self.skill.name, len(self.skill.steps)):
            raise SkillError(f"checkpoint is for {resume.skill!r} with {resume.steps} steps, not this skill")
        self._checkpoint = resume
        done = self.skill.steps[: resume.done + 1]
        commit = max((s.index for s in done if not s.idempotent), default=-1)
        for step in done:
            if step.index <= commit:
                reports.append(
                    StepReport(step.index, step.kind, step.note, skipped="done before the interruption")
                )
            else:
                reports.append(self._step(step, save=False, redo=True))
        first = resume.done + 1
        if resume.pending is not None and resume.pending == first:
            step = self.skill.steps[first]
            frame = self.desktop.screenshot()
            if not self._already_done(step, frame):
                raise Escalation(
                    f"step {first} ({step.note}) may have run before the interruption and its effect is not on "
                    "screen; check the app, then resume past it or rerun it by hand",
                    frame,
                )
            reports.append(
                StepReport(step.index, step.kind, step.note, skipped="its effect was already on screen")
            )
            self._save(replace(self._checkpoint, done=first, pending=None))
            first += 1
        return first

    def _already_done(self, step: Step, frame: Frame) -> bool:
        if not step.effect.after_crop:
            return False
        after = self.skill.crop(step.effect.after_crop)
        return bool(
            find(frame.pixels, after, self.ratio, config=MatchConfig(min_score=self.config.locate.min_score))
        )

    # -- one step ----------------------------------------------------------------------------

    def _step(self, step: Step, save: bool = True, redo: bool = False) -> StepReport:
        last: _Retry | None = None
        for attempt in range(1 + self.config.retries):
            try:
                report = self._attempt(step, redo)
            except _Retry as r:
                last = r
                continue
            if save:
                self._save(replace(self._checkpoint, done=step.index, pending=None))
            return replace(report, attempts=attempt + 1)
        assert last is not None
        raise Escalation(last.reason, last.frame, last.miss)

    def _attempt(self, step: Step, redo: bool = False) -> StepReport:
        wait_s = locate_s = 0.0
        method, score = "", 0.0
        point: tuple[int, int] | None
        frame: Frame | None = None
        if step.target is not None:
            located, frame, wait_s, locate_s = self._wait_for_target(step)
            x, y = located.point
            method, score = located.method, located.score
            at = step.target.at
            self._offsets[step.target.app] = (x - at[0] * self.ratio, y - at[1] * self.ratio)
            self._last_point = point = located.point
        else:
            point = self._last_point
        if not step.idempotent and self.checkpoint_path:
            self._save(replace(self._checkpoint, pending=step.index))
        action = self._bind(step, point)
        if isinstance(action, TypeText) and point is not None:
            wait_s += self._field_ready(point)
        if frame is None and (step.effect.expected or isinstance(action, TypeText)):
            frame = self.desktop.screenshot()  # as it is now, once the field has settled; 50 ms at 5K
        t_act = self.clock()
        if redo and isinstance(action, TypeText):
            self.desktop.perform(KeyPress("ctrl+a"))  # typing again replaces, never appends
        elif self._retype_tail == step.index:
            self.desktop.perform(KeyPress("shift+Home"))  # select what landed on this line, then replace it
        self.desktop.perform(action)
        act_s = self.clock() - t_act
        verify_s = self._verify(step, point, frame)
        check_s = 0.0
        secret = isinstance(step.action, TypeText) and step.action.secret  # never read back, never traced
        if isinstance(action, TypeText) and not secret and frame is not None:
            region = self._effect_region(step, point)
            near = (region.x + region.width // 2, region.y + region.height // 2) if region else point
            settle_s, check_s = self._verify_typed(step, action.text, frame, near, self._text_band(region))
            verify_s += settle_s
        self._trace(step)
        return StepReport(
            step.index,
            step.kind,
            step.note,
            method,
            round(score, 4),
            wait_s,
            locate_s,
            act_s,
            verify_s,
            check_s,
        )

    def _trace(self, step: Step) -> None:
        if self.on_frame is not None:
            secret = isinstance(step.action, TypeText) and step.action.secret
            self.on_frame(self.desktop.screenshot(), secret)

    def _expected(self, step: Step) -> tuple[int, int] | None:
        offset = self._offsets.get(step.target.app) if step.target is not None else None
        if offset is None or step.target is None:
            return None
        x, y = step.target.at
        return (round(x * self.ratio + offset[0]), round(y * self.ratio + offset[1]))

    def _wait_for_target(self, step: Step) -> tuple[Located, Frame, float, float]:
        """Poll until the target shows; read text once the screen settles without it."""
        assert step.target is not None
        template, target = self._templates[step.index], step.target
        expected = self._expected(step)
        t0 = self.clock()
        deadline = t0 + self.config.step_timeout
        previous: Frame | None = None
        still_since = t0
        read_text_at = -1.0
        miss: Located | Miss = Miss("not looked for yet")
        while True:
            frame = self.desktop.screenshot()
            t_look = self.clock()
            miss = by_template(frame.pixels, template, target, self.ratio, expected, self.config.locate)
            if isinstance(miss, Located) and self._still(miss, frame):
                return miss, frame, t_look - t0, self.clock() - t_look
            if previous is None or _whole_screen_changed(
                previous.pixels, frame.pixels, self.config.change_threshold
            ):  # a blinking caret elsewhere does not keep the screen from settling
                still_since, previous = self.clock(), frame
            settled = self.clock() - still_since >= self.config.settle
            if settled and still_since != read_text_at:
                read_text_at = still_since
                around = expected or (round(target.at[0] * self.ratio), round(target.at[1] * self.ratio))
                t_look = self.clock()
                found = by_text(frame.pixels, self.ocr, target, self.ratio, around, self.config.locate)
                if not isinstance(found, Located):  # the layout moved it: seconds of reading beat waiting
                    found = by_text(frame.pixels, self.ocr, target, self.ratio, None, self.config.locate)
                if isinstance(found, Located):
                    return found, frame, t_look - t0, self.clock() - t_look
            if self.clock() >= deadline:
                t_look = self.clock()
                found = by_text(frame.pixels, self.ocr, target, self.ratio, None, self.config.locate)
                if isinstance(found, Located):
                    return found, frame, t_look - t0, self.clock() - t_look
                best = best_candidate(frame.pixels, template, self.ratio)
                why = miss.reason if isinstance(miss, Miss) else "it kept changing"
                reason = (
                    f"could not find the target of step {step.index} ({step.note}): {why}; {found.reason}"
                )
                raise _Retry(reason, frame, best)

    def _still(self, located: Located, frame: Frame) -> bool:
        """The target looks the same a moment later: the app is not still drawing it."""
        x, y, w, h = located.box
        sw, sh = self.desktop.size
        x0, y0, x1, y1 = max(0, x), max(0, y), min(sw, x + w), min(sh, y + h)
        if x1 <= x0 or y1 <= y0:
            return True
        again = self.desktop.screenshot(Region(x0, y0, x1 - x0, y1 - y0))
        return bool(np.array_equal(again.pixels, frame.pixels[y0:y1, x0:x1]))

    def _bind(self, step: Step, point: tuple[int, int] | None) -> Action:
        """The recorded action, moved to where its target is now and filled with this run's values."""
        action = step.action
        if step.parameter is not None:
            return TypeText(self.values[step.parameter])
        match action:
            case Click():
                assert point is not None
                return replace(action, x=point[0], y=point[1])
            case Scroll():
                assert point is not None
                return replace(action, x=point[0], y=point[1])
            case Drag(path=path):
                assert point is not None
                x0, y0 = path[0]
                moved = tuple(
                    (point[0] + round((x - x0) * self.ratio), point[1] + round((y - y0) * self.ratio))
                    for x, y in path
                )
                return replace(action, path=moved)
        return action

    def _effect_region(self, step: Step, point: tuple[int, int] | None) -> Region | None:
        if step.effect.region is None or point is None:
            return None
        dx, dy, w, h = (round(v * self.ratio) for v in step.effect.region)
        m = round(self.config.effect_margin * self.ratio)
        sw, sh = self.desktop.size
        x0, y0 = max(0, point[0] + dx - m), max(0, point[1] + dy - m)
        x1, y1 = min(sw, point[0] + dx + w + m), min(sh, point[1] + dy + h + m)
        return Region(x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None

    def _verify(self, step: Step, point: tuple[int, int] | None, before: Frame | None) -> float:
        """Seconds until the expected effect showed, and settled if it was a new screen; _Retry if nothing changed."""
        if not step.effect.expected or before is None:
            return 0.0
        t0 = self.clock()
        self._wait_for_effect(step, point, before)
        if self._is_large(step):  # a new page, dialog or window: it takes input once it stops changing
            try:
                self.desktop.wait_until_stable(
                    quiet=self.config.settle_after_page, timeout=self.config.effect_timeout
                )
            except DesktopError:
                raise Escalation(
                    f"step {step.index} ({step.note}): the screen kept changing for "
                    f"{self.config.effect_timeout:g}s after acting",
                    self.desktop.screenshot(),
                ) from None
        return self.clock() - t0

    def _field_ready(self, point: tuple[int, int]) -> float:
        """Wait until the field just clicked has stopped redrawing: keys sent earlier can be lost."""
        w, h = (round(v * self.ratio) for v in self.config.field_box)
        sw, sh = self.desktop.size
        x, y = max(0, min(point[0] - w // 2, sw - w)), max(0, min(point[1] - h // 2, sh - h))
        t0 = self.clock()
        self.desktop.wait_until_stable(
            Region(x, y, min(w, sw), min(h, sh)), quiet=self.config.field_quiet, timeout=2.0
        )
        return self.clock() - t0

    def _text_band(self, region: Region | None) -> Region | None:
        """The rows where typed text should show: the recorded effect's, a little taller, and as
        wide as the screen, since this run's value can be longer than the recorded one."""
        if region is None:
            return None
        m = round(self.config.effect_margin * self.ratio)
        sh = self.desktop.size[1]
        y0, y1 = max(0, region.y - m), min(sh, region.y + region.height + m)
        return Region(0, y0, self.desktop.size[0], y1 - y0)

    def _verify_typed(
        self,
        step: Step,
        text: str,
        before: Frame,
        near: tuple[int, int] | None = None,
        band: Region | None = None,
    ) -> tuple[float, float]:
        """Read the typed text back where the screen changed: keys sent before an app was ready are lost.

        Returns (seconds waiting for the app to draw it, seconds spent reading): the app's time,
        then deskhand's own. Only letters and digits are compared, as OCR reads those reliably; a
        value with fewer than three of them is not read back. Something did change (the effect was
        verified), so a mismatch is never retyped blindly: only a lost head is typed again.
        """
        wanted = letters(text)
        if len(wanted) < 3:
            return 0.0, 0.0
        t0 = self.clock()
        deadline = t0 + self.config.effect_timeout
        reading = 0.0
        if band is not None:  # first the rows where it should be: a 5K screen costs 50 ms a look
            after = self.desktop.wait_until_stable(band, quiet=0.03, timeout=self.config.effect_timeout)
            t_read = self.clock()
            shown = before.pixels[band.y : band.y + band.height, band.x : band.x + band.width]
            in_band = (near[0] - band.x, near[1] - band.y) if near else None
            _, seen = self._read_changes(shown, after.pixels, wanted, in_band)
            reading += self.clock() - t_read
            if _reads_as(wanted, seen):
                return self.clock() - t0 - reading, reading
        while True:  # a slow app draws late: look again until the text shows or time is up
            after = self.desktop.wait_until_stable(quiet=0.03, timeout=self.config.effect_timeout)
            t_read = self.clock()
            boxes, seen = self._read_changes(before.pixels, after.pixels, wanted, near)
            reading += self.clock() - t_read
            if _reads_as(wanted, seen):
                return self.clock() - t0 - reading, reading
            if self.clock() >= deadline:
                break
        common = SequenceMatcher(None, wanted, seen, autojunk=False).find_longest_match().size
        reason = (
            f"step {step.index} ({step.note}): typed {len(text)} characters but the screen shows {seen!r}"
        )
        read = Miss("where the screen changed", boxes[0] if boxes else None, common / len(wanted))
        if common and wanted.endswith(seen[-common:]) and self._retype_tail is None:
            self._retype_tail = step.index  # the head was lost: select back over the tail and retype
            raise _Retry(reason, after, read)
        raise Escalation(reason + "; typing again could duplicate what did land", after, read)

    def _read_changes(
        self, before: np.ndarray, after: np.ndarray, wanted: str, near: tuple[int, int] | None = None
    ) -> tuple[list[tuple[int, int, int, int]], str]:
        """Letters and digits OCR reads where `after` differs from `before`: nearest `near` first,
        else in reading order.

        Stops at the first changed area that shows all of `wanted`: a spreadsheet draws typed
        text twice (cell and formula bar) and its title and status bar change too.
        """
        gap = round(24 * self.ratio)  # a space between words is wider on a HiDPI screen
        changed = change_boxes(before, after, threshold=self.config.change_threshold, merge_gap=gap)
        boxes = sorted((b for b in changed if b[2] > 3), key=lambda b: (b[1], b[0]))
        if near is not None:
            boxes.sort(key=lambda b: _distance(b, near))
        boxes = boxes[:6]
        seen, pad = "", round(6 * self.ratio)
        h, w = after.shape[:2]
        for x, y, bw, bh in boxes:
            crop = after[max(0, y - pad) : min(h, y + bh + pad), max(0, x - pad) : min(w, x + bw + pad)]
            read = "".join(letters(b.text) for b in self.ocr.read(crop))
            if wanted in read:
                return boxes, read
            seen += read
        return boxes, seen

    def _is_large(self, step: Step) -> bool:
        if step.effect.whole_screen:
            return True
        if step.effect.region is None:
            return False
        _, _, w, h = step.effect.region
        return w * h >= self.config.large_effect * self.skill.screen.width * self.skill.screen.height

    def _new_screen_area(self) -> int:
        """How much must change before a new page or dialog counts as shown, in pixels now.

        A button drawn pressed is not yet the dialog it opens: GTK shows the press for a quarter
        second before acting, and a key sent then is lost. Half the recorded threshold, scaled to
        this screen's DPI and capped by its size, leaves room for another layout.
        """
        recorded = self.skill.screen.width * self.skill.screen.height * self.ratio**2
        w, h = self.desktop.size
        return round(0.5 * self.config.large_effect * min(recorded, w * h))

    def _wait_for_effect(self, step: Step, point: tuple[int, int] | None, before: Frame) -> None:
        region = self._effect_region(step, point)
        min_area = self._new_screen_area() if step.effect.whole_screen else 0
        t0 = self.clock()
        deadline = t0 + self.config.effect_timeout
        next_full = t0 if region is None else t0 + 0.2  # the whole screen only if the region stays still
        while True:
            if region is not None:
                now = self.desktop.screenshot(region)
                crop = before.pixels[region.y : region.y + region.height, region.x : region.x + region.width]
                # any change counts here: a caret moving to the next line is all that Return shows
                if (np.abs(now.pixels.astype(np.int16) - crop) > self.config.change_threshold).any():
                    return
            if region is None or self.clock() >= next_full:
                full = self.desktop.screenshot()
                if region is None and not step.effect.whole_screen:
                    # a small change somewhere: a caret moving to the next line may be all Return shows
                    if _changed_anywhere(before.pixels, full.pixels, self.config.change_threshold):
                        return
                elif _whole_screen_changed(
                    before.pixels, full.pixels, self.config.change_threshold, min_area
                ):
                    return
                next_full = self.clock() + 0.2
            if self.clock() >= deadline:
                raise _Retry(
                    f"step {step.index} ({step.note}): nothing changed on screen after acting",
                    self.desktop.screenshot(),
                )

    def _save(self, checkpoint: Checkpoint) -> None:
        self._checkpoint = checkpoint
        if self.checkpoint_path is not None:
            checkpoint.save(self.checkpoint_path)
