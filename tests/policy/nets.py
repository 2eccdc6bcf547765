"""Nets for policy tests: tiny, and with heads a test sets."""

from __future__ import annotations

import torch

from deskhand.policy.base import KINDS, Kind
from deskhand.policy.model import ModelConfig, PixelPolicyNet, grid_cell
from deskhand.policy.train import NetPolicy

SMALL = ModelConfig(channels=8, wide=16, text_dim=8, max_chars=32, word_buckets=64, max_words=8)


class ClickHead(PixelPolicyNet):
    """A net that would click, its heat set by the test: the first of `cells` hottest, the others
    nearly as hot (one cell alone: the head is sure).
    """

    def __init__(self, cells: list[tuple[float, float]]) -> None:
        super().__init__(SMALL)
        self.cells = cells
        self.kind.bias.data[KINDS.index(Kind.CLICK)] = 100.0

    def forward(self, *args: object, **kwargs: object) -> dict[str, torch.Tensor]:
        out = super().forward(*args, **kwargs)  # type: ignore[arg-type]
        heat = torch.full_like(out["heat"], -20.0)
        for i, (x, y) in enumerate(self.cells):
            heat[0, grid_cell(x, y, SMALL)] = 5.0 if i == 0 else 4.9
        return {**out, "heat": heat}


def policy_that_would(kind: Kind) -> NetPolicy:
    # float32 on every CPU: a random net's cells are near-tied, and bfloat16 would order them otherwise
    policy = NetPolicy(PixelPolicyNet(SMALL), bf16=False)
    policy.net.kind.bias.data[KINDS.index(kind)] = 100.0
    return policy
