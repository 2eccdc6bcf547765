"""Recordings -> Skill. The pure core of `deskhand learn`: frames and actions in, steps out.

Each recorded action becomes a step. A pointer step gets an anchor: the smallest crop
around its point that is unique on the screen it was recorded on, so matching it later
cannot land on a look-alike. OCR adds the text at the target and the label beside it.
The next action's before-frame shows what the step changed: that is its expected effect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from deskhand.desktop.action import Action, Click, Drag, KeyPress, Scroll, TypeText
from deskhand.learn.skill import Effect, Parameter, Screen, Skill, SkillError, Step, Target
from deskhand.record.event import RecordedAction
from deskhand.record.format import Recording
from deskhand.vision.change import change_boxes
from deskhand.vision.ocr import Ocr, TextBox
from deskhand.vision.template import MatchConfig, find

SUBMIT_WORDS = re.compile(
    r"\b(submit|send|confirm|save|pay|delete|remove|apply|post|approve|transfer|buy|place order|ok)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LearnConfig:
    anchor_sizes: tuple[tuple[int, int], ...] = (
        (64, 24),
        (96, 28),
        (128, 32),
        (192, 32),
        (256, 40),
        (320, 48),
        (400, 64),
        (480, 96),
    )  # anchor crops tried smallest first, at DPI scale 1
    reference_size: tuple[int, int] = (160, 32)  # a reference anchor for a point in a blank area
    reference_step: int = 32
    reference_reach: int = 640
    min_texture: float = 6.0  # grey-level standard deviation below which a crop is too flat to anchor on
    shift_check: int = 6  # an anchor must not match this many pixels off its own place...
    shift_near: int = 2  # ...beyond this many
    unique_score: float = 0.85  # a second match at or above this makes an anchor ambiguous
    change_threshold: int = 40  # per-channel difference that counts as change (video frames are lossy)
    min_change_pixels: int = 20
    new_screen_share: float = 0.03  # changes over this share of the screen are a new page or dialog
    local_effect_px: int = 400  # an effect further than this from the action's point is "somewhere on screen"
    text_box: tuple[int, int] = (320, 64)  # region read around a target for its text and label
    label_reach: int = 560  # how far left of a field its label may be


@dataclass(frozen=True)
class Observed:
    """One recorded action with the screen before it and after it."""

    action: RecordedAction
    before: np.ndarray
    after: np.ndarray


def observe(recording: Recording, threshold: int = LearnConfig.change_threshold) -> list[Observed]:
    """Each action with its lossless before-frame; after = the next action's before-frame (or the end)."""
    befores = []
    for action, files in zip(recording.actions, recording.files, strict=True):
        if not files.frame_png:
            raise SkillError(f"{recording.root}: action at {action.t_start_ns} has no before-frame PNG")
        image = cv2.imread(str(recording.root / files.frame_png), cv2.IMREAD_COLOR)
        if image is None:
            raise SkillError(f"{recording.root / files.frame_png}: unreadable")
        befores.append(np.ascontiguousarray(image[:, :, ::-1]))
    afters = befores[1:]
    if befores:
        last_lossy = recording.frame_at(recording.actions[-1].t_start_ns).pixels
        end_lossy = recording.frame_at(recording.meta.clock.end_ns).pixels
        afters.append(lossless_end(befores[-1], last_lossy, end_lossy, threshold))
    return [Observed(a, b, c) for a, b, c in zip(recording.actions, befores, afters, strict=True)]


def lossless_end(
    before: np.ndarray, before_lossy: np.ndarray, end_lossy: np.ndarray, threshold: int
) -> np.ndarray:
    """The recording's last screen, lossless wherever it did not change after the last action.

    Only the lossy video has the end. Against a lossless before-frame its compression noise alone
    reads as change: white text on Mousepad's red warning bar did, and with the title Ctrl+S
    changed it made a save look like a new screen, which the run then waited for in vain. Two
    frames of the same video differ only where the screen did.
    """
    changed = np.abs(end_lossy.astype(np.int16) - before_lossy).max(axis=2) > threshold
    return np.where(changed[..., None], end_lossy, before)


def _clip(x: int, y: int, w: int, h: int, frame: np.ndarray) -> tuple[int, int, int, int]:
    fh, fw = frame.shape[:2]
    w, h = min(w, fw), min(h, fh)
    return max(0, min(x, fw - w)), max(0, min(y, fh - h)), w, h


