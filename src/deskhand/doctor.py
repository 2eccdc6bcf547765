"""`deskhand doctor`: is everything deskhand needs on this machine, and how to get what is not."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources

APT = "apt-get install -y"


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    fix: str
    required: bool = True
    detail: str = ""


def _program(name: str, binary: str, package: str, required: bool = True) -> Callable[[], Finding]:
    def check() -> Finding:
        path = shutil.which(binary)
        return Finding(name, path is not None, f"{APT} {package}", required, path or f"{binary} not on PATH")

    return check


def _encoder(codec: str) -> Callable[[], Finding]:
    def check() -> Finding:
        import av

        try:
            av.codec.Codec(codec, "w")
            return Finding(f"encoder {codec}", True, "", detail=f"PyAV {av.__version__}")
        except Exception as e:  # PyAV raises several types for a codec it was built without
            return Finding(f"encoder {codec}", False, "pip install --force-reinstall 'av>=12'", detail=str(e))

    return check


def _ocr_models() -> Finding:
    fix = "pip install 'rapidocr>=3.4,<4' onnxruntime"
    try:
        models = [
            p.name for p in (resources.files("rapidocr") / "models").iterdir() if p.name.endswith(".onnx")
        ]
    except (ModuleNotFoundError, FileNotFoundError) as e:
        return Finding("ocr models", False, fix, detail=str(e))
    needed = {"det", "rec"}
    found = {kind for kind in needed if any(f"_{kind}" in m for m in models)}
    return Finding("ocr models", found == needed, fix, detail=", ".join(sorted(models)) or "no .onnx files")


CHECKS: tuple[Callable[[], Finding], ...] = (
    _program("xvfb", "Xvfb", "xvfb"),
    _program("window manager", "openbox", "openbox"),
    _program("chromium", "chromium", "chromium"),
    _program("chromedriver", "chromedriver", "chromium-driver"),
    _program("mousepad", "mousepad", "mousepad", required=False),
    _program("gnumeric", "gnumeric", "gnumeric", required=False),
    _encoder("libx264"),
    _encoder("libx265"),
    _encoder("libsvtav1"),
    _ocr_models,
)


def diagnose() -> list[Finding]:
    return [check() for check in CHECKS]


def report(findings: list[Finding]) -> dict[str, object]:
    """The --json shape: {"checks": [{"name", "ok", "fix", ...}], "ok": every required check passed}."""
    return {"checks": [asdict(f) for f in findings], "ok": all(f.ok for f in findings if f.required)}
