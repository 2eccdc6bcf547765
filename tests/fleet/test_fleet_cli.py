"""`deskhand fleet shed` and `fleet ledger` on either store: requests left, bad input, no fleet running.

A shed applied by a running fleet is tested on real Ray in test_engine_chaos.py.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from deskhand.cli import app
from deskhand.fleet.model import Host, Job
from deskhand.fleet.store import open_store

JOB = Job("refunds", "skill/", "refund", ({"amount": "1"},), (Host("car1", "ana"),))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A fleet state holding one job, as `deskhand fleet run` would leave it."""
    url = str(tmp_path / "fleet.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    store.add_job(JOB)
    store.close()
    return url


def test_fleet_shed_without_waiting_leaves_a_request_for_the_running_fleet(url):
    shown = CliRunner().invoke(
        app, ["fleet", "shed", "--share", "0.25", "--hold", "60", "--db", url, "--no-wait"]
    )
    assert shown.exit_code == 0, shown.output
    assert "left for a running `deskhand fleet run`" in shown.output
    store = open_store(url)
    [request] = store.sheds()
    store.close()
    assert (request.share, request.hold_s, request.taken_ms, request.tasks) == (0.25, 60.0, None, None)


def test_fleet_shed_with_no_fleet_running_says_so_and_exits_1(tmp_path):
    store = open_store(str(tmp_path / "fleet.db"))
    store.close()
    shown = CliRunner().invoke(app, ["fleet", "shed", "--share", "0.5", "--db", str(tmp_path / "fleet.db")])
    assert shown.exit_code == 1
    assert "no running fleet" in shown.output and "within 5 s" in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--share", "0"], "--share must be within (0, 1]"),
        (["--share", "1.5"], "--share must be within (0, 1]"),
        (["--share", "0.5", "--hold", "-1"], "--hold must be 0..86400 seconds"),
        (["--share", "0.5", "--db", "nowhere.db"], "no fleet database here"),
    ],
)
def test_fleet_shed_refuses_bad_input_in_one_line_with_exit_2(args, message):
    shown = CliRunner().invoke(app, ["fleet", "shed", "--no-wait", *args], catch_exceptions=False)
    assert shown.exit_code == 2
    assert message in shown.output and "Traceback" not in shown.output


def test_fleet_ledger_reads_a_postgresql_store_by_url(pg_url):
    store = open_store(pg_url)
    store.add_job(JOB)
    store.close_lease(store.open_lease(JOB.hosts[0], 0), 3_600_000, 90)
    store.close()
    shown = CliRunner().invoke(app, ["fleet", "ledger", "--db", pg_url, "--rate", "90", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["owners"] == [
        {"owner": "ana", "leases": 1, "leased_s": 3600.0, "sessions": 0, "cents": 90}
    ]


def test_an_unreachable_postgresql_store_is_one_line_with_exit_2_and_no_password(tmp_path):
    url = f"postgresql://fleet:s3cret@/fleet?host={tmp_path}&port=5999"
    shown = CliRunner().invoke(app, ["fleet", "ledger", "--db", url], catch_exceptions=False)
    assert shown.exit_code == 2
    assert "cannot reach the fleet database" in shown.output and "s3cret" not in shown.output
