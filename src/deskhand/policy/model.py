"""The pixel policy network: a small CNN over the screenshot, conditioned on the utterance.

Input: RGB plus the two text maps of `features` (where the utterance's words are drawn). A fine
stride-4 stem keeps small targets apart; a stride-8 body of dense 3x3 convs (fast on a CPU,
unlike depthwise ones) sees the whole task area. Heads: a click heat-map over a 4-pixel grid, the
action type, the key, and a pointer into the utterance (start and end character) for text to
type, since typed text is copied from the task.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from deskhand.policy.base import KINDS, NET_KEYS


@dataclass(frozen=True)
class ModelConfig:
    height: int = 210
    width: int = 160
    in_channels: int = 6  # RGB, the two text maps and the pointer mark (features.policy_input)
    channels: int = 32  # the fine stride-4 features
    wide: int = 64  # the stride-8 body
    text_dim: int = 64
    max_chars: int = 128
    word_buckets: int = 4096
    max_words: int = 32
    stride: int = 4  # heat-map cell size in pixels
    max_step: int = 31  # steps taken so far, clipped here: counting clicks needs it


def encode_chars(utterance: str, max_chars: int) -> np.ndarray:
    """Printable ASCII as 1..95, anything else as 95, padding as 0.

    >>> encode_chars("Ok!", 5).tolist()
    [48, 76, 2, 0, 0]
    """
    out = np.zeros(max_chars, np.int64)
    for i, ch in enumerate(utterance[:max_chars]):
        code = ord(ch) - 31
        out[i] = code if 1 <= code <= 95 else 95
    return out


def encode_words(utterance: str, buckets: int, max_words: int) -> np.ndarray:
    """Lower-case words hashed into 1..buckets-1 (0 pads); a stable hash, unlike Python's.

    >>> a, b = encode_words('Click "OK".', 4096, 4), encode_words("click ok", 4096, 4)
    >>> bool((a == b).all()) and int(a[2])
    0
    """
    words = re.findall(r"[a-z0-9#]+", utterance.lower())[:max_words]
    out = np.zeros(max_words, np.int64)
    for i, word in enumerate(words):
        out[i] = 1 + zlib.crc32(word.encode()) % (buckets - 1)
    return out


def grid_shape(config: ModelConfig) -> tuple[int, int]:
    """The heat map's rows and columns: the patch stem drops a partial last row and column."""
    return config.height // config.stride, config.width // config.stride