def _distinctive(frame: np.ndarray, crop: np.ndarray, at: tuple[int, int], config: LearnConfig) -> bool:
    """Textured, matching nowhere else on the frame, and not even a few pixels off its place.

    A piece of a long border matches all along the border; matches are merged when they
    overlap, so only shifting the crop around its own place shows it cannot fix a point.
    """
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    if gray.std() < config.min_texture:
        return False
    if len(find(frame, crop, 1.0, config=MatchConfig(min_score=config.unique_score, max_candidates=2))) != 1:
        return False
    s, (x, y), (h, w) = config.shift_check, at, gray.shape
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x - s), max(0, y - s), min(fw, x + w + s), min(fh, y + h + s)
    window = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    scores = cv2.matchTemplate(window, gray, cv2.TM_CCOEFF_NORMED)
    cx, cy = x - x0, y - y0
    near = config.shift_near  # a real anchor still matches a pixel or two off; a border matches far along
    scores[max(0, cy - near) : cy + near + 1, max(0, cx - near) : cx + near + 1] = -1
    return bool(scores.max() < config.unique_score)


def _crop_at(
    frame: np.ndarray, center: tuple[int, int], size: tuple[int, int]
) -> tuple[np.ndarray, int, int]:
    x, y, w, h = _clip(center[0] - size[0] // 2, center[1] - size[1] // 2, size[0], size[1], frame)
    return np.ascontiguousarray(frame[y : y + h, x : x + w]), x, y


def anchor(
    frame: np.ndarray, point: tuple[int, int], scale: float, config: LearnConfig
) -> tuple[np.ndarray, tuple[int, int]]:
    """A crop to find `point` by later, and the point's position relative to that crop.

    The smallest textured crop around the point that is unique on the screen; failing that
    (a click into a blank area), the nearest unique crop around it, with the point outside it.
    """
    px, py = point
    for w, h in config.anchor_sizes:
        crop, x, y = _crop_at(frame, point, (int(w * scale), int(h * scale)))
        if _distinctive(frame, crop, (x, y), config):
            return crop, (px - x, py - y)
    size = (int(config.reference_size[0] * scale), int(config.reference_size[1] * scale))
    step = int(config.reference_step * scale)
    for d in range(step, int(config.reference_reach * scale), step):
        for dx, dy in ((0, -d), (-d, 0), (d, 0), (0, d), (-d, -d), (d, -d), (-d, d), (d, d)):
            crop, x, y = _crop_at(frame, (px + dx, py + dy), size)
            if _distinctive(frame, crop, (x, y), config):
                return crop, (px - x, py - y)
    crop, x, y = _crop_at(frame, point, size)  # nothing distinctive anywhere near: the runner will say so
    return crop, (px - x, py - y)


def _read_around(
    ocr: Ocr, frame: np.ndarray, point: tuple[int, int], size: tuple[int, int], left: int
) -> list[TextBox]:
    w, h = size
    x, y, w, h = _clip(point[0] - left, point[1] - h // 2, w + left, h, frame)
    return ocr.read(frame[y : y + h, x : x + w], offset=(x, y))


def _wordy(text: str) -> bool:
    """At least two letters or digits: a caret or a focus ring read as a glyph is not a label."""
    return sum(c.isalnum() for c in text) >= 2


def read_target(
    ocr: Ocr, frame: np.ndarray, point: tuple[int, int], scale: float, config: LearnConfig
) -> tuple[str, str, tuple[int, int], int]:
    """(text at the point, label left of or above it, offset from label centre to point, text height)."""
    size = (int(config.text_box[0] * scale), int(config.text_box[1] * scale))
    boxes = [
        b for b in _read_around(ocr, frame, point, size, int(config.label_reach * scale)) if _wordy(b.text)
    ]
    px, py = point
    at = [b for b in boxes if b.x - 4 <= px <= b.x + b.width + 4 and b.y - 4 <= py <= b.y + b.height + 4]
    if at:
        box = at[0]
        return box.text, "", (px - box.center[0], py - box.center[1]), box.height
    beside = [b for b in boxes if b.x + b.width <= px and abs(b.center[1] - py) <= max(b.height, 12 * scale)]
    above = [b for b in boxes if b.y + b.height <= py and abs(b.center[0] - px) <= size[0] // 2]
    candidates = beside or above
    if not candidates:
        return "", "", (0, 0), 0
    label = min(candidates, key=lambda b: abs(b.center[0] - px) + 2 * abs(b.center[1] - py))
    return "", label.text, (px - label.center[0], py - label.center[1]), label.height


def effect_of(
    observed: Observed, point: tuple[int, int] | None, scale: float, config: LearnConfig
) -> tuple[Effect, np.ndarray | None]:
    """Where the screen changed after the action, relative to its point; with the after-crop."""
    boxes = change_boxes(
        observed.before,
        observed.after,
        threshold=config.change_threshold,
        min_pixels=config.min_change_pixels,
    )
    boxes = [b for b in boxes if b[2] > 3]  # a blinking caret is not an effect
    if not boxes:
        return Effect(), None
    h, w = observed.before.shape[:2]
    if sum(bw * bh for _, _, bw, bh in boxes) >= config.new_screen_share * w * h:
        return Effect(whole_screen=True), None
    if point is None:
        return Effect(elsewhere=True), None
    at = point

    def distance(box: tuple[int, int, int, int]) -> float:
        bx, by, bw, bh = box
        dx = max(bx - at[0], 0, at[0] - (bx + bw))
        dy = max(by - at[1], 0, at[1] - (by + bh))
        return float(np.hypot(dx, dy))

    nearest = min(boxes, key=distance)
    bx, by, bw, bh = nearest
    if distance(nearest) > config.local_effect_px * scale:
        return Effect(elsewhere=True), None
    after = np.ascontiguousarray(observed.after[by : by + bh, bx : bx + bw])
    return Effect(region=(bx - point[0], by - point[1], bw, bh)), after


def _reference_text(
    ocr: Ocr, crop: np.ndarray, point: tuple[int, int], inside: tuple[int, int]
) -> tuple[str, tuple[int, int], int]:
    """The text in an anchor crop, and the offset from its centre to `point`, for finding it by OCR."""
    origin = (point[0] - inside[0], point[1] - inside[1])
    boxes = ocr.read(crop, offset=origin)
    if not boxes:
        return "", (0, 0), 0
    box = max(boxes, key=lambda b: b.width * b.height)
    return box.text, (point[0] - box.center[0], point[1] - box.center[1]), box.height


def describe(action: Action, text: str, label: str, window_title: str) -> str:
    """A readable step description, e.g. "Click 'Save As…' in 'Untitled 1 - Mousepad'"."""
    where = f" in '{window_title}'" if window_title else ""
    thing = f" '{text or label}'" if (text or label) else ""
    match action:
        case Click(count=2):
            return f"Double-click{thing}{where}"
        case Click():
            return f"Click{thing}{where}"
        case Drag():
            return f"Drag from{thing}{where}"
        case Scroll():
            return f"Scroll{thing}{where}"
        case TypeText(secret=True):
            return f"Type a secret into{thing or ' a field'}{where}"
        case TypeText():
            return f"Type into{thing or ' a field'}{where}"
        case KeyPress(combo=combo):
            return f"Press {combo}{where}"
    return f"{action.kind.value}{where}"


def slug(text: str, fallback: str) -> str:
    """ "Customer email:" -> "customer_email"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not name:
        return fallback
    return name if not name[0].isdigit() else f"field_{name}"


def _point(action: Action) -> tuple[int, int] | None:
    match action:
        case Click(x=x, y=y) | Scroll(x=x, y=y):
            return (x, y)
        case Drag(path=path):
            return path[0]
    return None


def _idempotent(action: Action, text: str, label: str) -> bool:
    """A submit-like click, or Return in a form, must not be done twice; typing can be redone."""
    if isinstance(action, Click):
        return not SUBMIT_WORDS.search(text or label)
    if isinstance(action, KeyPress):
        return action.combo.lower() not in ("return", "enter", "ctrl+return", "ctrl+enter")
    return True


TargetText = tuple[str, str, tuple[int, int], int]  # as read_target returns it


def read_targets(
    observed: Sequence[Observed], ocr: Ocr, scale: float, config: LearnConfig
) -> list[TargetText]:
    """What each action was done to, in words: read_target at a pointer action's point.

    Typing and keys have no point: they go to the field the last pointer action chose, or,
    when a key opened a dialog (a new window has the focus), into that dialog, named by its title.
    """
    reads: list[TargetText] = []
    focused = ("", "")  # text and label of the last pointer target: the field typing goes into
    focused_in = 0  # the window it was in
    for obs in observed:
        point = _point(obs.action.action)
        text, label = "", ""
        if point is not None:
            read = read_target(ocr, obs.before, point, scale, config)
            focused, focused_in = (read[0], read[1]), obs.action.window.id
            reads.append(read)
            continue
        if obs.action.window.id and obs.action.window.id != focused_in:
            label = obs.action.window.title  # a dialog opened by a key: typing goes into it
        elif obs.action.target is not None:
            text, label = focused
        reads.append((text, label, (0, 0), 0))
    return reads


def compile_steps(
    observed: Sequence[Observed], ocr: Ocr, scale: float, config: LearnConfig
) -> tuple[list[Step], dict[str, np.ndarray], list[str]]:
    """Steps, their crops (relative path -> pixels) and each step's field label, from one recording."""
    steps: list[Step] = []
    crops: dict[str, np.ndarray] = {}
    labels: list[str] = []
    reads = read_targets(observed, ocr, scale, config)
    for i, (obs, read) in enumerate(zip(observed, reads, strict=True)):
        action = obs.action.action
        point = _point(action)
        anchor_point = point or obs.action.target
        text, label, offset, text_height = read
        target = None
        if point is not None:
            crop, inside = anchor(obs.before, point, scale, config)
            if not (text or label):  # a blank spot: remember the words of the anchor it hangs from
                label, offset, text_height = _reference_text(ocr, crop, point, inside)
            name = f"crops/step_{i:03d}_target.png"
            crops[name] = crop
            app = obs.action.window.wm_class
            target = Target(name, inside, point, text, label, offset, text_height, app)
        effect, after = effect_of(obs, anchor_point, scale, config)
        idempotent = _idempotent(action, text, label)
        if after is not None and not idempotent:
            effect = replace(effect, after_crop=f"crops/step_{i:03d}_after.png")
            crops[effect.after_crop] = after
        note = describe(action, text, label, obs.action.window.title)
        steps.append(Step(i, action, target, None, idempotent, effect, note))
        labels.append(label or text)
    return steps, crops, labels


def parameterize(
    steps: list[Step], labels: list[str], texts_by_recording: list[list[str]]
) -> tuple[list[Step], list[Parameter]]:
    """Typed text becomes parameters, named after the field's label.

    One recording: every typed text is a parameter with its value as default. Several:
    text that differs across recordings is a required parameter; text that never differs
    stays fixed. A secret is always a required parameter.
    """
    out, parameters, taken = [], [], set()
    for step, label, values in zip(steps, labels, zip(*texts_by_recording, strict=True), strict=True):
        action = step.action
        if not isinstance(action, TypeText):
            out.append(step)
            continue
        varies = len(set(values)) > 1
        if not (action.secret or varies or len(texts_by_recording) == 1):
            out.append(step)
            continue
        base = slug(label, "password" if action.secret else "text")
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        default = None if action.secret or varies else action.text
        parameters.append(Parameter(name, default, action.secret))
        out.append(replace(step, parameter=name, action=TypeText("", secret=action.secret)))
    return out, parameters


def job_seconds(recording: Recording) -> float:
    """How long the person took: from the start of recording to the end of their last action."""
    return (recording.actions[-1].t_end_ns - recording.meta.clock.start_ns) / 1e9


def learn(
    recordings: Sequence[Recording], ocr: Ocr, name: str, config: LearnConfig = LearnConfig()
) -> tuple[Skill, dict[str, np.ndarray]]:
    """Compile 1..N recordings of the same job into a Skill and its crops."""
    if not recordings:
        raise SkillError("learn needs at least one recording")
    first = recordings[0]
    kinds = [[a.action.kind.value for a in r.actions] for r in recordings]
    for recording, sequence in zip(recordings[1:], kinds[1:], strict=True):
        if sequence != kinds[0]:
            raise SkillError(
                f"{recording.root} does not follow the same steps as {first.root}: "
                f"{' '.join(sequence)} vs {' '.join(kinds[0])}"
            )
    if not kinds[0]:
        raise SkillError(f"{first.root} has no actions to learn from")
    scale = first.meta.display.scale
    steps, crops, labels = compile_steps(observe(first, config.change_threshold), ocr, scale, config)
    texts = [[a.action.text if isinstance(a.action, TypeText) else "" for a in r.actions] for r in recordings]
    steps, parameters = parameterize(steps, labels, texts)
    display = first.meta.display
    skill = Skill(
        name=name,
        screen=Screen(display.width, display.height, display.scale),
        steps=tuple(steps),
        parameters=tuple(parameters),
        human_seconds=tuple(job_seconds(r) for r in recordings),
        recordings=tuple(str(r.root) for r in recordings),
    )
    return skill, crops
