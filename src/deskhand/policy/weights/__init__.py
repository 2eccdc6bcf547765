"""Shipped weights of the MiniWoB++ pixel policy; `deskhand train` writes them again."""

from pathlib import Path

DEFAULT = Path(__file__).with_name("miniwob.pt")
