"""``python -m deskhand.scenarios.console --store PATH``: the console in the foreground, for a person.

Example: ``python -m deskhand.scenarios.console --store /tmp/console.json --port 8765 --theme dark``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from deskhand.scenarios.console.look import ELEMENTS, THEMES, ConsoleLook
from deskhand.scenarios.console.server import serve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deskhand.scenarios.console", description=__doc__)
    parser.add_argument(
        "--store", type=Path, required=True, help="store JSON; created with default tickets if missing"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--theme", choices=sorted(THEMES), default="light")
    parser.add_argument("--font-scale", type=float, default=1.0, help="1.25 = 25%% larger text everywhere")
    parser.add_argument("--banner", action="store_true", help="show the 120px announcement banner")
    parser.add_argument(
        "--hide", action="append", default=[], choices=sorted(ELEMENTS), help="leave out an element"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the default tickets of a new store")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> tuple[Path, int, ConsoleLook, int]:
    """Store path, port, look and seed from the command line; a bad look exits with status 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        look = ConsoleLook(args.theme, args.font_scale, args.banner, frozenset(args.hide))
    except ValueError as error:
        parser.error(str(error))
    return args.store, args.port, look, args.seed


def main(argv: Sequence[str] | None = None) -> None:
    serve(*parse_args(argv))


if __name__ == "__main__":
    main()
