"""A Skill: what deskhand learned from recordings, as a readable skill.yaml plus image crops.

A person may edit skill.yaml (rename a parameter, mark a step idempotent); `check_skill`
says clearly what is wrong with a skill directory before anything runs.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from deskhand.desktop.action import Action, ActionError, TypeText, from_dict, to_dict

FORMAT = "deskhand.skill"
SCHEMA_VERSION = 1
PARAMETER_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class SkillError(ValueError):
    """A skill directory that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Target:
    """Where a step acts, as seen when recorded (recording pixels, at the recording's scale).

    `crop` is a template image around the target and `point` the action's point inside it.
    `text` is what OCR read at the target, `label` the nearest text beside it (a field's label),
    with `label_offset` from the label's centre to the action's point.
    """

    crop: str
    point: tuple[int, int]
    at: tuple[int, int]  # the action's point on the recorded screen
    text: str = ""
    label: str = ""
    label_offset: tuple[int, int] = (0, 0)
    text_height: int = 0  # height of `text` or `label` as recorded, to estimate scale from OCR
    app: str = ""  # the window's class (e.g. "Gnumeric"): windows move apart, so offsets are per app


@dataclass(frozen=True)
class Effect:
    """What acting changes: `region` relative to the action's point (dx, dy, w, h); or the whole
    screen (a new page, dialog or window, to let settle before the next step); or a small change
    `elsewhere`, far from the point (a key moving a spreadsheet's cursor, a title losing its '*').
    """

    region: tuple[int, int, int, int] | None = None
    after_crop: str = ""  # how that region looked afterwards, to tell on resume whether it already happened
    whole_screen: bool = False
    elsewhere: bool = False

    @property
    def expected(self) -> bool:
        return self.region is not None or self.whole_screen or self.elsewhere


@dataclass(frozen=True)
class Step:
    index: int
    action: Action  # as recorded; a TypeText with a parameter gets its text at run time
    target: Target | None = None
    parameter: str | None = None
    idempotent: bool = True
    effect: Effect = Effect()
    note: str = ""  # a readable description, e.g. "Click 'Save As…' in Mousepad"

    @property
    def kind(self) -> str:
        return self.action.kind.value


@dataclass(frozen=True)
class Parameter:
    name: str
    default: str | None = None
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    scale: float


@dataclass(frozen=True)
class Skill:
    name: str
    screen: Screen
    steps: tuple[Step, ...]
    parameters: tuple[Parameter, ...] = ()
    human_seconds: tuple[float, ...] = ()  # each source recording's duration
    recordings: tuple[str, ...] = ()
    root: Path | None = field(default=None, compare=False)

    @property
    def human_time(self) -> float:
        """The median human duration of the job, for speed reports."""
        return statistics.median(self.human_seconds) if self.human_seconds else 0.0

    def crop(self, relative: str) -> np.ndarray:
        """A stored crop as RGB pixels."""
        if self.root is None:
            raise SkillError("this skill was not loaded from a directory")
        image = cv2.imread(str(self.root / relative), cv2.IMREAD_COLOR)
        if image is None:
            raise SkillError(f"{self.root / relative}: missing or unreadable crop")
        return np.ascontiguousarray(image[:, :, ::-1])

    def bind(self, inputs: Mapping[str, str]) -> dict[str, str]:
        """Parameter values for one run: inputs over defaults; a missing required one is an error."""
        known = {p.name for p in self.parameters}
        unknown = sorted(set(inputs) - known)
        if unknown:
            raise SkillError(f"unknown input(s) {unknown}; this skill takes {sorted(known) or 'none'}")
        values = {}
        for p in self.parameters:
            value = inputs.get(p.name, p.default)
            if value is None:
                kind = "secret " if p.secret else ""
                raise SkillError(f"missing required {kind}input {p.name!r}: pass --input {p.name}=VALUE")
            values[p.name] = value
        return values


# -- YAML ------------------------------------------------------------------------------------


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def _drop_defaults(obj: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value == f.default:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _step_dict(step: Step) -> dict[str, Any]:
    action = to_dict(step.action)
    if step.parameter is not None and isinstance(step.action, TypeText):
        action.pop("text", None)
    out: dict[str, Any] = {"index": step.index, "note": step.note, "action": action}
    if step.parameter:
        out["parameter"] = step.parameter
    out["idempotent"] = step.idempotent
    if step.target:
        out["target"] = _drop_defaults(step.target) | {
            "crop": step.target.crop,
            "point": list(step.target.point),
        }
    if step.effect.expected:
        out["effect"] = _drop_defaults(step.effect)
    return out


def skill_dict(skill: Skill) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "name": skill.name,
        "screen": dataclasses.asdict(skill.screen),
        "human_seconds": list(skill.human_seconds),
        "recordings": list(skill.recordings),
        "parameters": [_drop_defaults(p) | {"name": p.name} for p in skill.parameters],
        "steps": [_step_dict(s) for s in skill.steps],
    }


