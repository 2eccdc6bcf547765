"""A real emulator session on the fleet: evicted mid-job, it resumes on another host and nothing repeats.

The refund job runs in Chromium against the support console; the console's own store (shared by
both hosts, as a real remote system would be) shows exactly one refund and one note afterwards.
"""

from __future__ import annotations

import pytest
import ray

from deskhand.desktop import XvfbDesktop
from deskhand.fleet.engine import Engine, EngineConfig
from deskhand.fleet.ledger import ledger
from deskhand.fleet.model import AttemptEnd, Host, Job, TaskState
from deskhand.fleet.session import ScenarioSession
from deskhand.fleet.store import SqliteStore
from deskhand.learn.compile import learn
from deskhand.learn.skill import save_skill
from deskhand.record.format import Recording
from deskhand.record.human import ScriptedHuman
from deskhand.record.recorder import RecordConfig, Recorder
from deskhand.run.checkpoint import Checkpoint
from deskhand.scenarios import refund
from deskhand.scenarios.console import Store
from deskhand.vision.ocr import Ocr

pytestmark = pytest.mark.x11

HOSTS = (Host("ana-model-y", "ana", "hw4", "us-west"), Host("bo-model-3", "bo", "hw4", "us-east"))
CONFIRM = 6  # the refund's second commit: Submit (5) then Confirm (6)


@pytest.fixture(scope="module")
def skill_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fleet-skill")
    with XvfbDesktop(1920, 1080) as desktop, refund.open_app(desktop, tmp) as app:
        human = ScriptedHuman(desktop, time_scale=0.15, seed=4)
        with Recorder(desktop, tmp / "rec", RecordConfig()) as recorder:
            refund.perform(human, app)
            path = recorder.stop()
        assert refund.check(app, refund.RECORDED) is None
    skill, crops = learn([Recording.open(path)], Ocr(), "refund")
    return save_skill(skill, tmp / "skill", crops)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(
        address="local",  # a new instance, never a cluster some other process left running
        num_cpus=2,
        resources={h.resource: 1.0 for h in HOSTS},
        include_dashboard=False,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def test_an_evicted_session_checkpoints_drains_and_resumes_on_another_host_without_repeating(
    tmp_path, skill_dir
):
    session = ScenarioSession("refund", str(skill_dir), str(tmp_path / "apps"))
    evicted: list[str] = []

    def owner_drives_off(engine: Engine) -> None:
        """The first host's owner needs the car once the refund is confirmed; the second car parks."""
        for s in list(engine.live.values()):
            if not evicted and s.checkpoint.exists() and Checkpoint.load(s.checkpoint).done >= CONFIRM:
                evicted.append(s.host)
                engine.reclaim(s.host)
                engine.restore(HOSTS[1].id)

    store = SqliteStore(tmp_path / "fleet.db")
    engine = Engine(
        store, session, list(HOSTS), EngineConfig(tmp_path / "work", notice_s=30), chaos=owner_drives_off
    )
    engine.up.discard(HOSTS[1].id)  # the second car is out driving when the job starts
    job = Job("refunds", str(skill_dir), "refund", (refund.ROWS[0],), HOSTS)
    summary = engine.run(job)

    assert evicted == [HOSTS[0].id]
    first, second = store.attempts()
    assert (first.host, first.end) == (HOSTS[0].id, AttemptEnd.DRAINED)
    assert first.done_step >= CONFIRM, "it stopped at a verified step after the commit"
    assert (second.host, second.end) == (HOSTS[1].id, AttemptEnd.DONE)
    assert second.done_step == 9, "the resumed session verified the last step"
    assert store.tasks()[0].state == TaskState.DONE and summary.done == 1
    app = Store.load(tmp_path / "apps" / "task-1" / "store.json")
    values = refund.ROWS[0]
    assert [(str(r.amount), r.reason) for r in app.refunds_for(refund.REPLAY_TICKET)] == [
        (values["amount"], values["reason"])
    ], "exactly one refund: the commit was not repeated on the second host"
    assert [n.text for n in app.notes_for(refund.REPLAY_TICKET)] == [values["internal_note"]]
    book = ledger(store, rate_cents_per_hour=90)
    assert book.balanced, book.problems
    assert [(o.owner, o.sessions) for o in book.owners] == [("ana", 1), ("bo", 1)]
