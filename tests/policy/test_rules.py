"""The policy's rules on the real tasks: the net here is one whose heads the test sets (it clicks
one place, or always presses), so what wins is the rule. The DOM only sets a test up or checks it."""

from __future__ import annotations

from tests.policy.nets import ClickHead, policy_that_would

from deskhand.policy.base import Kind, Observation, PolicyAction
from deskhand.policy.experts.dom import click
from deskhand.policy.miniwob import MiniwobConfig, MiniwobEnv, next_look
from deskhand.policy.train import NetPolicy


def _episode(
    env: MiniwobEnv, policy: NetPolicy, obs: Observation, settled: bool = False
) -> tuple[bool, list[PolicyAction]]:
    """The rest of an episode begun with `obs`: whether the task was won, and the actions taken.
    `settled` lets every screen settle first, not only after a wait: a list scrolled by a key may
    show a frame late, and the list rule then reads the row before (a known miss of the rule,
    about 2 in 100 episodes), which would make a test of its logic fail at random."""
    actions = []
    for _ in range(30):
        actions.append(policy.act(obs))
        result = env.step(actions[-1])
        if result.done:
            return result.success, actions
        obs = env.settle(result.obs) if settled else next_look(env, actions[-1], result.obs)
    return False, actions


def test_a_click_on_submit_before_the_shown_number_is_the_named_one_steps_it_there_with_keys_first():
    """The net cannot compare numbers: OCR reads the slider's value, and keys step it (the real task).

    The net here clicks Submit at once; the slider must first go from 95 to 47 (upright) and from
    -29 to -4 (lying), a page at a time, then single steps. The DOM only sets the test up.
    """
    with MiniwobEnv(MiniwobConfig("use-slider")) as env:
        for seed, shown in ((4, "95"), (6, "-29")):
            obs = env.reset(seed)
            dom = env.expert_dom()
            assert next(el for el in dom if el["id"] == "val")["text"] == shown
            submit = click(next(el for el in dom if el["id"] == "subbtn"))
            won, actions = _episode(env, NetPolicy(ClickHead([(submit.x, submit.y)]), bf16=False), obs)
            keys = [action.key for action in actions]
            assert won, keys
            assert {"<PageUp>", "<PageDown>"} & set(keys) and actions[-1].kind is Kind.CLICK


def test_drags_the_net_would_make_sort_the_listed_numbers_as_the_utterance_asks():
    """The net drags but cannot compare numbers: OCR reads the list, and the drags sort it (the real
    task; the DOM only checks the order). Sorted, the net's drag gives way to another kind."""
    with MiniwobEnv(MiniwobConfig("drag-sort-numbers")) as env:
        obs = env.reset(1201539860)  # 97, -50, 82, -50
        policy = policy_that_would(Kind.MOUSEDOWN)
        actions = []
        for _ in range(10):
            action = policy.act(obs)
            if action.kind not in (Kind.MOUSEDOWN, Kind.MOUSEUP):
                break
            actions.append(action.kind)
            obs = next_look(env, action, env.step(action).obs)
        listed = [
            int(el["text"])
            for el in env.expert_dom()
            if el["tag"] == "div" and el["text"].lstrip("-").isdigit()
        ]
        assert listed == [-50, -50, 82, 97]
        assert actions == [Kind.MOUSEDOWN, Kind.MOUSEUP] * 3


def test_a_click_goes_to_an_item_fitting_the_utterances_description():
    """The net here clicks one fixed place; the described item is found by colour, size and glyph
    (pixels only) on the real task: a large digit, a 9, a small letter, a small green shape, a circle."""
    with MiniwobEnv(MiniwobConfig("click-shape")) as env:
        won = []
        for seed in (1, 2, 3, 4, 7):
            obs = env.reset(seed)
            policy = NetPolicy(ClickHead([(80.0, 130.0)]), bf16=False)
            won.append(env.step(policy.act(obs)).success)
        assert won == [True] * 5


def test_the_named_rows_of_a_scroll_list_are_selected_from_the_keyboard_even_below_its_fold():
    """The net here would click Submit at once; the list's rows are read (OCR), the rows out of
    sight as they scroll in, and Ctrl+ArrowDown and Ctrl+Space select the named ones (the real
    task: "United Kingdom, Niue", the 8th and 9th of 10 rows; "Dona, Elfrida", Elfrida read as
    "Eltrida" on the way down and taken on the way back up)."""
    with MiniwobEnv(MiniwobConfig("click-scroll-list")) as env:
        for seed in (1201539868, 1201539872):
            obs = env.reset(seed)
            submit = click(next(el for el in env.expert_dom() if el["tag"] == "button"))
            policy = NetPolicy(ClickHead([(submit.x, submit.y)]), bf16=False)
            won, actions = _episode(env, policy, obs, settled=True)
            keys = [action.key for action in actions]
            assert won, keys
            assert keys.count("C-<Space>") >= 2 and "C-<ArrowDown>" in keys
            assert ("C-<ArrowUp>" in keys) == (seed == 1201539872)


def test_the_first_click_goes_to_the_row_of_the_sender_the_utterance_names():
    """The net here would trash the first email (Sheilah's); the line reading "Adriane" (OCR) moves
    the click to her row, the same icon (the real task)."""
    with MiniwobEnv(MiniwobConfig("email-inbox")) as env:
        obs = env.reset(1201539868)
        assert obs.utterance == "Find the email by Adriane and click the trash icon to delete it."
        policy = NetPolicy(ClickHead([(123.0, 80.0)]), bf16=False)
        assert env.step(policy.act(obs)).success
