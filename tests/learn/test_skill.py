"""Skill directories: save and load, the checker's verdict on broken ones, and binding inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from deskhand.desktop.action import Click, KeyPress, TypeText
from deskhand.learn.skill import (
    Effect,
    Parameter,
    Screen,
    Skill,
    SkillError,
    Step,
    Target,
    check_skill,
    load_skill,
    save_skill,
)

EMAIL_CROP = "crops/step_000_target.png"
PASSWORD_CROP = "crops/step_002_target.png"
SUBMIT_CROP = "crops/step_005_target.png"
AFTER_CROP = "crops/step_005_after.png"
SECRET_STEP = 3


def pixels(seed: int, size: tuple[int, int] = (20, 12)) -> np.ndarray:
    """A small textured RGB crop, different for each seed."""
    width, height = size
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def refund_skill() -> tuple[Skill, dict[str, np.ndarray]]:
    """A helpdesk refund: fill in an email and a password, press Return, submit."""
    steps = (
        Step(
            0,
            Click(320, 140),
            Target(
                EMAIL_CROP,
                (10, 6),
                (320, 140),
                label="Customer email:",
                label_offset=(180, 0),
                text_height=14,
            ),
            note="Click 'Customer email:' in 'Ticket #1'",
        ),
        Step(1, TypeText(""), parameter="customer_email", effect=Effect(region=(-110, -8, 220, 18))),
        Step(2, Click(320, 180), Target(PASSWORD_CROP, (10, 6), (320, 180), label="Password:")),
        Step(SECRET_STEP, TypeText("", secret=True), parameter="password"),
        Step(4, KeyPress("Return"), idempotent=False, effect=Effect(whole_screen=True)),
        Step(
            5,
            Click(400, 300, count=2),
            Target(SUBMIT_CROP, (10, 6), (400, 300), text="Submit refund", text_height=16),
            idempotent=False,
            effect=Effect(region=(-50, 20, 100, 24), after_crop=AFTER_CROP),
            note="Double-click 'Submit refund'",
        ),
    )
    skill = Skill(
        name="refund",
        screen=Screen(1280, 800, 1.0),
        steps=steps,
        parameters=(Parameter("customer_email", "ann@example.com"), Parameter("password", secret=True)),
        human_seconds=(12.5, 9.0, 30.0),
        recordings=("recordings/one", "recordings/two", "recordings/three"),
    )
    crops = {EMAIL_CROP: pixels(0), PASSWORD_CROP: pixels(1), SUBMIT_CROP: pixels(2), AFTER_CROP: pixels(3)}
    return skill, crops


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    skill, crops = refund_skill()
    return save_skill(skill, tmp_path / "refund", crops)


def edit_yaml(root: Path, change: Callable[[Any], object]) -> None:
    """Edit skill.yaml as a person would: load it, change it in place, write it back."""
    path = root / "skill.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


# -- save and load ---------------------------------------------------------------------------


def test_save_then_load_gives_back_the_steps_parameters_and_crops(skill_dir: Path) -> None:
    skill, crops = refund_skill()
    loaded = load_skill(skill_dir)
    assert loaded.root == skill_dir
    assert (loaded.name, loaded.screen) == (skill.name, skill.screen)
    assert loaded.parameters == skill.parameters
    assert loaded.human_seconds == skill.human_seconds
    assert loaded.recordings == skill.recordings
    others = [s for s in skill.steps if s.index != SECRET_STEP]
    assert [s for s in loaded.steps if s.index != SECRET_STEP] == others
    assert loaded.steps[SECRET_STEP].parameter == "password"
    assert loaded.steps[SECRET_STEP].action == TypeText("", secret=loaded.steps[SECRET_STEP].action.secret)
    for relative, expected in crops.items():
        np.testing.assert_array_equal(loaded.crop(relative), expected)


def test_a_secret_step_is_still_secret_after_save_and_load(skill_dir: Path) -> None:
    """The runner decides from step.action.secret whether a frame may go into a trace."""
    loaded = load_skill(skill_dir)
    assert loaded.steps[SECRET_STEP].action == TypeText("", secret=True)
    assert loaded == refund_skill()[0]


def test_skill_yaml_stores_no_typed_value_for_a_parameterized_step(skill_dir: Path) -> None:
    data = yaml.safe_load((skill_dir / "skill.yaml").read_text(encoding="utf-8"))
    assert "text" not in data["steps"][1]["action"]
    assert data["steps"][1]["parameter"] == "customer_email"
    assert data["parameters"] == [
        {"name": "customer_email", "default": "ann@example.com"},
        {"name": "password", "secret": True},
    ]


def test_check_skill_returns_a_good_skill(skill_dir: Path) -> None:
    skill = check_skill(skill_dir)
    assert skill.name == "refund"
    assert len(skill.steps) == 6
    assert [p.name for p in skill.parameters] == ["customer_email", "password"]


def test_a_skill_without_a_name_is_named_after_its_directory(skill_dir: Path) -> None:
    edit_yaml(skill_dir, lambda d: d.pop("name"))
    assert load_skill(skill_dir).name == "refund"


def test_crop_of_a_skill_not_loaded_from_a_directory_is_refused() -> None:
    skill, _ = refund_skill()
    with pytest.raises(SkillError, match="not loaded from a directory"):
        skill.crop(EMAIL_CROP)


def test_a_missing_crop_is_refused_with_its_path(skill_dir: Path) -> None:
    skill = load_skill(skill_dir)
    (skill_dir / EMAIL_CROP).unlink()
    with pytest.raises(SkillError, match="missing or unreadable crop") as caught:
        skill.crop(EMAIL_CROP)
    assert str(skill_dir / EMAIL_CROP) in str(caught.value)


# -- broken skill directories ------------------------------------------------------------------


def _write(text: str) -> Callable[[Path], Path]:
    def breaker(root: Path) -> Path:
        (root / "skill.yaml").write_text(text, encoding="utf-8")
        return root

    return breaker


def _edit(change: Callable[[Any], object]) -> Callable[[Path], Path]:
    def breaker(root: Path) -> Path:
        edit_yaml(root, change)
        return root

    return breaker


def _missing_dir(root: Path) -> Path:
    return root.parent / "no_such_skill"


def _without_yaml(root: Path) -> Path:
    (root / "skill.yaml").unlink()
    return root


def _without_crop(root: Path) -> Path:
    (root / EMAIL_CROP).unlink()
    return root


def _crop_outside(root: Path) -> Path:
    (root.parent / "x.png").write_bytes((root / EMAIL_CROP).read_bytes())  # it exists, and is still refused
    edit_yaml(root, lambda d: d["steps"][0]["target"].update(crop="../x.png"))
    return root


def _absolute_crop(root: Path) -> Path:
    edit_yaml(root, lambda d: d["steps"][0]["target"].update(crop=str(root / EMAIL_CROP)))
    return root


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Path], Path]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return _edit(change)


def _rename_parameter(name: str) -> Callable[[Path], Path]:
    def change(data: Any) -> None:
        data["parameters"][0]["name"] = name
        data["steps"][1]["parameter"] = name

    return _edit(change)


def _swap_indices(data: Any) -> None:
    data["steps"][0]["index"], data["steps"][1]["index"] = 1, 0


def _secret_without_parameter(data: Any) -> None:
    del data["steps"][SECRET_STEP]["parameter"]
    data["steps"][SECRET_STEP]["action"].update(text="", secret=True)


BROKEN: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing directory": (_missing_dir, "not a skill directory"),
    "directory without skill.yaml": (_without_yaml, "no skill.yaml"),
    "invalid YAML": (_write("steps: [unclosed\n  - {\n"), "not valid YAML"),
    "YAML that is a list": (_write("- index: 0\n- index: 1\n"), "not a deskhand skill"),
    "wrong format": (_set(("format",), "someone.else"), "not a deskhand skill"),
    "future schema_version": (_set(("schema_version",), 2), "schema_version 2; this deskhand reads 1"),
    "unknown key in a step": (_set(("steps", 0, "colour"), "red"), "steps[0] has unknown key(s) ['colour']"),
    "unknown key in a target": (
        _set(("steps", 0, "target", "zoom"), 2),
        "steps[0].target has unknown key(s) ['zoom']",
    ),
    "unknown key in a parameter": (
        _set(("parameters", 0, "hidden"), True),
        "parameters[0] has unknown key(s) ['hidden']",
    ),
    "unknown action kind": (
        _set(("steps", 0, "action", "kind"), "teleport"),
        "steps[0]: bad action: unknown action kind 'teleport'",
    ),
    "bad action field value": (
        _set(("steps", 0, "action", "button"), "sideways"),
        "steps[0]: bad action: button must be one of",
    ),
    "unknown action field": (
        _set(("steps", 4, "action", "repeat"), 3),
        "steps[4]: bad action: KeyPress has no field",
    ),
    "step without action": (_edit(lambda d: d["steps"][4].pop("action")), "steps[4]: bad action"),
    "undeclared parameter": (
        _set(("steps", 1, "parameter"), "customer_mail"),
        "steps[1] uses parameter 'customer_mail', which is not declared",
    ),
    "missing crop PNG": (_without_crop, f"crop {EMAIL_CROP} is missing or unreadable"),
    "crop escaping the directory": (_crop_outside, "crop '../x.png' must stay inside the skill directory"),
    "absolute crop path": (_absolute_crop, "must stay inside the skill directory"),
    "parameter name not snake_case": (
        _rename_parameter("CustomerEmail"),
        "'CustomerEmail' must be lower_snake_case",
    ),
    "parameter name with a space": (_rename_parameter("customer email"), "must be lower_snake_case"),
    "duplicate parameter names": (
        _edit(lambda d: d["parameters"].append({"name": "password"})),
        "duplicate parameter names",
    ),
    "declared but unused parameter": (
        _edit(lambda d: d["parameters"].append({"name": "ticket_note", "default": "x"})),
        "parameter 'ticket_note' is declared but no step uses it",
    ),
    "click without target": (_edit(lambda d: d["steps"][0].pop("target")), "steps[0] (click) has no target"),
    "step index out of order": (_edit(_swap_indices), "steps[0] has index 1"),
    "step without index": (_edit(lambda d: d["steps"][2].pop("index")), "steps[2]"),
    "no steps": (_set(("steps",), []), "no steps"),
    "screen missing": (_edit(lambda d: d.pop("screen")), "screen must be a mapping"),
    "secret typed without a parameter": (
        _edit(_secret_without_parameter),
        "types a secret but has no parameter",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_skill_is_refused_naming_the_file_and_the_problem(skill_dir: Path, case: str) -> None:
    breaker, problem = BROKEN[case]
    root = breaker(skill_dir)
    with pytest.raises(SkillError) as caught:
        check_skill(root)
    message = str(caught.value)
    assert problem in message
    named = (
        str(root)
        if case in ("missing directory", "directory without skill.yaml")
        else str(root / "skill.yaml")
    )
    assert message.startswith(named)


def test_the_checker_reports_every_problem_at_once(skill_dir: Path) -> None:
    def change(data: Any) -> None:
        data["steps"][0].pop("target")
        data["parameters"].append({"name": "unused_one", "default": "x"})

    edit_yaml(skill_dir, change)
    with pytest.raises(SkillError) as caught:
        check_skill(skill_dir)
    assert "steps[0] (click) has no target" in str(caught.value)
    assert "'unused_one' is declared but no step uses it" in str(caught.value)


def test_a_parameter_name_yaml_reads_as_a_boolean_is_refused_as_a_skill_error(skill_dir: Path) -> None:
    """`name: on` is the boolean True in YAML 1.1; the checker must say so, not crash."""
    _rename_parameter("on")(skill_dir)
    text = (skill_dir / "skill.yaml").read_text(encoding="utf-8").replace("'on'", "on")
    (skill_dir / "skill.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SkillError, match=r"skill\.yaml"):
        check_skill(skill_dir)


def test_a_click_target_with_an_empty_crop_is_refused(skill_dir: Path) -> None:
    edit_yaml(skill_dir, lambda d: d["steps"][0]["target"].update(crop=""))
    with pytest.raises(SkillError, match="crop"):
        check_skill(skill_dir)


# -- a person edits skill.yaml -------------------------------------------------------------------


def test_a_parameter_renamed_in_skill_yaml_loads_and_binds_under_its_new_name(skill_dir: Path) -> None:
    path = skill_dir / "skill.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("- name: customer_email\n") == 1 and text.count("parameter: customer_email\n") == 1
    text = text.replace("- name: customer_email\n", "- name: contact_address\n")
    text = text.replace("parameter: customer_email\n", "parameter: contact_address\n")
    path.write_text(text, encoding="utf-8")

    skill = check_skill(skill_dir)
    assert [p.name for p in skill.parameters] == ["contact_address", "password"]
    assert skill.steps[1].parameter == "contact_address"
    assert skill.bind({"contact_address": "bob@example.com", "password": "pw"})["contact_address"] == (
        "bob@example.com"
    )
    with pytest.raises(SkillError, match="contact_address"):
        skill.bind({"customer_email": "bob@example.com", "password": "pw"})


def test_a_step_marked_idempotent_by_hand_loads_as_idempotent(skill_dir: Path) -> None:
    edit_yaml(skill_dir, lambda d: d["steps"][5].update(idempotent=True))
    assert check_skill(skill_dir).steps[5].idempotent is True


# -- binding inputs ----------------------------------------------------------------------------------


def test_bind_takes_inputs_over_defaults() -> None:
    skill, _ = refund_skill()
    values = skill.bind({"customer_email": "bob@example.com", "password": "hunter2"})
    assert values == {"customer_email": "bob@example.com", "password": "hunter2"}


def test_bind_falls_back_to_a_parameters_default() -> None:
    skill, _ = refund_skill()
    assert skill.bind({"password": "hunter2"}) == {"customer_email": "ann@example.com", "password": "hunter2"}


def test_bind_refuses_an_unknown_input_naming_the_known_ones_but_no_value() -> None:
    skill, _ = refund_skill()
    with pytest.raises(SkillError) as caught:
        skill.bind({"customer_mail": "bob@example.com", "password": "hunter2"})
    message = str(caught.value)
    assert "customer_mail" in message
    assert "customer_email" in message and "password" in message
    assert "bob@example.com" not in message and "hunter2" not in message


def test_bind_on_a_skill_without_parameters_says_it_takes_none() -> None:
    skill = Skill("empty", Screen(10, 10, 1.0), (Step(0, KeyPress("Return")),))
    with pytest.raises(SkillError, match="takes none"):
        skill.bind({"x": "1"})
    assert skill.bind({}) == {}


def test_a_missing_secret_input_says_how_to_pass_it_and_prints_no_value() -> None:
    skill, _ = refund_skill()
    with pytest.raises(SkillError) as caught:
        skill.bind({"customer_email": "bob@example.com"})
    message = str(caught.value)
    assert "--input password=VALUE" in message
    assert "secret" in message
    assert "bob@example.com" not in message and "ann@example.com" not in message


def test_a_missing_required_plain_input_is_not_called_secret() -> None:
    skill = Skill(
        "t",
        Screen(10, 10, 1.0),
        (Step(0, TypeText(""), parameter="amount"),),
        (Parameter("amount"),),
    )
    with pytest.raises(SkillError, match=r"missing required input 'amount': pass --input amount=VALUE"):
        skill.bind({})


# -- human time --------------------------------------------------------------------------------------


def test_human_time_is_the_median_of_the_recordings() -> None:
    skill, _ = refund_skill()
    assert skill.human_time == 12.5  # of 12.5, 9.0, 30.0: not the mean (17.17) nor the first


def test_human_time_without_recordings_is_zero() -> None:
    assert Skill("t", Screen(10, 10, 1.0), ()).human_time == 0.0


def test_human_time_of_two_recordings_is_their_mean() -> None:
    skill = Skill("t", Screen(10, 10, 1.0), (), human_seconds=(10.0, 20.0))
    assert skill.human_time == 15.0
