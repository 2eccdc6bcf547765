"""The flight-booking rule on the real task: the net here only ever clicks one place, so a win is
the rule's: airports picked from their menus, the calendar paged to the month and the day
clicked, the results read and the best flight's Book button pressed. The DOM is not used."""

from __future__ import annotations

from tests.policy.nets import SMALL, ClickHead

from deskhand.policy.base import Kind
from deskhand.policy.miniwob import MiniwobConfig, MiniwobEnv, next_look
from deskhand.policy.model import cell_centre, grid_cell
from deskhand.policy.train import NetPolicy


def test_the_flight_the_utterance_asks_for_is_booked_through_menus_calendar_and_results():
    with MiniwobEnv(MiniwobConfig("book-flight")) as env:
        for seed in (5000, 5024):  # the cheapest, a month back; the shortest, the last of four flights
            obs = env.reset(seed)
            assert obs.utterance.startswith("Book the")
            policy = NetPolicy(ClickHead([(80.0, 130.0)]), bf16=False)
            actions = []
            for _ in range(30):
                actions.append(policy.act(obs))
                result = env.step(actions[-1])
                if result.done:
                    break
                obs = next_look(env, actions[-1], result.obs)
            keys = [a.key for a in actions if a.kind is Kind.KEY]
            assert result.success, actions
            assert keys.count("<Enter>") == 3 and "<Tab>" in keys  # two menus, then the Book button
            nets = cell_centre(grid_cell(80.0, 130.0, SMALL), SMALL)  # where the net would click
            assert not any(a.kind is Kind.CLICK and (a.x, a.y) == nets for a in actions)
