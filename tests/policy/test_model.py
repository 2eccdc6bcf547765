"""The network's pure parts: utterance encoding, the heat-map grid, the heads and decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tests.policy.nets import SMALL, ClickHead, policy_that_would

from deskhand.policy.base import KEYS, KINDS, NET_KEYS, Kind, Observation, PolicyAction
from deskhand.policy.demos import Demos
from deskhand.policy.features import policy_input
from deskhand.policy.model import (
    ModelConfig,
    PixelPolicyNet,
    cell_centre,
    encode_chars,
    encode_words,
    grid_cell,
    parameter_count,
)
from deskhand.policy.train import (
    NetPolicy,
    TrainConfig,
    WeightsError,
    clicks_nothing,
    decode,
    load_net,
    near_mass,
    save_net,
    to_float32,
    train,
    trained_tasks,
    untyped_start,
)


def test_chars_are_padded_truncated_and_non_ascii_is_one_symbol():
    codes = encode_chars("é" + "a" * 40, 32)
    assert codes.shape == (32,)
    assert codes[0] == 95 and (codes[1:] == ord("a") - 31).all()
    assert (encode_chars("", 4) == 0).all()


def test_words_ignore_case_and_punctuation():
    assert (encode_words('Click "Submit".', 64, 4) == encode_words("click submit", 64, 4)).all()
    assert encode_words("a b c d e f", 64, 3).shape == (3,)


def test_grid_cell_and_centre_round_trip_within_a_cell():
    cfg = ModelConfig()
    for x, y in [(0, 0), (37.5, 120.2), (159, 209)]:
        cx, cy = cell_centre(grid_cell(x, y, cfg), cfg)
        assert abs(cx - min(x, 159)) <= cfg.stride and abs(cy - min(y, 207)) <= cfg.stride


def test_heads_have_one_logit_per_cell_kind_key_and_character():
    net = PixelPolicyNet(SMALL)
    out = net(
        torch.zeros(2, SMALL.in_channels, 210, 160, dtype=torch.uint8),
        torch.ones(2, 32, dtype=torch.long),
        torch.ones(2, 8, dtype=torch.long),
        torch.zeros(2, dtype=torch.long),
        torch.tensor([0, 99]),  # steps past the last embedded one count as the last
    )
    assert out["heat"].shape == (2, (210 // 4) * (160 // 4))
    assert out["kind"].shape == (2, len(KINDS))
    assert out["key"].shape == (2, len(NET_KEYS))
    assert out["start"].shape == out["end"].shape == (2, 32)


def test_a_copied_phrase_ends_at_or_after_its_start():
    net = PixelPolicyNet(SMALL)
    args = (
        torch.zeros(2, SMALL.in_channels, 210, 160, dtype=torch.uint8),
        torch.ones(2, 32, dtype=torch.long),
        torch.ones(2, 8, dtype=torch.long),
        torch.zeros(2, dtype=torch.long),
        torch.zeros(2, dtype=torch.long),
    )
    end = net(*args, start_at=torch.tensor([5, 20]))["end"]
    assert (end[0, :5] < -1e3).all() and (end[0, 5:] > -1e3).all()
    assert (end[1, :20] < -1e3).all() and (end[1, 20:] > -1e3).all()
    free = net(*args)  # without a start given, the ends follow the best start logit
    best = free["start"].argmax(1)
    assert all((free["end"][i, : int(b)] < -1e3).all() for i, b in enumerate(best))


def test_default_model_is_within_the_size_budget():
    assert parameter_count(PixelPolicyNet(ModelConfig())) <= 20_000_000


def test_decode_copies_typed_text_from_the_utterance():
    utterance = 'Enter "Kathy" here'
    out = {
        "kind": torch.eye(len(KINDS))[[KINDS.index(Kind.TYPE)]],
        "start": torch.eye(32)[[7]],
        "start_at": torch.tensor([7]),  # the start the end logits belong to
        "end": torch.eye(32)[[11]],
        "heat": torch.zeros(1, 10),
        "key": torch.zeros(1, len(NET_KEYS)),
    }
    action = decode(out, utterance, SMALL)
    assert (action.kind, action.text) == (Kind.TYPE, "Kathy")


def test_decode_clicks_at_the_hottest_cell():
    cfg = ModelConfig()
    heat = torch.zeros(1, 52 * 40)
    heat[0, grid_cell(100, 150, cfg)] = 5.0
    out = {"kind": torch.eye(len(KINDS))[[KINDS.index(Kind.CLICK)]], "heat": heat}
    action = decode(out, "", cfg)
    assert action.kind is Kind.CLICK and abs(action.x - 100) <= 4 and abs(action.y - 150) <= 4


def test_rows_with_no_weight_are_never_learned_from():
    """Half the rows say click, half say press Enter; only the Enter rows carry weight."""
    n = 16
    demos = Demos(
        frames=np.full((n, 210, 160, 3), 255, np.uint8),
        utterances=["Press Enter."] * n,
        kinds=np.array([KINDS.index(Kind.CLICK), KINDS.index(Kind.KEY)] * (n // 2)),
        xy=np.full((n, 2), 50, np.float32),
        keys=np.zeros(n, np.int64),
        spans=np.zeros((n, 2), np.int64),
        steps=np.zeros(n, np.int64),
    )
    weights = np.array([0.0, 1.0] * (n // 2))
    net = train(demos, TrainConfig(max_steps=40, batch=8, threads=1), model=SMALL, weights=weights)
    action = NetPolicy(net).act(Observation(demos.frames[0], "Press Enter."))
    assert action.kind is Kind.KEY


def test_the_policy_counts_its_actions_so_the_same_screen_can_mean_a_different_next_step():
    """Press Enter twice, then click: the screen, utterance and last action kind never tell them apart."""
    enter, click = KINDS.index(Kind.KEY), KINDS.index(Kind.CLICK)
    demos = Demos(
        frames=np.full((12, 210, 160, 3), 255, np.uint8),
        utterances=["Press Enter twice, then click."] * 12,
        kinds=np.array([enter, enter, click] * 4),
        xy=np.full((12, 2), 50, np.float32),
        keys=np.full(12, KEYS.index("<Enter>")),
        spans=np.zeros((12, 2), np.int64),
        steps=np.array([0, 1, 2] * 4),
    )
    policy = NetPolicy(train(demos, TrainConfig(max_steps=60, batch=12, threads=1), model=SMALL))
    obs = Observation(demos.frames[0], demos.utterances[0])
    for _ in range(2):
        assert [policy.act(obs).kind for _ in range(3)] == [Kind.KEY, Kind.KEY, Kind.CLICK]
        policy.reset()


def test_weights_must_be_one_non_negative_number_per_row():
    demos = Demos(np.zeros((2, 210, 160, 3), np.uint8), ["a", "b"], np.zeros(2, np.int64),
                  np.zeros((2, 2), np.float32), np.zeros(2, np.int64), np.zeros((2, 2), np.int64),
                  np.zeros(2, np.int64))  # fmt: skip
    with pytest.raises(ValueError, match="weights"):
        train(demos, TrainConfig(max_steps=1), model=SMALL, weights=np.array([1.0]))


def test_weights_of_another_net_version_are_one_clear_error(tmp_path):
    old = tmp_path / "old.pt"
    torch.save({"config": {"channels": 8}, "state": {"key.weight": torch.zeros(7, 128)}}, old)
    with pytest.raises(WeightsError, match="run `deskhand train`"):
        load_net(old)
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(WeightsError, match=r"junk\.pt"):
        load_net(tmp_path / "junk.pt")
    (tmp_path / "empty.pt").write_bytes(b"")  # a copy cut short: click would print only "Aborted."
    with pytest.raises(WeightsError, match=r"empty\.pt"):
        load_net(tmp_path / "empty.pt")
    assert trained_tasks(tmp_path / "empty.pt") is None


def test_weights_name_the_tasks_they_were_trained_on_and_older_ones_say_nothing(tmp_path):
    net = PixelPolicyNet(SMALL)
    save_net(net, tmp_path / "new.pt", ["login-user", "click-button"])
    save_net(net, tmp_path / "old.pt")
    assert trained_tasks(tmp_path / "new.pt") == {"click-button", "login-user"}
    assert trained_tasks(tmp_path / "old.pt") is None
    assert trained_tasks(tmp_path / "missing.pt") is None
    assert load_net(tmp_path / "new.pt").config == SMALL


def _heads(kind: Kind, start_logits: list[float]) -> dict[str, torch.Tensor]:
    kinds = torch.zeros(1, len(KINDS))
    kinds[0, KINDS.index(kind)] = 5.0
    start = torch.tensor([start_logits])
    return {"kind": kinds, "start": start, "start_at": start.argmax(1)}


def test_a_phrase_typed_already_gives_way_to_the_next_likely_one():
    three_fields = _heads(Kind.TYPE, [0.0, 2.1, -9.0, 2.0, -9.0, 1.9])  # three phrases about as likely
    assert untyped_start(three_fields, typed={1}) == 3
    assert untyped_start(three_fields, typed={1, 3}) == 5
    assert untyped_start(three_fields, typed=set()) is None  # its best is new: keep it


def test_a_phrase_with_no_likely_other_is_typed_again_as_in_both_password_fields():
    one_phrase = _heads(Kind.TYPE, [9.0, -9.0, -9.0, -9.0])
    assert untyped_start(one_phrase, typed={0}) is None
    assert untyped_start(_heads(Kind.CLICK, [0.0, 2.1, 2.0]), typed={1}) is None  # not about to type


def test_decode_skips_an_avoided_click_and_its_neighbouring_cells_for_the_next_hottest_place():
    cfg = ModelConfig()
    heat = torch.zeros(1, 52 * 40)
    heat[0, grid_cell(100, 150, cfg)] = 5.0
    heat[0, grid_cell(104, 150, cfg)] = 4.0  # the same button, one cell over
    heat[0, grid_cell(30, 40, cfg)] = 3.0
    out = {"kind": torch.eye(len(KINDS))[[KINDS.index(Kind.CLICK)]], "heat": heat}
    first = decode(out, "", cfg)
    second = decode(out, "", cfg, avoid={first})
    assert abs(second.x - 30) <= 4 and abs(second.y - 40) <= 4
    assert decode(out, "", cfg, avoid={PolicyAction(Kind.DBLCLICK, x=first.x, y=first.y)}) == first


def test_decode_passes_over_a_click_that_would_meet_nothing_for_the_next_hottest_place():
    cfg = ModelConfig()
    heat = torch.zeros(1, 52 * 40)
    heat[0, grid_cell(100, 150, cfg)] = 5.0
    heat[0, grid_cell(30, 60, cfg)] = 3.0
    out = {
        "kind": torch.eye(len(KINDS))[[KINDS.index(Kind.CLICK)]],
        "heat": heat,
        "key": torch.zeros(1, len(NET_KEYS)),
        "start_at": torch.tensor([0]),
        "end": torch.zeros(1, 4),
    }
    blank_below_120 = lambda a: a.y > 120  # noqa: E731
    best = decode(out, "", cfg, pointless=blank_below_120)
    assert abs(best.x - 30) <= 4 and abs(best.y - 60) <= 4
    assert decode(out, "", cfg, pointless=lambda a: True) == decode(out, "", cfg)  # nothing better: the best
    kinds = torch.zeros(1, len(KINDS))
    kinds[0, KINDS.index(Kind.CLICK)], kinds[0, KINDS.index(Kind.KEY)] = 3.0, 2.0
    keyed = decode({**out, "kind": kinds}, "", cfg, pointless=lambda a: a.kind is Kind.CLICK)
    assert keyed == decode({**out, "kind": kinds}, "", cfg)  # a pointless click is not traded for a key


def test_a_click_in_blank_rows_below_the_instruction_clicks_nothing():
    blank = np.full((210, 160, 3), 255, np.uint8)
    field = blank.copy()
    field[100, 20:140] = field[120, 20:140] = field[100:121, 20] = field[100:121, 139] = 120
    click = PolicyAction(Kind.CLICK, x=80, y=110)
    assert clicks_nothing(Observation(blank, ""), click)
    assert not clicks_nothing(Observation(field, ""), click)  # inside the field now
    assert not clicks_nothing(Observation(blank, ""), PolicyAction(Kind.CLICK, x=80, y=30))  # the instruction
    assert not clicks_nothing(Observation(blank, ""), PolicyAction(Kind.MOVE, x=80, y=110))  # a wait


def test_the_first_click_of_an_episode_is_not_made_in_blank_rows_but_later_ones_may_be(monkeypatch):
    screen = np.full((210, 160, 3), 255, np.uint8)
    screen[110:200, 20:140] = 200  # the one thing drawn below the instruction: a panel
    obs = Observation(screen, "Press the button.")
    torch.manual_seed(0)
    policy = policy_that_would(Kind.CLICK)
    twin = NetPolicy(PixelPolicyNet(SMALL), bf16=False)
    twin.net.load_state_dict(policy.net.state_dict())
    first = policy.act(obs)
    with monkeypatch.context() as m:
        m.setattr("deskhand.policy.train.clicks_nothing", lambda obs, action: False)
        unruled = [twin.act(obs) for _ in range(2)]
    assert clicks_nothing(obs, unruled[0])  # the net alone would click the blank page first
    assert first.kind is Kind.CLICK and not clicks_nothing(obs, first)
    policy.tried.clear()  # the same choice again, one step on
    assert policy.act(obs) == unruled[1]


def test_a_wait_the_screen_has_settled_from_is_not_waited_again_on_the_spot():
    cfg = ModelConfig()
    heat = torch.zeros(1, 52 * 40)
    heat[0, grid_cell(100, 150, cfg)] = 5.0
    kinds = torch.zeros(1, len(KINDS))
    kinds[0, KINDS.index(Kind.MOVE)], kinds[0, KINDS.index(Kind.CLICK)] = 3.0, 2.0
    out = {"kind": kinds, "heat": heat, "key": torch.zeros(1, len(NET_KEYS))}
    waits = decode(out, "", cfg)
    assert waits.kind is Kind.MOVE
    acts = decode(out, "", cfg, waited_at=waits)
    assert (acts.kind, acts.x, acts.y) == (Kind.CLICK, waits.x, waits.y)
    elsewhere = PolicyAction(Kind.MOVE, x=30, y=40)
    assert decode(out, "", cfg, waited_at=elsewhere) == waits  # a wait in a new place is a new wait


def test_the_policy_never_repeats_an_action_on_a_screen_it_left_unchanged():
    policy = policy_that_would(Kind.CLICK)
    still = Observation(np.full((210, 160, 3), 255, np.uint8), 'Click "OK".')
    tried = [policy.act(still) for _ in range(5)]
    assert len(set(tried)) == 5
    policy.reset()
    assert policy.act(still) == tried[0]  # a new episode may try it again


def test_the_policy_waits_on_the_spot_a_few_times_for_a_still_screen_to_change():
    policy = policy_that_would(Kind.MOVE)
    policy.net.heat[2].weight.data.zero_()  # the same hottest cell whatever the input
    still = Observation(np.full((210, 160, 3), 255, np.uint8), 'Enter "Bu".')
    moves = [policy.act(still) for _ in range(4)]
    assert {m.kind for m in moves} == {Kind.MOVE}
    assert moves[0] == moves[1] == moves[2] != moves[3]  # the fourth wait is somewhere else
    menu = Observation(np.full((210, 160, 3), 200, np.uint8), still.utterance)
    again = [policy.act(menu) for _ in range(4)]  # the page changed: patience starts over
    assert again[0] == again[1] == again[2] == moves[0] != again[3]


@pytest.mark.parametrize("bf16", [False, True])
def test_a_policy_acts_as_its_net_does_though_it_reads_each_utterance_once_and_runs_channels_last(bf16):
    net = PixelPolicyNet(SMALL).eval()
    if bf16:  # in bfloat16 the sums may round otherwise in another memory order, and a random net's cells nearly tie
        net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    policy = NetPolicy(PixelPolicyNet(SMALL), bf16=bf16)
    policy.net.load_state_dict(net.state_dict())
    rng = np.random.default_rng(3)
    utterances = ['Type "Doyle" and press Enter.'] * 3 + ['Click "Cancel".'] * 3
    typed: set[int] = set()
    for step, utterance in enumerate(utterances):
        screen = rng.integers(0, 256, (210, 160, 3), dtype=np.uint8)
        kind, x, y = (
            (None, 0.0, 0.0) if policy.prev is None else (policy.prev.kind, policy.prev.x, policy.prev.y)
        )
        image = torch.from_numpy(policy_input(screen, utterance, kind, x, y)).permute(2, 0, 1)[None]
        chars = torch.from_numpy(encode_chars(utterance, SMALL.max_chars))[None]
        words = torch.from_numpy(encode_words(utterance, SMALL.word_buckets, SMALL.max_words))[None]
        prev = torch.tensor([len(KINDS) if kind is None else KINDS.index(kind)])
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = to_float32(net(image, chars, words, prev, torch.tensor([step])))
            fresh = untyped_start(out, typed)
            if fresh is not None:  # as the policy does for a phrase it typed already
                out = to_float32(net(image, chars, words, prev, torch.tensor([step]), torch.tensor([fresh])))
        waited = policy.prev if kind is Kind.MOVE else None  # every screen here is new
        acted = policy.act(Observation(screen, utterance))
        assert acted == decode(out, utterance, SMALL, waited_at=waited)
        if acted.kind is Kind.TYPE:
            typed.add(int(out["start_at"][0]))
    assert policy.net.stem[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_when_the_utterance_names_nothing_to_type_the_policy_types_the_text_on_the_screen():
    from PIL import Image, ImageDraw, ImageFont

    from deskhand.vision.textmap import DEJAVU

    image = Image.new("RGB", (160, 210), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 16)
    draw.text((5, 5), "Type the text below into the", font=ImageFont.truetype(str(DEJAVU), 10), fill="black")
    draw.text((50, 80), "kQ7m", font=font, fill="black")
    draw.text((50, 160), "Submit", font=font, fill="black")
    policy = NetPolicy(PixelPolicyNet(SMALL))
    policy.net.kind.bias.data[KINDS.index(Kind.TYPE)] = (
        100.0  # the net would type, copying from the utterance
    )
    screen = np.asarray(image)
    shown = policy.act(Observation(screen, "Type the text below into the text field and press Submit."))
    assert shown == PolicyAction(Kind.TYPE, text="kQ7m")
    policy.reset()
    named = policy.act(Observation(screen, 'Type "Doyle" into the text field.'))
    assert named.kind is Kind.TYPE and named.text != "kQ7m"  # a named phrase is copied from the utterance


_MOVIES = "Search for comedy movies directed by Padilla from year 2017."


def _torn_between(utterance: str, words: list[str]) -> dict[str, torch.Tensor]:
    """Heads that would type, their copy start split evenly between the words."""
    start = torch.full((1, 64), -10.0)
    for word in words:
        start[0, utterance.index(word)] = 5.0
    return {"kind": torch.eye(len(KINDS))[[KINDS.index(Kind.TYPE)]], "start": start}


def test_a_copy_head_torn_between_phrases_types_the_one_the_clicked_fields_label_names():
    """The net rates three phrases alike; the label OCR reads beside the field decides."""
    from PIL import Image, ImageDraw, ImageFont

    from deskhand.vision.textmap import DEJAVU

    said = _MOVIES
    image = Image.new("RGB", (160, 210), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 13)
    for label, top in (("Year", 60), ("Director", 110)):
        draw.text((10, top), label, font=font, fill="black")
        draw.rectangle((10, top + 18, 150, top + 38), outline="gray")
    screen = np.asarray(image)
    out = _torn_between(said, ["comedy", "Padilla", "2017"])
    policy = NetPolicy(PixelPolicyNet(SMALL))
    for top, word in ((60, "2017"), (110, "Padilla")):
        field = PolicyAction(Kind.CLICK, x=80, y=top + 28)
        assert policy._named_start(Observation(screen, said), out, field) == said.index(word)
    sure = {**out, "start": out["start"].clone()}
    sure["start"][0, said.index("comedy")] = 20.0  # one phrase far likelier: the head is not torn
    assert policy._named_start(Observation(screen, said), sure, PolicyAction(Kind.CLICK, x=80, y=88)) is None
    after_key = PolicyAction(Kind.KEY, key="<Tab>")  # no click, so no field to read the label of
    assert policy._named_start(Observation(screen, said), out, after_key) is None


def test_labels_are_read_again_only_when_they_change_so_a_typed_value_is_never_taken_for_one():
    from PIL import Image, ImageDraw, ImageFont

    from deskhand.vision.textmap import DEJAVU

    said = _MOVIES
    font = ImageFont.truetype(str(DEJAVU), 13)

    def form(label: str, typed: str = "") -> np.ndarray:
        image = Image.new("RGB", (160, 210), "white")
        draw = ImageDraw.Draw(image)
        draw.text((10, 60), label, font=font, fill="black")
        draw.rectangle((10, 78, 150, 98), outline="gray")
        draw.text((14, 81), typed, font=font, fill="black")
        return np.asarray(image)

    out = _torn_between(said, ["comedy", "Padilla", "2017"])
    field = PolicyAction(Kind.CLICK, x=80, y=88)
    policy = NetPolicy(PixelPolicyNet(SMALL))
    blank = np.full((210, 160, 3), 255, np.uint8)  # nothing to read yet: the form is read when it shows
    assert policy._named_start(Observation(blank, said), out, field) is None
    assert policy._named_start(Observation(form("Year"), said), out, field) == said.index("2017")
    # typed in, and clicked again: read afresh, "1983" would stand left of the click as its label
    assert policy._named_start(Observation(form("Year", "1983"), said), out, field) == said.index("2017")
    assert policy._named_start(Observation(form("Director"), said), out, field) == said.index("Padilla")


def _autocomplete_menu(items: list[str]) -> np.ndarray:
    """A field holding "Bu" with its menu below it, one item every 22 pixels from y = 90."""
    from PIL import Image, ImageDraw, ImageFont

    from deskhand.vision.textmap import DEJAVU

    image = Image.new("RGB", (160, 210), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 13)
    draw.rectangle((10, 60, 150, 82), outline="black")
    draw.text((14, 64), "Bu", font=font, fill="black")
    for i, item in enumerate(items):
        draw.text((16, 90 + 22 * i), item, font=font, fill="black")
    return np.asarray(image)


def test_a_torn_click_on_a_line_goes_to_the_one_line_holding_more_of_the_quoted_phrases():
    """The net cannot tell "Bulgaria" from "Burundi"; OCR can, when the click head is unsure."""
    said = 'Enter an item that starts with "Bu" and ends with "undi".'
    screen = _autocomplete_menu(["Bulgaria", "Burkina Faso", "Burundi"])
    bulgaria, burundi = (60.0, 98.0), (60.0, 142.0)
    torn = NetPolicy(ClickHead([bulgaria, (60.0, 120.0), burundi]), bf16=False)
    click = torn.act(Observation(screen, said))
    assert click.kind is Kind.CLICK and 134 <= click.y <= 150, click  # on Burundi's row
    sure = NetPolicy(ClickHead([bulgaria]), bf16=False)
    assert sure.act(Observation(screen, said)).y == pytest.approx(bulgaria[1], abs=SMALL.stride)
    torn.reset()
    unnamed = torn.act(Observation(screen, "Pick any item from the menu."))  # quotes nothing: no reading
    assert unnamed.y == pytest.approx(bulgaria[1], abs=SMALL.stride)


def test_a_click_head_split_over_one_buttons_cells_is_sure_and_one_split_over_far_places_is_torn():
    cfg = ModelConfig()
    heat = torch.full((52 * 40,), -20.0)
    heat[grid_cell(74, 82, cfg)] = heat[grid_cell(78, 82, cfg)] = 5.0  # two cells of one field
    field = PolicyAction(Kind.CLICK, x=74, y=82)
    assert near_mass(heat, field, cfg) == pytest.approx(1.0)
    heat[grid_cell(60, 140, cfg)] = heat[grid_cell(60, 170, cfg)] = 5.0  # two menu items far below
    assert near_mass(heat, field, cfg) == pytest.approx(0.5)
    assert near_mass(heat, PolicyAction(Kind.CLICK, x=60, y=140), cfg) == pytest.approx(0.25)