def save_skill(skill: Skill, root: Path, crops: Mapping[str, np.ndarray]) -> Path:
    """Write skill.yaml and the crops (relative path -> RGB pixels) into `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, pixels in crops.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)):
            raise SkillError(f"could not write {path}")
    text = yaml.safe_dump(skill_dict(skill), sort_keys=False, allow_unicode=True, width=100)
    (root / "skill.yaml").write_text(text, encoding="utf-8")
    return root


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise SkillError(f"{where} must be a mapping, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    extra = sorted(set(data) - names)
    if extra:
        raise SkillError(f"{where} has unknown key(s) {extra}")
    try:
        return cls(**{k: _tuple(v) for k, v in data.items()})
    except TypeError as e:
        raise SkillError(f"{where}: {e}") from None


def _parse_step(data: Any, where: str, parameters: Mapping[str, Parameter]) -> Step:
    if not isinstance(data, dict):
        raise SkillError(f"{where} must be a mapping")
    data = dict(data)
    parameter = data.get("parameter")
    action_data = dict(data.pop("action", None) or {})
    if parameter is not None:
        if parameter not in parameters:
            raise SkillError(f"{where} uses parameter {parameter!r}, which is not declared under parameters")
        action_data.setdefault("text", "")  # the value arrives at run time
    try:
        action = from_dict(action_data)
    except ActionError as e:
        raise SkillError(f"{where}: bad action: {e}") from None
    target = _build(Target, data.pop("target"), f"{where}.target") if data.get("target") else None
    effect = _build(Effect, data.pop("effect"), f"{where}.effect") if data.get("effect") else Effect()
    data.pop("target", None)
    data.pop("effect", None)
    return _build(Step, {**data, "action": action, "target": target, "effect": effect}, where)


def load_skill(root: Path | str) -> Skill:
    """Read and validate a skill directory (check_skill does the same and more)."""
    root = Path(root)
    path = root / "skill.yaml"
    if not root.is_dir():
        raise SkillError(f"{root}: not a skill directory")
    if not path.is_file():
        raise SkillError(f"{root}: no skill.yaml; is this a skill made by `deskhand learn`?")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise SkillError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SkillError(f"{path}: not a deskhand skill (format is not {FORMAT!r})")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise SkillError(
            f"{path}: schema_version {data.get('schema_version')!r}; this deskhand reads {SCHEMA_VERSION}"
        )
    try:
        parameters = tuple(
            _build(Parameter, p, f"parameters[{i}]") for i, p in enumerate(data.get("parameters") or [])
        )
        by_name = {p.name: p for p in parameters}
        steps = tuple(_parse_step(s, f"steps[{i}]", by_name) for i, s in enumerate(data.get("steps") or []))
        skill = Skill(
            name=str(data.get("name") or root.name),
            screen=_build(Screen, data.get("screen"), "screen"),
            steps=steps,
            parameters=parameters,
            human_seconds=tuple(float(t) for t in data.get("human_seconds") or ()),
            recordings=tuple(str(r) for r in data.get("recordings") or ()),
            root=root,
        )
    except SkillError as e:
        raise SkillError(f"{path}: {e}") from None
    except (TypeError, ValueError) as e:
        raise SkillError(f"{path}: {e}") from None
    return skill


def check_skill(root: Path | str) -> Skill:
    """Validate a skill directory: schema, parameters, crops. Returns the skill, or raises SkillError."""
    skill = load_skill(root)
    problems = []
    names = [p.name for p in skill.parameters]
    for name in names:
        if not isinstance(name, str) or not PARAMETER_NAME.match(name):
            problems.append(f"parameter name {name!r} must be lower_snake_case")
    if len(set(names)) != len(names):
        problems.append(f"duplicate parameter names in {names}")
    if not skill.steps:
        problems.append("no steps")
    for i, step in enumerate(skill.steps):
        if step.index != i:
            problems.append(f"steps[{i}] has index {step.index}")
        if step.action.kind.value in ("click", "drag", "scroll") and step.target is None:
            problems.append(f"steps[{i}] ({step.kind}) has no target")
        if step.target is not None and not step.target.crop:
            problems.append(f"steps[{i}] target has no crop")
        crops = [c for c in (step.target.crop if step.target else "", step.effect.after_crop) if c]
        for crop in crops:
            if Path(crop).is_absolute() or ".." in Path(crop).parts:
                problems.append(f"steps[{i}] crop {crop!r} must stay inside the skill directory")
            elif cv2.imread(str(skill.root / crop)) is None:  # type: ignore[operator]
                problems.append(f"steps[{i}] crop {crop} is missing or unreadable")
        if isinstance(step.action, TypeText) and step.action.secret and step.parameter is None:
            problems.append(f"steps[{i}] types a secret but has no parameter to take it from")
    used = {s.parameter for s in skill.steps if s.parameter}
    for name in sorted(set(names) - used):
        problems.append(f"parameter {name!r} is declared but no step uses it")
    if problems:
        raise SkillError(f"{Path(root) / 'skill.yaml'}: " + "; ".join(problems))
    return skill
