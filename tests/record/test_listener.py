"""Event times come from the X server's clock, so an event delivered late keeps its real time."""

from deskhand.record.listener import server_stamp

MS = 1_000_000


def test_a_late_delivery_keeps_the_time_the_server_saw_the_event() -> None:
    t0, lag = server_stamp(now_ns=5_000 * MS, server_ms=1_000, lag_ns=None)
    late, lag = server_stamp(now_ns=5_300 * MS, server_ms=1_100, lag_ns=lag)  # delivered 200 ms late
    assert (t0, late) == (5_000 * MS, 5_100 * MS)


def test_a_quicker_delivery_tightens_the_mapping() -> None:
    _, lag = server_stamp(now_ns=5_050 * MS, server_ms=1_000, lag_ns=None)
    t, lag = server_stamp(now_ns=5_100 * MS, server_ms=1_100, lag_ns=lag)
    assert t == 5_100 * MS and lag == 4_000 * MS


def test_a_wrapped_server_clock_starts_the_mapping_afresh() -> None:
    _, lag = server_stamp(now_ns=5_000 * MS, server_ms=2**32 - 10, lag_ns=None)
    t, _ = server_stamp(now_ns=5_020 * MS, server_ms=10, lag_ns=lag)
    assert t == 5_020 * MS


def test_a_stamp_is_never_in_the_future() -> None:
    _, lag = server_stamp(now_ns=5_000 * MS, server_ms=1_000, lag_ns=None)
    t, _ = server_stamp(now_ns=5_000 * MS, server_ms=1_050, lag_ns=lag)
    assert t <= 5_000 * MS
