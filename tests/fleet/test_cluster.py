"""A real multi-node Ray cluster on one machine: hosts are nodes with labels; a node dies mid-job.

Sessions are scripted (no desktop) so the test stays small; their commits go to an append-only
store per task, which shows nothing lost and nothing done twice.
"""

from __future__ import annotations

import pytest
import ray
from ray.cluster_utils import Cluster

from deskhand.fleet.engine import Engine, EngineConfig, cluster_hosts
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import Job, TaskState
from deskhand.fleet.session import ScriptSession
from deskhand.fleet.store import SqliteStore

OWNERS = {"n0": "ana", "n1": "bo", "n2": "cy"}


@pytest.fixture(scope="module")
def cluster():
    """The head node is host n0 (it cannot die: the driver is on it); n1 and n2 are worker nodes."""
    fast_death = {"health_check_period_ms": 500, "health_check_failure_threshold": 2}
    head = {
        "num_cpus": 1,
        "resources": {"deskhand-host-n0": 1},
        "labels": {"owner": OWNERS["n0"], "hardware": "hw4", "region": "us-west"},
        "_system_config": fast_death,
    }
    c = Cluster(initialize_head=True, connect=True, head_node_args=head)
    nodes = {
        hid: c.add_node(
            num_cpus=1,
            resources={f"deskhand-host-{hid}": 1},
            labels={"owner": owner, "hardware": "hw4", "region": "us-west"},
        )
        for hid, owner in OWNERS.items()
        if hid != "n0"
    }
    c.wait_for_nodes()
    yield c, nodes
    ray.shutdown()
    c.shutdown()


def test_hosts_are_the_clusters_nodes_labelled_with_their_owners(cluster):
    hosts = cluster_hosts()
    assert [(h.id, h.owner, h.hardware, h.region, h.slots) for h in hosts] == [
        (hid, owner, "hw4", "us-west", 1) for hid, owner in OWNERS.items()
    ]


def test_a_node_that_dies_mid_job_loses_nothing_and_its_tasks_resume_on_other_nodes(cluster, tmp_path):
    c, nodes = cluster
    session = ScriptSession(steps=8, commits=(3, 6), step_s=0.1, store=str(tmp_path / "app"))
    killed: list[str] = []

    def kill_a_busy_node(engine: Engine) -> None:
        busy = [s for s in engine.live.values() if s.checkpoint.exists() and s.host in nodes]
        if not killed and busy:
            killed.append(busy[0].host)
            c.remove_node(nodes[busy[0].host], allow_graceful=False)

    store = SqliteStore(tmp_path / "fleet.db")
    engine = Engine(
        store,
        session,
        cluster_hosts(),
        EngineConfig(tmp_path / "work", membership_every_s=0.5),
        chaos=kill_a_busy_node,
        membership=cluster_hosts,
    )
    summary = engine.run(Job("cluster", "", "", tuple({"n": str(n)} for n in range(6)), ()))
    assert killed and killed[0] in engine.gone
    assert summary.done == 6 and summary.lost >= 1, summary
    for task in store.tasks():
        assert task.state == TaskState.DONE
        assert session.committed(task.id) == [3, 6]
    book = ledger(store, 100)
    assert book.balanced, book.problems
    assert {o.owner for o in book.owners} <= set(OWNERS.values())
