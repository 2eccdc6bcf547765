import itertools
from pathlib import Path

import numpy as np
import pytest

from deskhand.record.video import (
    EncoderChoice,
    VideoError,
    VideoReader,
    VideoWriter,
    choose_encoder,
    pyav_can_open,
)


def only(*codecs: str):
    return lambda codec: codec in codecs


ALL = only("libx264", "libx265", "libsvtav1")
MS = 1_000_000
T0 = 5_000_000_000_000  # an arbitrary monotonic origin, like a real recording's


@pytest.mark.parametrize(
    ("size", "codec", "padded", "pads"),
    [
        ((640, 480), "libx264", (640, 480), (0, 0)),
        ((1919, 1079), "libx264", (1920, 1080), (1, 1)),
        ((4096, 2160), "libx264", (4096, 2160), (0, 0)),
        ((4097, 2160), "libx265", (4098, 2160), (1, 0)),
        ((5120, 2880), "libx265", (5120, 2880), (0, 0)),
        ((6016, 3384), "libx265", (6016, 3384), (0, 0)),
        ((7680, 4320), "libx265", (7680, 4320), (0, 0)),
    ],
)
def test_choose_encoder_picks_h264_up_to_level_5_2_then_hevc(size, codec, padded, pads):
    choice = choose_encoder(*size, 10.0, ALL)
    assert choice.codec == codec
    assert (choice.width, choice.height) == padded
    assert (choice.pad_right, choice.pad_bottom) == pads
    assert choice.source_size == size
    assert choice.pix_fmt == "yuv420p"
    assert codec in choice.reason


def test_choose_encoder_pads_odd_sizes_to_even():
    choice = choose_encoder(1919, 1079, 10.0, ALL)
    assert choice.width % 2 == 0 and choice.height % 2 == 0


def test_h264_is_refused_above_36864_macroblocks_even_when_narrow():
    """3840x2400 is 240x150 = 36000 macroblocks (fits); 4096x2400 is 38400 (does not)."""
    assert choose_encoder(3840, 2400, 10.0, ALL).codec == "libx264"
    assert choose_encoder(4096, 2400, 10.0, ALL).codec == "libx265"


def test_5k_falls_back_to_av1_when_hevc_cannot_open():
    choice = choose_encoder(5120, 2880, 10.0, only("libx264", "libsvtav1"))
    assert choice.codec == "libsvtav1"
    assert "libx265" in choice.reason


def test_small_screen_uses_hevc_if_h264_is_missing():
    assert choose_encoder(640, 480, 10.0, only("libx265")).codec == "libx265"


def test_no_usable_encoder_names_size_and_codecs_tried():
    with pytest.raises(VideoError, match=r"5120x2880.*libx265, libsvtav1"):
        choose_encoder(5120, 2880, 10.0, only("libx264"))


def test_a_screen_too_large_for_every_codec_is_refused():
    with pytest.raises(VideoError, match="20000x20000"):
        choose_encoder(20000, 20000, 10.0, ALL)


@pytest.mark.parametrize(("fps", "interval"), [(10.0, 20), (30.0, 60), (2.5, 5), (0.4, 1), (0.1, 1)])
def test_keyframe_interval_is_at_most_two_seconds(fps, interval):
    assert choose_encoder(640, 480, fps, ALL).keyframe_interval == interval


@pytest.mark.parametrize(("w", "h", "fps"), [(0, 480, 10.0), (640, -1, 10.0), (640, 480, 0.0)])
def test_nonsense_sizes_and_rates_are_refused(w, h, fps):
    with pytest.raises(VideoError):
        choose_encoder(w, h, fps, ALL)


PALETTE = [c for c in itertools.product((0, 96, 192, 255), repeat=3)][1:31]  # 30 distinct colours


def solid(width: int, height: int, colour) -> np.ndarray:
    return np.full((height, width, 3), colour, dtype=np.uint8)


def write_palette(path: Path, width: int, height: int, fps: float = 2.0) -> list[int]:
    """30 solid frames at irregular times (ms after T0); returns those times."""
    times = [0]
    for i in range(1, len(PALETTE)):
        times.append(times[-1] + 40 + (i * 37) % 300)
    choice = choose_encoder(width, height, fps, pyav_can_open)
    with VideoWriter(path, choice, fps, origin_ns=T0) as writer:
        for i, (ms, colour) in enumerate(zip(times, PALETTE, strict=True)):
            assert writer.write(solid(width, height, colour), T0 + ms * MS + 123) == i
    return times


def assert_colour(pixels: np.ndarray, colour, width: int, height: int) -> None:
    assert pixels.shape == (height, width, 3)
    assert pixels.dtype == np.uint8
    sample = pixels[::7, ::7].astype(int)  # every pixel of a 5K frame would be slow to check
    error = np.abs(sample - np.array(colour)).max()
    assert error <= 8, f"expected {colour}, got mean {sample.reshape(-1, 3).mean(0)}"


@pytest.mark.parametrize(("width", "height"), [(640, 480), (641, 481)])
def test_frames_round_trip_by_time(tmp_path, width, height):
    path = tmp_path / "screen.mp4"
    times = write_palette(path, width, height)
    with VideoReader(path, width, height) as reader:
        assert reader.timestamps_ms == times
        assert reader.coded_size == (width + width % 2, height + height % 2)
        # exact times, in an order that forces seeks backwards and across keyframes
        for i in [0, 29, 5, 6, 7, 3, 15, 14, 28, 1]:
            assert_colour(reader.frame_at(times[i]), PALETTE[i], width, height)
        # between two frames: the earlier one is still on screen
        for i in [2, 11, 20]:
            assert_colour(reader.frame_at(times[i + 1] - 1), PALETTE[i], width, height)
        # before the first frame, and long after the last
        assert_colour(reader.frame_at(-500), PALETTE[0], width, height)
        assert_colour(reader.frame_at(times[-1] + 60_000), PALETTE[-1], width, height)


