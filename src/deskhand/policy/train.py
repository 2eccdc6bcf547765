"""Behaviour cloning of the experts' demonstrations, and the trained net wrapped as a Policy."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from deskhand.policy.base import KINDS, NET_KEYS, POINTER_KINDS, Kind, Observation, Policy, PolicyAction
from deskhand.policy.booking import FlightBooker
from deskhand.policy.demos import Demos
from deskhand.policy.features import (
    UTTERANCE_ROWS,
    named_line,
    named_start,
    policy_input,
    salient,
    shown_text,
)
from deskhand.policy.model import (
    ModelConfig,
    PixelPolicyNet,
    Reading,
    cell_centre,
    encode_chars,
    encode_words,
    grid_cell,
    grid_shape,
)
from deskhand.policy.rules import (
    Caret,
    DescribedItem,
    ListPicker,
    NamedNumber,
    NumberSort,
    Reader,
    Rule,
    SectionLink,
    SendersEmail,
    Step,
    UsersPost,
)
from deskhand.vision.background import in_blank_band
from deskhand.vision.textmap import TextMapMemo

_POINTER = torch.tensor([k in POINTER_KINDS for k in KINDS])
_TYPE, _KEY = KINDS.index(Kind.TYPE), KINDS.index(Kind.KEY)
_TORN, _LIKELY = 5, 0.05  # the copy head is torn when more than one of its best starts is this likely
_SURE = 0.5  # the click head is torn when less likely than this to click near where it would


@dataclass(frozen=True)
class TrainConfig:
    minutes: float = 20.0
    max_steps: int = 100_000
    batch: int = 32
    lr: float = 2e-3
    threads: int = 2
    seed: int = 0
    shift: int = 6  # random translation in pixels, so that clicks follow what is drawn, not where
    bf16: bool | None = None  # the forward pass in bfloat16; None: if the CPU has it in hardware


@dataclass(frozen=True)
class Batch:
    image: torch.Tensor
    chars: torch.Tensor
    words: torch.Tensor
    prev: torch.Tensor  # the previous action's kind index; len(KINDS) at an episode's start
    step: torch.Tensor  # actions taken so far in the episode
    kind: torch.Tensor
    cell: torch.Tensor
    key: torch.Tensor
    start: torch.Tensor
    end: torch.Tensor


def tensors(demos: Demos, model: ModelConfig) -> Batch:
    """The whole demonstration set as tensors, labels included; inputs get their extra channels here."""
    images = np.empty((len(demos), model.in_channels, *demos.frames.shape[1:3]), np.uint8)
    prev = np.full(len(demos), len(KINDS), np.int64)
    for i, (frame, utterance) in enumerate(zip(demos.frames, demos.utterances, strict=True)):
        kind, (x, y) = None, (0.0, 0.0)
        if demos.steps[i] > 0:  # rows of an episode are consecutive
            prev[i] = demos.kinds[i - 1]
            kind, (x, y) = KINDS[int(demos.kinds[i - 1])], demos.xy[i - 1]
        images[i] = policy_input(frame, utterance, kind, x, y).transpose(2, 0, 1)
    return Batch(
        image=torch.from_numpy(images),
        prev=torch.from_numpy(prev),
        step=torch.from_numpy(demos.steps),
        chars=torch.from_numpy(np.stack([encode_chars(u, model.max_chars) for u in demos.utterances])),
        words=torch.from_numpy(
            np.stack([encode_words(u, model.word_buckets, model.max_words) for u in demos.utterances])
        ),
        kind=torch.from_numpy(demos.kinds),
        cell=torch.tensor([grid_cell(x, y, model) for x, y in demos.xy]),
        key=torch.from_numpy(demos.keys),
        start=torch.from_numpy(demos.spans[:, 0]),
        end=torch.from_numpy(np.maximum(demos.spans[:, 1] - 1, 0)),
    )


def loss_of(out: dict[str, torch.Tensor], b: Batch) -> torch.Tensor:
    """Action type always; the click cell, key or copied span only where that kind was done."""
    loss = F.cross_entropy(out["kind"], b.kind)
    pointer = _POINTER[b.kind]
    if pointer.any():
        loss = loss + F.cross_entropy(out["heat"][pointer], b.cell[pointer])
    typed = b.kind == _TYPE
    if typed.any():
        loss = loss + F.cross_entropy(out["start"][typed], b.start[typed])
        loss = loss + F.cross_entropy(out["end"][typed], b.end[typed])
    keyed = b.kind == _KEY
    if keyed.any():
        loss = loss + F.cross_entropy(out["key"][keyed], b.key[keyed])
    return loss


def _shifted(data: Batch, idx: torch.Tensor, shift: int, model: ModelConfig, gen: torch.Generator) -> Batch:
    """A batch translated by whole heat-map cells (wrapping round at the edges), labels moved with it."""
    image, cell = data.image[idx].clone(), data.cell[idx].clone()
    cols, rows = model.width // model.stride, model.height // model.stride
    if shift >= model.stride:
        steps = shift // model.stride
        for i in range(len(idx)):
            dx, dy = (int(v) for v in torch.randint(-steps, steps + 1, (2,), generator=gen))
            image[i] = torch.roll(image[i], (dy * model.stride, dx * model.stride), (1, 2))
            r, c = divmod(int(cell[i]), cols)
            cell[i] = min(max(r + dy, 0), rows - 1) * cols + min(max(c + dx, 0), cols - 1)
    return dataclasses.replace(
        data,
        image=image,
        chars=data.chars[idx],
        words=data.words[idx],
        prev=data.prev[idx],
        step=data.step[idx],
        kind=data.kind[idx],
        cell=cell,
        key=data.key[idx],
        start=data.start[idx],
        end=data.end[idx],
    )


def train(
    demos: Demos,
    config: TrainConfig,
    model: ModelConfig | None = None,
    on_step: Callable[[int, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    weights: np.ndarray | None = None,
) -> PixelPolicyNet:
    """Fit a fresh net to the demonstrations until the step or time budget runs out.

    Rows are drawn uniformly, or in proportion to `weights` (N,), e.g. to keep a task with long
    episodes from crowding out one with short ones.
    """
    if not len(demos):
        raise ValueError("no demonstrations to train on")
    if weights is not None and (
        weights.shape != (len(demos),) or not (weights >= 0).all() or not weights.any()
    ):
        raise ValueError("weights must be one non-negative number per row, not all zero")
    draw = None if weights is None else torch.from_numpy(np.asarray(weights, np.float64))
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    model = model or ModelConfig()
    net = PixelPolicyNet(model)
    data = tensors(demos, model)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(config.seed)
    deadline = clock() + config.minutes * 60
    bf16 = hardware_bf16() if config.bf16 is None else config.bf16
    net.train()
    for step in range(config.max_steps):
        if clock() > deadline:
            break
        progress = max(step / config.max_steps, 1 - (deadline - clock()) / (config.minutes * 60))
        for group in opt.param_groups:  # cosine decay over whichever budget runs out first
            group["lr"] = config.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        size = min(config.batch, len(demos))
        if draw is None:
            idx = torch.randint(0, len(demos), (size,), generator=gen)
        else:
            idx = torch.multinomial(draw, size, replacement=True, generator=gen)
        batch = _shifted(data, idx, config.shift, model, gen)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = net(batch.image, batch.chars, batch.words, batch.prev, batch.step, batch.start)
        loss = loss_of(to_float32(out), batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if on_step:
            on_step(step, loss.item())
    return net.eval()


def hardware_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX); elsewhere it is emulated, slower."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def save_net(net: PixelPolicyNet, path: Path, tasks: list[str] | None = None) -> None:
    """Weights as float16 (half the size), with the model config and the tasks demonstrated beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    blob: dict[str, object] = {"config": dataclasses.asdict(net.config), "state": state}
    if tasks is not None:
        blob["tasks"] = sorted(tasks)
    torch.save(blob, path)


