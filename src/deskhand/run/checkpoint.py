"""Progress of a run, written after every verified step so another desktop can resume it.

Before a step that must not run twice, the runner writes it as `pending`; once its effect
is verified, as `done`. A resumed run that finds a pending step it cannot confirm on screen
stops and asks a person rather than risk doing it twice. No input values are stored:
secrets never touch disk, and a resume is given its inputs again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deskhand.learn.skill import SkillError


@dataclass(frozen=True)
class Checkpoint:
    skill: str
    steps: int
    done: int = -1  # index of the last verified step
    pending: int | None = None  # a non-idempotent step that was started but not verified
    values_read: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """Atomically: a reader sees the old checkpoint or the new one, never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(asdict(self), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            raise SkillError(f"{path}: no such checkpoint") from None
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as e:
            raise SkillError(f"{path}: not a deskhand checkpoint ({e})") from None
