"""Owner policy, shedding choice and placement: pure functions, pure data."""

from __future__ import annotations

import numpy as np
import pytest

from deskhand.fleet.policy import Decision, HostState, OwnerPolicy, Running, available, decide, shed
from deskhand.fleet.scheduler import assign

NIGHT = OwnerPolicy(min_battery=0.5, window=(22 * 60, 7 * 60), notice_s=60)
PARKED = HostState(parked=True, plugged_in=True, battery=0.8, minute_of_day=23 * 60)


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        ({}, True),
        ({"parked": False}, False),
        ({"plugged_in": False}, False),
        ({"battery": 0.49}, False),
        ({"battery": 0.5}, True),
        ({"minute_of_day": 3 * 60}, True),  # the window wraps past midnight
        ({"minute_of_day": 12 * 60}, False),
        ({"minute_of_day": 7 * 60}, False),  # the window's end is exclusive
    ],
)
def test_a_host_is_available_only_parked_plugged_in_charged_and_inside_the_owners_window(change, ok):
    state = HostState(**{**PARKED.__dict__, **change})
    assert available(state, NIGHT) is ok


def test_an_owner_may_allow_leasing_on_battery_alone():
    unplugged = HostState(True, False, 0.9, 23 * 60)
    assert available(unplugged, OwnerPolicy(require_plugged_in=False, window=NIGHT.window))


@pytest.mark.parametrize(
    ("leased", "state", "decision"),
    [
        (False, PARKED, Decision.START),
        (True, PARKED, Decision.KEEP),
        (True, HostState(False, True, 0.8, 23 * 60), Decision.RECLAIM),  # the owner drives off
        (True, HostState(True, True, 0.8, 8 * 60), Decision.RECLAIM),  # the window closed
        (False, HostState(True, True, 0.2, 23 * 60), Decision.IDLE),
    ],
)
def test_owner_decision_follows_the_policy(leased, state, decision):
    assert decide(state, NIGHT, leased) == decision


def test_shedding_picks_the_sessions_with_the_least_progress_lost():
    sessions = [Running("a", 4.0), Running("b", 0.1), Running("c", 9.0), Running("d", 1.0)]
    assert shed(sessions, 0.5) == ["b", "d"]
    assert shed(sessions, 0.0) == []
    assert shed(sessions, 1.0) == ["b", "d", "a", "c"]


def test_shedding_rounds_the_share_up_so_the_grid_gets_at_least_what_it_asked():
    sessions = [Running(str(n), float(n)) for n in range(10)]
    assert len(shed(sessions, 0.25)) == 3
    assert len(shed(sessions, 0.2)) == 2


def test_shedding_refuses_a_share_outside_0_to_1():
    with pytest.raises(ValueError, match="share"):
        shed([Running("a", 1.0)], 1.5)


def test_placement_fills_the_hosts_expected_to_stay_longest_first():
    free = np.array([1, 1, 1, 1])
    staying = np.array([10.0, 300.0, 50.0, 200.0])
    assert assign(2, free, staying).tolist() == [0, 1, 0, 1]


def test_placement_never_exceeds_free_slots_or_the_waiting_count():
    rng = np.random.default_rng(3)
    for _ in range(200):
        free = rng.integers(0, 4, size=20)
        waiting = int(rng.integers(0, 80))
        placed = assign(waiting, free, rng.random(20))
        assert (placed >= 0).all() and (placed <= free).all()
        assert placed.sum() == min(waiting, free.sum())


def test_placement_with_nothing_waiting_or_nothing_free_places_nothing():
    assert assign(0, np.array([2, 1]), np.zeros(2)).tolist() == [0, 0]
    assert assign(5, np.array([0, 0]), np.zeros(2)).tolist() == [0, 0]
