"""The screen video of a recording: which encoder to use, writing frames, reading them back.

The encoder policy is a pure function so it can be tested without FFmpeg. The video is
variable frame rate: each frame's pts is its capture time in milliseconds since an
origin, so gaps in capture stay gaps in time instead of shifting later frames.

>>> choose_encoder(1919, 1079, 10.0, lambda codec: True).codec
'libx264'
>>> c = choose_encoder(5120, 2880, 10.0, lambda codec: codec == "libsvtav1")
>>> (c.codec, c.width, c.height, c.keyframe_interval)
('libsvtav1', 5120, 2880, 20)
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import av
import numpy as np

H264_MAX_WIDTH = 4096
H264_MAX_MACROBLOCKS = 36_864  # H.264 level 5.2 MaxFS
HEVC_MAX_LUMA_SAMPLES = 35_651_584  # HEVC level 6.2 MaxLumaPs
HEVC_MAX_SIDE = 16_888  # sqrt(8 * MaxLumaPs)
AV1_MAX_WIDTH, AV1_MAX_HEIGHT = 16_384, 8_704  # AV1 level 6.3
KEYFRAME_SECONDS = 2.0
TIME_BASE = Fraction(1, 1000)  # pts are milliseconds

CODEC_NAMES = {"libx264": "H.264", "libx265": "HEVC", "libsvtav1": "AV1"}


class VideoError(Exception):
    """A video that cannot be encoded, opened or decoded; the message names the file or size."""


@dataclass(frozen=True)
class EncoderChoice:
    """How to encode a screen of one size: codec, padded size, GOP, and why."""

    codec: str
    width: int
    height: int
    pad_right: int
    pad_bottom: int
    keyframe_interval: int
    pix_fmt: str
    reason: str

    @property
    def source_size(self) -> tuple[int, int]:
        """(width, height) of the frames before padding."""
        return self.width - self.pad_right, self.height - self.pad_bottom


def macroblocks(width: int, height: int) -> int:
    """16x16 macroblocks in a frame: what H.264 levels limit."""
    return math.ceil(width / 16) * math.ceil(height / 16)


def fits_codec(codec: str, width: int, height: int) -> bool:
    """Whether a padded frame size is within the level we target for `codec`."""
    if codec == "libx264":
        return width <= H264_MAX_WIDTH and macroblocks(width, height) <= H264_MAX_MACROBLOCKS
    if codec == "libx265":
        return max(width, height) <= HEVC_MAX_SIDE and width * height <= HEVC_MAX_LUMA_SAMPLES
    if codec == "libsvtav1":
        return width <= AV1_MAX_WIDTH and height <= AV1_MAX_HEIGHT
    return False


def keyframe_interval(fps: float, seconds: float = KEYFRAME_SECONDS) -> int:
    """Frames between keyframes, so a seek never decodes more than `seconds` of video."""
    return max(1, math.floor(seconds * fps))


def choose_encoder(width: int, height: int, fps: float, can_open: Callable[[str], bool]) -> EncoderChoice:
    """Pick the most compatible codec that can hold a `width` x `height` screen.

    H.264 plays everywhere, so it wins whenever the padded frame fits level 5.2; larger
    screens (5K, 6K, 8K) need HEVC or AV1. `can_open` says which encoders this FFmpeg has.
    """
    if width < 1 or height < 1:
        raise VideoError(f"cannot encode a {width}x{height} screen: both sides must be >= 1")
    if not (math.isfinite(fps) and fps > 0):
        raise VideoError(f"fps must be a positive number, got {fps}")
    padded_w, padded_h = width + width % 2, height + height % 2
    tried: list[str] = []
    for codec in ("libx264", "libx265", "libsvtav1"):
        if not fits_codec(codec, padded_w, padded_h):
            continue
        tried.append(codec)
        if can_open(codec):
            return EncoderChoice(
                codec=codec,
                width=padded_w,
                height=padded_h,
                pad_right=width % 2,
                pad_bottom=height % 2,
                keyframe_interval=keyframe_interval(fps),
                pix_fmt="yuv420p",
                reason=_reason(codec, padded_w, padded_h, tried[:-1]),
            )
    raise VideoError(
        f"no encoder for a {width}x{height} screen (padded {padded_w}x{padded_h}): "
        + (f"tried {', '.join(tried)} and none could be opened" if tried else "too large for every codec")
        + "; install an FFmpeg (PyAV) build with libx264, libx265 or libsvtav1"
    )


def _reason(codec: str, width: int, height: int, unavailable: list[str]) -> str:
    mbs = macroblocks(width, height)
    if fits_codec("libx264", width, height):
        size = f"{width}x{height} fits H.264 level 5.2 ({mbs} of {H264_MAX_MACROBLOCKS} macroblocks)"
    else:
        size = (
            f"{width}x{height} exceeds H.264 level 5.2 ({mbs} macroblocks, limit {H264_MAX_MACROBLOCKS}, "
            f"width limit {H264_MAX_WIDTH})"
        )
    missing = f"; {', '.join(unavailable)} could not be opened" if unavailable else ""
    return f"{size}{missing}, so {codec} ({CODEC_NAMES[codec]}) is used."


def pyav_can_open(codec: str) -> bool:
    """Whether this PyAV build has an encoder called `codec`."""
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # PyAV raises different types across versions for an unknown codec
        return False
    return True


def _encoder_options(choice: EncoderChoice) -> dict[str, str]:
    """Fast presets and no B-frames.

    x264 "veryfast" costs ~18 ms of CPU per 1080p frame (under 0.2 core at 10 fps) and
    makes screen video half the size "ultrafast" does.

    Without B-frames decode order equals presentation order, so the container's index
    maps frame numbers to timestamps directly.
    """
    if choice.codec == "libx264":
        return {"preset": "veryfast", "x264-params": "bframes=0"}
    if choice.codec == "libx265":
        return {
            "preset": "ultrafast",
            "x265-params": f"keyint={choice.keyframe_interval}:bframes=0:log-level=error",
        }
    if choice.codec == "libsvtav1":
        return {"preset": "11"}
    raise VideoError(f"unknown codec {choice.codec!r}")


class VideoWriter:
    """Encodes RGB frames into a variable-frame-rate mp4 whose pts are milliseconds.

    A frame's pts is `(t_ns - origin_ns)` in milliseconds; `origin_ns` defaults to the
    first frame's `t_ns`. A recording passes its clock start, so pts line up with events.
    """

    def __init__(self, path: Path, choice: EncoderChoice, fps: float, origin_ns: int | None = None) -> None:
        self.path = Path(path)
        self.choice = choice
        self.origin_ns = origin_ns
        self.frames = 0
        self._last_ms = -1
        self._closed = False
        try:
            self._container: Any = av.open(str(self.path), "w", format="mp4")
        except Exception as e:
            raise VideoError(f"cannot open {self.path} for writing: {e}") from e
        try:
            self._stream: Any = self._add_stream(fps)
        except Exception as e:
            self._container.close()
            raise VideoError(f"cannot set up {choice.codec} for {self.path}: {e}") from e

    def _add_stream(self, fps: float) -> Any:
        stream = self._container.add_stream(self.choice.codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = self.choice.width, self.choice.height
        stream.pix_fmt = self.choice.pix_fmt
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.gop_size = self.choice.keyframe_interval
        stream.codec_context.max_b_frames = 0
        stream.options = _encoder_options(self.choice)
        return stream

    def write(self, pixels: np.ndarray, t_ns: int) -> int:
        """Encode one (H, W, 3) RGB uint8 frame at the unpadded size; returns its index."""
        if self._closed:
            raise VideoError(f"{self.path} is closed")
        frame = av.VideoFrame.from_ndarray(self._padded(pixels), format="rgb24")
        frame.pts = self._pts_ms(t_ns)
        frame.time_base = TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except Exception as e:
            raise VideoError(f"encoding frame {self.frames} into {self.path} failed: {e}") from e
        self.frames += 1
        return self.frames - 1

    def _padded(self, pixels: np.ndarray) -> np.ndarray:
        w, h = self.choice.source_size
        if pixels.shape != (h, w, 3) or pixels.dtype != np.uint8:
            raise VideoError(f"expected a ({h}, {w}, 3) uint8 frame, got {pixels.shape} {pixels.dtype}")
        if not (self.choice.pad_right or self.choice.pad_bottom):
            return np.ascontiguousarray(pixels)
        pad = ((0, self.choice.pad_bottom), (0, self.choice.pad_right), (0, 0))
        return np.pad(pixels, pad, mode="edge")  # edge pixels: no artificial edge to encode

    def _pts_ms(self, t_ns: int) -> int:
        """Milliseconds since the origin, bumped so pts strictly increase."""
        if self.origin_ns is None:
            self.origin_ns = t_ns
        if t_ns < self.origin_ns:
            raise VideoError(f"frame at {t_ns} ns is before the video origin {self.origin_ns} ns")
        ms = max((t_ns - self.origin_ns) // 1_000_000, self._last_ms + 1)
        self._last_ms = ms
        return ms

    def close(self) -> None:
        """Flush the encoder and finish the file. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        except Exception as e:
            raise VideoError(f"flushing {self.path} failed: {e}") from e
        finally:
            self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _Index:
    """Per-frame stream timestamps (in stream time base) and keyframe flags, in order."""

    pts: list[int]
    keyframe: list[bool]