class WeightsError(Exception):
    """A weights file that cannot be read, or was made for another version of the net."""


def load_net(path: Path) -> PixelPolicyNet:
    blob = _weights_file(path)
    try:
        net = PixelPolicyNet(ModelConfig(**blob["config"]))
        net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["state"].items()})
    except (RuntimeError, KeyError, TypeError, AttributeError) as e:
        raise _not_weights(path, e) from None
    return net.eval()


def trained_tasks(path: Path) -> set[str] | None:
    """The tasks whose demonstrations the weights were trained on; None if the file does not say."""
    try:
        tasks = _weights_file(path).get("tasks")
    except WeightsError:
        return None
    return set(tasks) if isinstance(tasks, list) else None


def _weights_file(path: Path) -> dict[str, Any]:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, EOFError, RuntimeError, pickle.UnpicklingError) as e:
        raise _not_weights(path, e) from None
    if not isinstance(blob, dict):
        raise _not_weights(path, TypeError(f"a {type(blob).__name__}, not a dict"))
    return blob


def _not_weights(path: Path, e: Exception) -> WeightsError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return WeightsError(f"{path}: not weights for this version of the policy ({first}); run `deskhand train`")


class NetPolicy(Policy):
    """The trained net as a Policy: the best action of the heads, typed text copied from the utterance.

    An action already done on this very screen (to the pixel) did nothing visible, so it is not
    done again: the next best one is tried instead, as a person would, rather than a loop to the
    step limit. A pointer move is how the policy waits, and the page may change only later (an
    autocomplete menu shows 300 ms after the last key), so it may wait `patience` times on a
    still screen before a move there counts as tried. Likewise a phrase already typed in this
    episode gives way to the next likely one that is not (a form's fields each take their own
    value), unless no other is likely: then it is meant to be typed again ("the password into
    both fields"). A wait is not waited again on the spot once the screen has moved and settled:
    the policy acts there instead. When the utterance names nothing to type, what is typed is
    read off the screen; when the copy head is torn between phrases, the label of the field just
    clicked, read off the screen, picks one; and when the click head is torn and would click a
    line of text, a line holding more of the utterance's quoted phrases is clicked instead.
    Last, the rules of `policy.rules` keep or replace the action, in turn: a click goes to the
    item the utterance describes or to the named sender's row, keys step a shown number to the
    named one, a list's named rows are picked from the keyboard, and drags sort listed numbers.
    A rule that takes a step whole (it watches a panel slide open, a look every few
    milliseconds) is asked first, and the net makes no pass.

    `bf16` runs the net's pass in bfloat16, as it was trained, where the CPU has it in hardware
    (None: if it does); elsewhere bfloat16 is emulated and slower than float32.
    """

    def __init__(
        self, net: PixelPolicyNet, max_text: int = 40, patience: int = 3, bf16: bool | None = None
    ) -> None:
        # Channels-last convs run about a third faster on one core; the screenshot already is (H, W, C).
        # `to` converts the net in place: it is the policy's from here on.
        self.net, self.max_text, self.patience = net.eval(), max_text, patience
        self.bf16 = hardware_bf16() if bf16 is None else bf16
        self.net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # documented, not in the stubs
        self.reader = Reader()
        self.picker = ListPicker(self.reader)
        self.rules: tuple[Rule, ...] = (
            DescribedItem(),
            SendersEmail(self.reader),
            NamedNumber(self.reader),
            self.picker,
            NumberSort(self.reader),
            UsersPost(self.reader),
            FlightBooker(self.reader),
            SectionLink(self.reader),
            Caret(),
        )
        self.reset()

    def reset(self) -> None:
        self.prev: PolicyAction | None = None
        self.step = 0
        self.screen: np.ndarray | None = None
        self.tried: set[PolicyAction] = set()
        self.waits = 0  # pointer moves on this still screen
        self.typed: set[int] = set()  # where in the utterance each phrase typed so far starts
        self.reading: tuple[str, torch.Tensor, torch.Tensor, Reading] | None = None
        self.seen = TextMapMemo()  # the text maps of the screen before: a step matches only what changed
        self.reader.reset()
        for rule in self.rules:
            rule.reset()

    def act(self, obs: Observation) -> PolicyAction:
        cfg, prev = self.net.config, self.prev
        kind = None if prev is None else prev.kind
        x, y = (0.0, 0.0) if prev is None else (prev.x, prev.y)
        taker = next((rule for rule in self.rules if rule.takes(obs)), None)
        if taker is not None:  # the net's pass, and its text maps, would be thrown away
            held = PolicyAction(Kind.MOVE, x=x, y=y)
            no_maps = np.zeros((0, 0, 2), np.uint8)
            self.prev = taker(Step(obs, held, prev, self.step, lambda _: held, no_maps))
            self.step += 1
            return self.prev
        pixels = policy_input(obs.screenshot, obs.utterance, kind, x, y, self.seen)
        image = torch.from_numpy(pixels).permute(2, 0, 1)[None]
        prev_index = torch.tensor([len(KINDS) if kind is None else KINDS.index(kind)])
        step = torch.tensor([self.step])
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            chars, words, reading = self._read(obs.utterance)
            out = to_float32(self.net(image, chars, words, prev_index, step, reading=reading))
            # The ends of another phrase take one more pass, only when the start changes.
            for start_at in (untyped_start(out, self.typed), self._named_start(obs, out, prev)):
                if start_at is not None and start_at != int(out["start_at"][0]):
                    start = torch.tensor([start_at])
                    out = to_float32(self.net(image, chars, words, prev_index, step, start, reading))
        changed = self.screen is None or not np.array_equal(obs.screenshot, self.screen)
        if changed:
            self.screen, self.tried, self.waits = obs.screenshot.copy(), set(), 0
        waited = prev if prev is not None and prev.kind is Kind.MOVE and changed else None
        # Only the first screen, settled, is sure to have nothing on its way: later the net clicks
        # where a calendar is about to fade in, or on the blank page to close one (choose-date-easy).
        pointless = functools.partial(clicks_nothing, obs) if self.step == 0 else None
        self.prev = decode(out, obs.utterance, cfg, self.max_text, self.tried, waited, pointless)
        if self.prev.kind is Kind.TYPE and salient(obs.utterance) == ([], []):
            shown = self._type_what_is_shown(obs)
            self.prev = shown if shown is not None and shown not in self.tried else self.prev
        if self.prev.kind is Kind.CLICK and near_mass(out["heat"][0], self.prev, cfg) < _SURE:
            named = self._click_named_line(obs, self.prev)
            self.prev = named if named is not None and named not in self.tried else self.prev

        def instead(kinds: frozenset[Kind]) -> PolicyAction:
            return decode(out, obs.utterance, cfg, self.max_text, self.tried, waited, pointless, kinds)

        for rule in self.rules:
            self.prev = rule(Step(obs, self.prev, prev, self.step, instead, pixels[..., 3:5]))
        self.waits += self.prev.kind is Kind.MOVE
        if self.prev.kind is not Kind.MOVE or self.waits >= self.patience:
            self.tried.add(self.prev)
        if self.prev.kind is Kind.TYPE:
            self.typed.add(int(out["start_at"][0]))
        self.step += 1
        return self.prev

    def _named_start(
        self, obs: Observation, out: dict[str, torch.Tensor], prev: PolicyAction | None
    ) -> int | None:
        """Where to copy from when the copy head is torn between phrases it has not typed yet and
        the field just clicked has a label (read by OCR) naming one of them: multi-layouts' form
        shuffles its fields, and the net cannot read "Director Name" to know that "Padilla" goes
        there. None when the head is sure, nothing was clicked, or the label settles nothing.
        """
        if (
            KINDS[int(out["kind"][0].argmax())] is not Kind.TYPE
            or self.picker.active  # the list rule acts instead
            or prev is None
            or prev.kind is not Kind.CLICK
            or salient(obs.utterance) == ([], [])  # nothing named: what is typed is read off the screen
        ):
            return None
        utterance, p = obs.utterance, out["start"][0].softmax(0)
        likely = [
            start
            for start in p.argsort(descending=True)[:_TORN].tolist()
            if p[start] >= _LIKELY
            and start not in self.typed
            and utterance[start - 1 : start] in ("", " ", '"')
        ]
        if len(likely) < 2:
            return None
        return named_start(self.reader.lines(obs.screenshot), prev.x, prev.y, utterance, likely)

    def _click_named_line(self, obs: Observation, click: PolicyAction) -> PolicyAction | None:
        """The click head is torn and its click is on a line of text: the one line that holds more
        of the utterance's quoted phrases, read by OCR, is clicked instead (the net cannot tell
        "Burundi" from "Bulgaria" in an autocomplete menu: its text maps match whole words only).
        """
        if not salient(obs.utterance)[0]:
            return None
        line = named_line(self.reader.lines(obs.screenshot), click.x, click.y, obs.utterance)
        return None if line is None else PolicyAction(Kind.CLICK, x=line.center[0], y=line.center[1])

    def _type_what_is_shown(self, obs: Observation) -> PolicyAction | None:
        """The utterance names nothing to type, so the text is on the screen: read it (OCR, below
        the instruction). The copy head cannot point there, having learned to copy from the
        utterance alone; rapidocr's models load on the first such step only.
        """
        text = shown_text(self.reader.lines(obs.screenshot), obs.utterance)
        return None if text is None else PolicyAction(Kind.TYPE, text=text)

    def _read(self, utterance: str) -> tuple[torch.Tensor, torch.Tensor, Reading]:
        """The utterance encoded and read by the net, once for all the steps it stays the same.

        The padding past the utterance's reach is cut off: no real character's reading sees it, and
        a short utterance is read in half the time (0.48 ms against 0.95).
        """
        if self.reading is None or self.reading[0] != utterance:
            cfg = self.net.config
            chars = torch.from_numpy(encode_chars(utterance, cfg.max_chars))[
                None, : len(utterance) + self.net.char_reach()
            ]
            words = torch.from_numpy(encode_words(utterance, cfg.word_buckets, cfg.max_words))[None]
            self.reading = utterance, chars, words, self.net.read(chars, words)
        return self.reading[1:]


