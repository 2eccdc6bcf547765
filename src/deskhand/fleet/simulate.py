"""A model, not a measurement: a day of a car fleet leasing its parked time to emulator sessions.

Vectorized over cars with numpy, one time step at a time. The owner rule (`policy.available`) and
the placement (`scheduler.assign`) are the very functions the real engine runs; car behaviour is
sampled from the assumptions listed in `ASSUMPTIONS` and in every result.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from deskhand.fleet.policy import HostState, OwnerPolicy, available
from deskhand.fleet.scheduler import assign

DAY_MIN = 1440


@dataclass(frozen=True)
class SimConfig:
    cars: int = 4_000_000
    hw4_share: float = 0.5  # only HW4 cars host a session (one each)
    opt_in: float = 0.6  # share of HW4 owners who lease their car's time
    demand: int = 1_000_000  # concurrent sessions wanted, all day
    drive_min_per_day: float = 64.6  # US average minutes driven a day
    plug_home: float = 0.7  # share of owners who plug in at home
    plug_away: float = 0.1  # share plugged in while parked away from home
    min_battery: float = 0.5
    night_window_share: float = 0.5  # owners who lease 20:00-07:00 only; the rest lease all day
    notice_s: float = 60.0  # reclaim notice; a session drains to its last verified step within it
    rate_cents_per_hour: int = 30  # paid to owners per leased hour
    cloud_cents_per_hour: int = 20  # a comparable cloud VM, for comparison
    step_min: int = 10
    seed: int = 0


ASSUMPTIONS = (
    "a model of one day, not a measurement of real cars",
    "each car drives 2 trips a day (morning ~08:00, evening ~17:30) and half of them a midday trip; "
    "trip lengths are exponential, scaled so the mean is drive_min_per_day minutes a day (~95.5% parked)",
    "a car is home before its first trip and after its last; plug_home of owners plug in at home, "
    "plug_away of cars are plugged in when parked elsewhere",
    "battery starts uniform 0.5-0.95, drops 0.17%/min driving and 0.005%/min hosting, charges 0.25%/min plugged in",
    "only HW4 cars whose owners opted in host, one session each; the owner rule is policy.available",
    "night_window_share of owners lease 20:00-07:00 only, the rest all day",
    "demand is constant all day; placement is scheduler.assign, preferring cars whose next trip is furthest away",
    "a session on a car that becomes unavailable is evicted with notice, drains to its last verified step and "
    "waits for another car: lost work is 0 by the runner's checkpoint semantics (tested in the chaos test), "
    "not simulated step by step",
)


@dataclass(frozen=True)
class SimResult:
    config: SimConfig
    served_session_hours: float
    demand_session_hours: float
    shortfall_session_hours: float
    min_available_cars: int
    cars_needed_for_demand: int  # enrolled fleet size that would cover demand at the worst step
    utilisation_while_demand: float  # used / min(available, demand), over the day
    evictions: int
    evictions_per_hour: float
    lost_tasks: int
    payout_cents: int
    cost_cents_per_session_hour: float
    cloud_cents_per_session_hour: int
    placements: int
    placements_per_s: float
    wall_s: float

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        return {"model": True, "assumptions": list(ASSUMPTIONS), **out}


def _trips(rng: np.random.Generator, n: int, mean_trip: float) -> tuple[np.ndarray, np.ndarray]:
    """Trip starts and ends in minutes of day, (n, 3); a trip that is not taken has length 0."""
    starts = np.stack(
        [rng.normal(480, 60, n), rng.uniform(660, 900, n), rng.normal(1050, 90, n)], axis=1
    ).clip(0, DAY_MIN - 1)
    lengths = rng.exponential(mean_trip, (n, 3))
    lengths[:, 1] *= rng.random(n) < 0.5  # the midday trip, half the cars
    return starts.astype(np.float32), (starts + lengths).clip(0, DAY_MIN).astype(np.float32)


def simulate(config: SimConfig) -> SimResult:
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    hosts = np.flatnonzero(
        (rng.random(config.cars) < config.hw4_share) & (rng.random(config.cars) < config.opt_in)
    )
    n = len(hosts)  # only enrolled cars are simulated: the rest never host
    mean_trip = config.drive_min_per_day / 2.5  # 2.5 trips a day on average
    starts, ends = _trips(rng, n, mean_trip)
    plug_home = rng.random(n) < config.plug_home
    plug_away = rng.random(n) < config.plug_away
    battery = rng.uniform(0.5, 0.95, n).astype(np.float32)
    night = rng.random(n) < config.night_window_share
    policies = (
        (night, OwnerPolicy(config.min_battery, (1200, 420))),
        (~night, OwnerPolicy(config.min_battery)),
    )
    serving = np.zeros(n, dtype=bool)
    dt = config.step_min
    steps = DAY_MIN // dt
    served_steps = short_steps = usable = 0  # session-steps: integers, so money stays exact
    evictions = placements = 0
    min_avail = n
    assign_s = 0.0
    for step in range(steps):
        minute = step * dt
        driving = ((starts <= minute) & (ends > minute)).any(axis=1)
        home = (minute < starts[:, 0]) | (minute >= ends.max(axis=1))
        plugged = np.where(home, plug_home, plug_away) & ~driving
        state = HostState(~driving, plugged, battery, np.full(n, minute))
        avail = np.zeros(n, dtype=bool)
        for who, policy in policies:
            avail |= who & available(state, policy)
        evicted = serving & ~avail
        evictions += int(evicted.sum())
        serving &= avail
        waiting = config.demand - int(serving.sum())
        free = (avail & ~serving).astype(np.int64)
        upcoming = np.where(starts > minute, starts, starts + DAY_MIN).min(axis=1)
        t0 = time.perf_counter()
        placed = assign(waiting, free, upcoming - minute)
        assign_s += time.perf_counter() - t0
        placements += int(placed.sum())
        serving |= placed > 0
        count = int(serving.sum())
        avail_count = int(avail.sum())
        min_avail = min(min_avail, avail_count)
        served_steps += count
        short_steps += max(0, config.demand - count)
        usable += min(avail_count, config.demand)
        battery += dt * (0.0025 * plugged - 0.0017 * driving - 0.00005 * serving).astype(np.float32)
        np.clip(battery, 0.0, 1.0, out=battery)
    served = served_steps * dt / 60
    payout = served_steps * dt * config.rate_cents_per_hour // 60  # a car is leased while it serves
    per_car = min_avail / max(n, 1)
    return SimResult(
        config=config,
        served_session_hours=round(served, 1),
        demand_session_hours=config.demand * 24.0,
        shortfall_session_hours=round(short_steps * dt / 60, 1),
        min_available_cars=min_avail,
        cars_needed_for_demand=math.ceil(config.demand / per_car * config.cars / max(n, 1))
        if per_car
        else -1,
        utilisation_while_demand=round(served_steps / usable, 4) if usable else 0.0,
        evictions=evictions,
        evictions_per_hour=round(evictions / 24, 1),
        lost_tasks=0,
        payout_cents=payout,
        cost_cents_per_session_hour=round(payout / served, 2) if served else 0.0,
        cloud_cents_per_session_hour=config.cloud_cents_per_hour,
        placements=placements,
        placements_per_s=round(placements / assign_s) if assign_s else 0.0,
        wall_s=round(time.perf_counter() - started, 2),
    )
