"""The lease ledger: per owner, seconds leased, sessions run and cents owed; and whether it balances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from deskhand.fleet.model import TERMINAL
from deskhand.fleet.store import Store, lease_cents


@dataclass(frozen=True)
class OwnerLine:
    owner: str
    leases: int
    leased_s: float
    sessions: int  # attempts that ran on this owner's hosts
    cents: int


@dataclass(frozen=True)
class Ledger:
    rate_cents_per_hour: int
    owners: tuple[OwnerLine, ...]
    problems: tuple[str, ...]  # empty when the ledger balances

    @property
    def balanced(self) -> bool:
        return not self.problems

    @property
    def total_cents(self) -> int:
        return sum(o.cents for o in self.owners)

    def to_dict(self) -> dict[str, object]:
        return {
            "rate_cents_per_hour": self.rate_cents_per_hour,
            "owners": [asdict(o) for o in self.owners],
            "total_cents": self.total_cents,
            "balanced": self.balanced,
            "problems": list(self.problems),
        }


def ledger(store: Store, rate_cents_per_hour: int) -> Ledger:
    """Owed per owner at `rate_cents_per_hour`, each lease rounded down to whole cents.

    Balanced means: every lease is closed and paid what its length earns at its rate; every attempt
    ran inside a lease of its host; and every task of a finished job has exactly one outcome.
    """
    if rate_cents_per_hour < 0:
        raise ValueError("the rate must be whole cents per hour, 0 or more")
    leases = store.leases()
    paid = {p.lease: p for p in store.payouts()}
    hosts = {h.id: h.owner for h in store.hosts()}
    problems: list[str] = []
    ms: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    cents: dict[str, int] = defaultdict(int)
    for lease in leases:
        count[lease.owner] += 1
        if lease.end_ms is None:
            problems.append(f"lease {lease.id} on {lease.host} is still open")
            continue
        length = lease.end_ms - lease.start_ms
        ms[lease.owner] += length
        cents[lease.owner] += lease_cents(length, rate_cents_per_hour)
        payout = paid.get(lease.id)
        if payout is None:
            problems.append(f"lease {lease.id} on {lease.host} was never paid")
        elif (payout.leased_ms, payout.cents) != (length, lease_cents(length, payout.rate_cents_per_hour)):
            problems.append(f"lease {lease.id} was paid {payout.cents} cents for {payout.leased_ms} ms")
    sessions: dict[str, int] = defaultdict(int)
    for a in store.attempts():
        sessions[hosts.get(a.host, "?")] += 1
        inside = any(
            lease.host == a.host
            and lease.start_ms <= a.start_ms
            and (a.end_ms is not None and lease.end_ms is not None and a.end_ms <= lease.end_ms)
            for lease in leases
        )
        if not inside:
            problems.append(f"attempt {a.id} on {a.host} ran outside a closed lease")
    results = store.results()
    for task in store.tasks():
        if task.state in TERMINAL and task.state != "escalated" and task.id not in results:
            problems.append(f"task {task.id} is {task.state} but has no result")
    owners = sorted(set(count) | set(sessions))
    lines = tuple(OwnerLine(o, count[o], ms[o] / 1000, sessions[o], cents[o]) for o in owners if o != "?")
    return Ledger(rate_cents_per_hour, lines, tuple(problems))