class VideoReader:
    """Random access to a video by time, cropped back to the size that was recorded.

    The frame index comes from the container's index, so opening reads no frame data;
    `frame_at` seeks to the keyframe before the wanted frame and decodes forward, and
    continues decoding instead of seeking when asked for a later frame in the same GOP.
    """

    def __init__(self, path: Path, width: int | None = None, height: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise VideoError(f"video {self.path} does not exist")
        try:
            self._container: Any = av.open(str(self.path), "r")
        except Exception as e:
            raise VideoError(f"cannot read video {self.path}: {e}") from e
        try:
            self._stream: Any = self._video_stream()
            self._index = self._read_index()
            self._tb = Fraction(self._stream.time_base)
            self.timestamps_ms: list[int] = [self._to_ms(p) for p in self._index.pts]
            self.coded_size: tuple[int, int] = self._coded_size()
        except Exception as e:
            self._container.close()
            if isinstance(e, VideoError):
                raise
            raise VideoError(f"cannot read video {self.path}: {e}") from e
        self.width: int = width if width is not None else self.coded_size[0]
        self.height: int = height if height is not None else self.coded_size[1]
        self._frames: Iterator[Any] | None = None
        self._pos = -1  # index of the frame self._frames last yielded
        self._last: np.ndarray | None = None

    def _video_stream(self) -> Any:
        streams = self._container.streams.video
        if not streams:
            raise VideoError(f"{self.path} has no video stream")
        return streams[0]

    def _read_index(self) -> _Index:
        """The container index (no data read); demux packets if it is missing or unordered."""
        try:
            entries = [e for e in self._stream.index_entries if not e.is_discard]
            pts = [int(e.timestamp) for e in entries]
            keys = [bool(e.is_keyframe) for e in entries]
            if pts and all(a < b for a, b in itertools.pairwise(pts)):
                return _Index(pts, keys)
            packets = [
                (int(p.pts), bool(p.is_keyframe))
                for p in self._container.demux(self._stream)
                if p.pts is not None
            ]
            self._container.seek(0, stream=self._stream)
        except Exception as e:
            raise VideoError(f"cannot index video {self.path}: {e}") from e
        packets.sort()
        return _Index([p for p, _ in packets], [k for _, k in packets])

    def _to_ms(self, pts: int) -> int:
        return round(pts * self._tb * 1000)

    @property
    def frame_count(self) -> int:
        return len(self.timestamps_ms)

    def _coded_size(self) -> tuple[int, int]:
        """(width, height) the video was encoded at, padding included."""
        context = self._stream.codec_context
        if context is None:
            raise VideoError(f"{self.path}: no decoder for its video codec")
        return int(context.width), int(context.height)

    @property
    def codec(self) -> str:
        return str(self._stream.codec_context.name)

    def index_at(self, t_ms: int) -> int:
        """Index of the frame on screen at `t_ms`: the last one with pts <= t_ms, else the first."""
        if not self.timestamps_ms:
            raise VideoError(f"{self.path} has no frames")
        return max(0, bisect.bisect_right(self.timestamps_ms, t_ms) - 1)

    def frame_at(self, t_ms: int) -> np.ndarray:
        """The (height, width, 3) RGB frame shown at `t_ms` (ms on the video's clock)."""
        return self.frame(self.index_at(t_ms))

    def frame(self, index: int) -> np.ndarray:
        """Frame number `index` (0-based, in time order) as (height, width, 3) RGB."""
        if not 0 <= index < self.frame_count:
            raise VideoError(f"{self.path} has {self.frame_count} frames; no frame {index}")
        if index != self._pos or self._last is None:
            self._last = self._decode(index)
        return self._last[: self.height, : self.width].copy()

    def _decode(self, index: int) -> np.ndarray:
        try:
            if not self._can_continue_to(index):
                self._seek_to(index)
            return self._decode_forward(index)
        except VideoError:
            raise
        except Exception as e:
            self._frames = None
            raise VideoError(f"cannot decode frame {index} of {self.path}: {e}") from e

    def _can_continue_to(self, index: int) -> bool:
        """Decoding on is cheaper than seeking when no keyframe lies between here and there."""
        if self._frames is None or index <= self._pos:
            return False
        return not any(self._index.keyframe[self._pos + 1 : index + 1])

    def _seek_to(self, index: int) -> None:
        self._container.seek(self._index.pts[index], stream=self._stream, backward=True, any_frame=False)
        self._frames = iter(self._container.decode(self._stream))
        self._pos = -1

    def _decode_forward(self, index: int) -> np.ndarray:
        target = self._index.pts[index]
        assert self._frames is not None
        for frame in self._frames:
            if frame.pts is None or frame.pts < target:
                continue
            self._pos = bisect.bisect_left(self._index.pts, frame.pts)
            return np.asarray(frame.to_ndarray(format="rgb24"))
        self._frames = None
        raise VideoError(f"frame {index} of {self.path} could not be decoded (file truncated?)")

    def close(self) -> None:
        """Release the file. Safe to call twice."""
        self._frames = None
        self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
