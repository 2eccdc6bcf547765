"""A job file (YAML): the skill, the scenario whose apps each session opens, input rows and hosts.

name: refunds
skill: refund-skill/          # relative to the job file
scenario: refund
inputs: rows.csv              # or `rows:` a list of NAME: VALUE maps
hosts:
  - {id: ana-y, owner: ana, hardware: hw4, region: us-west, slots: 1}
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from deskhand.fleet.model import Host, Job


class JobError(Exception):
    """The job file is missing or malformed; the message names the file and the field."""


def _rows(data: dict, base: Path, where: Path) -> tuple[dict[str, str], ...]:
    if "inputs" in data:
        path = base / str(data["inputs"])
        try:
            with path.open(newline="", encoding="utf-8") as f:
                return tuple(dict(r) for r in csv.DictReader(f))
        except OSError as e:
            raise JobError(f"{where}: cannot read inputs {path}: {e.strerror}") from None
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise JobError(f"{where}: give `inputs: FILE.csv` or `rows:` as a list of NAME: VALUE maps")
    return tuple({str(k): str(v) for k, v in r.items()} for r in rows)


def _hosts(data: dict, where: Path) -> tuple[Host, ...]:
    hosts = []
    for n, h in enumerate(data.get("hosts") or []):
        if not isinstance(h, dict) or "id" not in h or "owner" not in h:
            raise JobError(f"{where}: hosts[{n}] needs at least `id` and `owner`")
        try:
            hosts.append(
                Host(
                    str(h["id"]),
                    str(h["owner"]),
                    str(h.get("hardware", "hw4")),
                    str(h.get("region", "us")),
                    int(h.get("slots", 1)),
                )
            )
        except ValueError:
            raise JobError(f"{where}: hosts[{n}].slots must be a whole number") from None
    return tuple(hosts)


def load_job(path: Path) -> Job:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise JobError(f"{path}: cannot read the job file: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise JobError(f"{path}: not YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise JobError(f"{path}: a job file is a YAML map with name, skill, scenario, rows and hosts")
    missing = [k for k in ("skill", "scenario") if k not in data]
    if missing:
        raise JobError(f"{path}: missing {', '.join(missing)}")
    base = path.parent
    return Job(
        str(data.get("name", path.stem)),
        str((base / str(data["skill"])).resolve()),
        str(data["scenario"]),
        _rows(data, base, path),
        _hosts(data, path),
    )