def test_sequential_reads_return_every_frame(tmp_path):
    path = tmp_path / "screen.mp4"
    times = write_palette(path, 64, 48)
    with VideoReader(path, 64, 48) as reader:
        for i, ms in enumerate(times):
            assert_colour(reader.frame_at(ms), PALETTE[i], 64, 48)


def test_random_access_decodes_the_same_pixels_as_sequential(tmp_path):
    """Seeking to a keyframe and decoding forward must land on exactly the frame asked for."""
    path = tmp_path / "screen.mp4"
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    choice = choose_encoder(64, 48, 2.0, pyav_can_open)  # a keyframe every 4 frames
    with VideoWriter(path, choice, 2.0, origin_ns=T0) as writer:
        for i in range(20):
            frame = base.copy()
            frame[:, i * 3 : i * 3 + 3] = 255
            writer.write(frame, T0 + i * 70 * MS)
    with VideoReader(path) as reader:
        sequential = [reader.frame(i) for i in range(20)]
    order = [int(i) for i in np.random.default_rng(1).permutation(20)] + [3, 4, 5, 6, 7, 2, 19, 0]
    with VideoReader(path) as reader:
        for i in order:
            assert np.array_equal(reader.frame(i), sequential[i]), i


def test_pts_are_milliseconds_since_origin_and_strictly_increase(tmp_path):
    path = tmp_path / "screen.mp4"
    choice = choose_encoder(64, 48, 10.0, pyav_can_open)
    with VideoWriter(path, choice, 10.0, origin_ns=T0) as writer:
        for t in [T0 + 250 * MS, T0 + 250 * MS + 10, T0 + 250 * MS + 20, T0 + 900 * MS]:
            writer.write(solid(64, 48, (10, 200, 30)), t)
    with VideoReader(path) as reader:
        assert reader.timestamps_ms == [250, 251, 252, 900]


def test_origin_defaults_to_first_frame(tmp_path):
    path = tmp_path / "screen.mp4"
    choice = choose_encoder(64, 48, 10.0, pyav_can_open)
    with VideoWriter(path, choice, 10.0) as writer:
        writer.write(solid(64, 48, (0, 0, 0)), T0 + 7 * MS)
        writer.write(solid(64, 48, (0, 0, 0)), T0 + 107 * MS)
    with VideoReader(path) as reader:
        assert reader.timestamps_ms == [0, 100]


def test_writer_refuses_frames_of_the_wrong_size_or_before_origin(tmp_path):
    choice = choose_encoder(64, 48, 10.0, pyav_can_open)
    with VideoWriter(tmp_path / "screen.mp4", choice, 10.0, origin_ns=T0) as writer:
        with pytest.raises(VideoError, match=r"\(48, 64, 3\)"):
            writer.write(solid(64, 50, (0, 0, 0)), T0)
        with pytest.raises(VideoError, match="before the video origin"):
            writer.write(solid(64, 48, (0, 0, 0)), T0 - 1)


def test_close_is_safe_twice_and_write_after_close_fails(tmp_path):
    choice = choose_encoder(64, 48, 10.0, pyav_can_open)
    writer = VideoWriter(tmp_path / "screen.mp4", choice, 10.0)
    writer.write(solid(64, 48, (0, 0, 0)), T0)
    writer.close()
    writer.close()
    with pytest.raises(VideoError, match="closed"):
        writer.write(solid(64, 48, (0, 0, 0)), T0 + MS)


def test_reader_names_a_missing_file(tmp_path):
    with pytest.raises(VideoError, match="does not exist"):
        VideoReader(tmp_path / "nope.mp4")


def test_reader_names_an_unreadable_file(tmp_path):
    path = tmp_path / "garbage.mp4"
    path.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoError, match=r"garbage\.mp4"):
        VideoReader(path)


def test_reader_refuses_frame_numbers_out_of_range(tmp_path):
    path = tmp_path / "screen.mp4"
    write_palette(path, 64, 48)
    with VideoReader(path) as reader, pytest.raises(VideoError, match="30 frames"):
        reader.frame(30)


def test_5k_round_trips_through_hevc(tmp_path):
    path = tmp_path / "screen.mp4"
    choice = choose_encoder(5120, 2880, 10.0, pyav_can_open)
    assert choice.codec == "libx265"
    colours = PALETTE[:4]
    with VideoWriter(path, choice, 10.0, origin_ns=T0) as writer:
        for i, colour in enumerate(colours):
            writer.write(solid(5120, 2880, colour), T0 + i * 100 * MS)
    with VideoReader(path, 5120, 2880) as reader:
        assert reader.codec == "hevc"
        assert reader.timestamps_ms == [0, 100, 200, 300]
        assert_colour(reader.frame_at(250), colours[2], 5120, 2880)
        assert_colour(reader.frame_at(0), colours[0], 5120, 2880)


def test_encoder_choice_is_frozen():
    choice = choose_encoder(640, 480, 10.0, ALL)
    assert isinstance(choice, EncoderChoice)
    with pytest.raises(AttributeError):
        choice.codec = "libx265"  # type: ignore[misc]