def to_float32(out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The net's outputs in float32, whichever precision its pass ran in."""
    return {k: v.float() if v.is_floating_point() else v for k, v in out.items()}


def clicks_nothing(obs: Observation, action: PolicyAction) -> bool:
    """A click in rows left blank from edge to edge, below the instruction: nothing there to hit.

    In text-transform the net would aim between the field and the button, and type into nothing.
    """
    if action.kind not in (Kind.CLICK, Kind.DBLCLICK) or action.y < UTTERANCE_ROWS:
        return False
    return in_blank_band(obs.screenshot[UTTERANCE_ROWS:], action.y - UTTERANCE_ROWS)


def near_mass(heat: torch.Tensor, at: PolicyAction, cfg: ModelConfig, reach: int = 2) -> float:
    """How likely the click head is to click within `reach` cells of `at`: a button spans a few
    cells, and a head sure of it may split itself evenly between two of them.
    """
    cols = grid_shape(cfg)[1]
    row, col = divmod(grid_cell(at.x, at.y, cfg), cols)
    p = heat.softmax(0).view(-1, cols)
    return float(p[max(row - reach, 0) : row + reach + 1, max(col - reach, 0) : col + reach + 1].sum())


def untyped_start(out: dict[str, torch.Tensor], typed: set[int], floor: float = 0.05) -> int | None:
    """Where to copy from instead, when the kind head would type and its best start was typed already.

    None when the best start is new, or when no other start has at least `floor` probability.
    """
    if KINDS[int(out["kind"][0].argmax())] is not Kind.TYPE or int(out["start_at"][0]) not in typed:
        return None
    p = out["start"][0].softmax(0)
    for start in p.argsort(descending=True).tolist():
        if p[start] < floor:
            return None
        if start not in typed:
            return start
    return None


def decode(
    out: dict[str, torch.Tensor],
    utterance: str,
    cfg: ModelConfig,
    max_text: int = 40,
    avoid: set[PolicyAction] | frozenset[PolicyAction] = frozenset(),
    waited_at: PolicyAction | None = None,
    pointless: Callable[[PolicyAction], bool] | None = None,
    shun: frozenset[Kind] = frozenset(),
) -> PolicyAction:
    """The first row of the heads' logits as the best action not in `avoid` (the best, if all are)
    and of no kind in `shun` (a rule's: the list is picked, no more keys).

    A pointer action within two heat-map cells of an avoided one of its kind counts as that one:
    the cell next door is most likely the same button. `waited_at` is a pointer move after which
    the screen moved and then settled: that wait is over, so if the best action is to wait there
    again, the best action of another kind is taken instead (choose-date-easy's second wait for
    a calendar already gone). An action `pointless` says can do nothing here (a click on the
    blank page) is passed over for the next best of its kind, if any: not for another kind.
    """
    near = 2 * cfg.stride
    ranked: Iterator[PolicyAction] = (a for a in _ranked(out, utterance, cfg, max_text) if a.kind not in shun)
    if waited_at is not None:
        first = next(ranked)
        again = first.kind is Kind.MOVE and _same_place(first, waited_at, near)
        ranked = (a for a in ranked if a.kind is not Kind.MOVE) if again else itertools.chain([first], ranked)
    best = idle = None
    for action in ranked:
        if idle is not None and action.kind is not idle.kind:
            return idle
        if not any(
            a.kind is action.kind
            and a.key == action.key
            and a.text == action.text
            and _same_place(a, action, near)
            for a in avoid
        ):
            if not (pointless and pointless(action)):
                return action
            idle = idle or action
        best = best or action
    assert best is not None  # _ranked always yields
    return idle or best


def _same_place(a: PolicyAction, b: PolicyAction, near: float) -> bool:
    return abs(a.x - b.x) <= near and abs(a.y - b.y) <= near


def _ranked(
    out: dict[str, torch.Tensor], utterance: str, cfg: ModelConfig, max_text: int, cells: int = 32
) -> Iterator[PolicyAction]:
    """Actions best first: each kind in the kind head's order, then its `cells` hottest cells or its keys."""
    for k in out["kind"][0].argsort(descending=True).tolist():
        kind = KINDS[k]
        if kind is Kind.TYPE:
            start = int(out["start_at"][0])
            ends = out["end"][0, start : start + max_text]
            yield PolicyAction(Kind.TYPE, text=utterance[start : start + int(ends.argmax()) + 1])
        elif kind is Kind.KEY:
            for key in out["key"][0].argsort(descending=True).tolist():
                yield PolicyAction(Kind.KEY, key=NET_KEYS[key])
        else:
            for cell in out["heat"][0].argsort(descending=True)[:cells].tolist():
                x, y = cell_centre(cell, cfg)
                yield PolicyAction(kind, x=x, y=y)