def grid_cell(x: float, y: float, config: ModelConfig) -> int:
    """The heat-map cell index of a pixel."""
    rows, cols = grid_shape(config)
    row = min(int(y) // config.stride, rows - 1)
    col = min(int(x) // config.stride, cols - 1)
    return max(row, 0) * cols + max(col, 0)


def cell_centre(index: int, config: ModelConfig) -> tuple[float, float]:
    row, col = divmod(index, grid_shape(config)[1])
    half = config.stride / 2
    return col * config.stride + half, row * config.stride + half


Reading = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # what `PixelPolicyNet.read` makes of an utterance


class _Residual(nn.Module):
    """x + relu(conv3x3(x)), dilated to widen the view without more layers."""

    def __init__(self, c: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=dilation, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + F.relu(self.conv(x))


def _film(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    return x * (1 + gamma[..., None, None]) + beta[..., None, None]


class PixelPolicyNet(nn.Module):
    """(image, chars, words, previous kind, step) -> heat-map, kind, key, copy-start and copy-end logits.

    The output also holds `start_at`, the copy start the end logits were computed for.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c, wide, d = config.channels, config.wide, config.text_dim
        rows, cols = grid_shape(config)
        self.stem = nn.Sequential(
            nn.Conv2d(config.in_channels, c, config.stride, stride=config.stride), nn.ReLU(), _Residual(c, 1)
        )
        self.down = nn.Sequential(nn.Conv2d(c, wide, 2, stride=2), nn.ReLU())
        self.where = nn.Parameter(torch.zeros(1, wide, rows // 2, cols // 2))
        self.body = nn.Sequential(_Residual(wide, 1), _Residual(wide, 2), _Residual(wide, 4))
        self.char_embed = nn.Embedding(96, d, padding_idx=0)
        self.char_pos = nn.Embedding(config.max_chars, d)  # "the first quoted phrase", not only its letters
        self.char_conv = nn.Conv1d(d, d, 5, padding=2)
        self.char_wide = nn.Conv1d(d, d, 5, padding=6, dilation=3)  # sees the word before a phrase
        self.word_embed = nn.EmbeddingBag(config.word_buckets, d, mode="sum", padding_idx=0)
        self.prev_embed = nn.Embedding(len(KINDS) + 1, d)  # the last action's kind; len(KINDS): none yet
        self.step_embed = nn.Embedding(config.max_step + 1, d)
        self.film = nn.Linear(2 * d, 2 * wide)
        self.film_fine = nn.Linear(2 * d, 2 * c)
        self.up = nn.Conv2d(wide, c, 1)
        self.heat = nn.Sequential(nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))
        self.query = nn.Linear(2 * d, wide)
        self.trunk = nn.Sequential(nn.Linear(2 * wide + 2 * d, 128), nn.ReLU())
        self.kind = nn.Linear(128, len(KINDS))
        self.key = nn.Linear(128, len(NET_KEYS))
        self.copy = nn.Linear(128, 2 * d)
        self.span = nn.Linear(d, d, bias=False)  # which ends go with the chosen start
        self.span_length = nn.Embedding(config.max_chars, 1)  # a prior over how long a copied phrase is

    def forward(
        self,
        image: torch.Tensor,
        chars: torch.Tensor,
        words: torch.Tensor,
        prev: torch.Tensor,
        step: torch.Tensor,
        start_at: torch.Tensor | None = None,
        reading: Reading | None = None,
    ) -> dict[str, torch.Tensor]:
        """image (B, in_channels, H, W) uint8, chars (B, L), words (B, K), prev and step (B,) -> logits.

        The end logits are those of a phrase starting at `start_at` (B,): the true start in
        training, the best start logit when it is None. An end picked on its own overran into the
        next field's value ("Doyle from year 2013" for "Doyle"). `reading` is `read(chars, words)`
        done already: it is the same for every step of an episode.
        """
        at = torch.arange(chars.shape[1], device=chars.device)
        per_char, char_vec, word_vec = self.read(chars, words) if reading is None else reading
        history = self.prev_embed(prev) + self.step_embed(step.clamp(0, self.config.max_step))
        text = torch.cat([char_vec, word_vec + history], 1)  # (B, 2D)

        fine = self.stem(image.float() / 255.0)  # (B, c, H/4, W/4)
        coarse = self.down(fine) + self.where  # (B, wide, H/8, W/8)
        coarse = F.relu(self.body(_film(coarse, *self.film(text).chunk(2, 1))))
        up = F.interpolate(self.up(coarse), size=fine.shape[-2:], mode="nearest")
        fine = F.relu(_film(fine + up, *self.film_fine(text).chunk(2, 1)))
        heat = self.heat(fine).flatten(1)  # (B, h*w)

        attn = (
            (coarse * self.query(text)[..., None, None]).sum(1).flatten(1).softmax(1)
        )  # where the text points
        pooled = torch.cat([(coarse.flatten(2) * attn.unsqueeze(1)).sum(2), coarse.amax((2, 3)), text], 1)
        z = self.trunk(pooled)  # (B, 128)
        q_start, q_end = self.copy(z).chunk(2, 1)  # (B, D) each
        keys = per_char.transpose(1, 2)  # (B, D, L)
        pad = (chars == 0) * -1e4
        start = torch.bmm(q_start.unsqueeze(1), keys).squeeze(1) + pad  # (B, L)
        if start_at is None:
            start_at = start.argmax(1)
        start_at = start_at.clamp(0, chars.shape[1] - 1)
        first = per_char[torch.arange(len(chars)), start_at]  # (B, D): the phrase's first character
        length = at[None] - start_at[:, None]  # (B, L): an end before the start is no end
        end = torch.bmm((q_end + self.span(first)).unsqueeze(1), keys).squeeze(1)
        end = end + self.span_length(length.clamp(min=0)).squeeze(-1) + pad + (length < 0) * -1e4
        return {
            "heat": heat,
            "kind": self.kind(z),
            "key": self.key(z),
            "start": start,
            "end": end,
            "start_at": start_at,  # the start the end logits belong to
        }

    def char_reach(self) -> int:
        """How many characters on each side `read` mixes into one, through its two convs: padding
        beyond them cannot change a real character's reading, so a caller may cut it off."""
        return sum(
            int(conv.dilation[0]) * (int(conv.kernel_size[0]) // 2)
            for conv in (self.char_conv, self.char_wide)
        )

    def read(self, chars: torch.Tensor, words: torch.Tensor) -> Reading:
        """The utterance's encoding: each character in context (B, L, D), their mean and the words (B, D)."""
        at = torch.arange(chars.shape[1], device=chars.device)
        per_char = F.relu(self.char_conv((self.char_embed(chars) + self.char_pos(at)).transpose(1, 2)))
        per_char = (per_char + F.relu(self.char_wide(per_char))).transpose(1, 2)
        mask = (chars > 0).float().unsqueeze(-1)
        char_vec = (per_char * mask).sum(1) / mask.sum(1).clamp(min=1)
        return per_char, char_vec, self.word_embed(words)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
