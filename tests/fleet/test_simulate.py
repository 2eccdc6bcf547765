"""The fleet model on small numbers: sane, deterministic, labelled as a model, money in whole cents."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from deskhand.cli import app
from deskhand.fleet.simulate import SimConfig, _trips, simulate

SMALL = SimConfig(cars=20_000, demand=500, seed=1)


def test_cars_drive_about_the_us_average_a_day_and_are_parked_the_rest():
    starts, ends = _trips(np.random.default_rng(0), 50_000, 64.6 / 2.5)
    driven = (ends - starts).sum(axis=1).mean()
    assert 55 < driven < 70  # trips cut at midnight lose a little
    assert 0.94 < 1 - driven / 1440 < 0.97


def test_a_small_fleet_serves_what_it_can_and_the_figures_add_up():
    r = simulate(SMALL)
    assert r.served_session_hours + r.shortfall_session_hours == pytest.approx(r.demand_session_hours)
    assert r.lost_tasks == 0
    assert r.utilisation_while_demand == pytest.approx(1.0)
    assert r.placements == pytest.approx(r.evictions + 500, abs=500)  # each eviction is placed again
    assert isinstance(r.payout_cents, int)
    assert r.payout_cents == int(r.served_session_hours * 60) * SMALL.rate_cents_per_hour // 60


def test_no_demand_means_no_placements_and_no_payout():
    r = simulate(SimConfig(cars=5_000, demand=0))
    assert (r.placements, r.payout_cents, r.served_session_hours, r.evictions) == (0, 0, 0.0, 0)


def test_more_cars_serve_more_of_the_same_demand():
    few = simulate(SimConfig(cars=10_000, demand=2_000))
    many = simulate(SimConfig(cars=40_000, demand=2_000))
    assert many.shortfall_session_hours < few.shortfall_session_hours


def test_the_same_seed_gives_the_same_day():
    a, b = simulate(SMALL).to_dict(), simulate(SMALL).to_dict()
    for volatile in ("wall_s", "placements_per_s"):
        a.pop(volatile), b.pop(volatile)
    assert a == b


def test_cli_simulate_prints_a_model_with_its_assumptions_as_json(tmp_path):
    out = tmp_path / "fleet-sim.json"
    result = CliRunner().invoke(
        app, ["fleet", "simulate", "--cars", "20000", "--demand", "300", "--json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] is True and len(data["assumptions"]) >= 5
    assert data["config"]["cars"] == 20_000
    assert json.loads(out.read_text()) == data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fleet", "simulate", "--hw4-share", "1.5"], "--hw4-share must be within 0..1"),
        (["fleet", "simulate", "--cars", "0"], "--cars must be 1 or more"),
        (["fleet", "ledger", "--db", "nowhere.db"], "no fleet database here"),
        (["fleet", "run", "missing.yaml"], "cannot read the job file"),
    ],
)
def test_cli_fleet_errors_are_one_clear_line_with_exit_code_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_fleet_run_refuses_a_job_without_a_skill_or_scenario(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("name: x\nrows: [{a: 1}]\n")
    result = CliRunner().invoke(app, ["fleet", "run", str(job)])
    assert result.exit_code == 2 and "missing skill, scenario" in result.output
