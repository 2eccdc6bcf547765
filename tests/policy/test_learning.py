"""End to end in a real headless Chromium: demonstrations, a short training, unseen seeds."""

from __future__ import annotations

import pytest

from deskhand.policy.bench import RandomClicks, evaluate
from deskhand.policy.demos import collect, concat
from deskhand.policy.experts import EXPERTS
from deskhand.policy.train import NetPolicy, TrainConfig, train

pytestmark = pytest.mark.x11  # a real browser, started by the test; no display needed (headless)

TASKS = ("click-button", "click-dialog-2")


def test_tiny_policy_beats_random_clicks_on_unseen_seeds():
    """About two minutes: 80 expert episodes per task, 150 training steps, 15 evaluation seeds each."""
    demos = concat([collect(task, EXPERTS[task], range(1, 81))[0] for task in TASKS])
    net = train(demos, TrainConfig(minutes=20.0, max_steps=150))  # steps, not the clock, decide
    ours = [sum(e.success for e in evaluate(t, NetPolicy(net), 15)) / 15 for t in TASKS]
    rand = [sum(e.success for e in evaluate(t, RandomClicks(seed=1), 15)) / 15 for t in TASKS]
    mean_ours, mean_rand = sum(ours) / len(ours), sum(rand) / len(rand)
    assert mean_ours >= 0.6, (ours, rand)
    assert mean_ours >= mean_rand + 0.3, (ours, rand)
