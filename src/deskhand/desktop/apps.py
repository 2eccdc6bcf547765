"""Command lines for the third-party apps deskhand drives, set up for a private desktop."""

from __future__ import annotations

from pathlib import Path

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--noerrdialogs",
    "--disable-infobars",
    "--disable-session-crashed-bubble",
    "--password-store=basic",
)


def chromium(
    url: str,
    profile: Path,
    kiosk: bool = True,
    binary: str = "chromium",
    window: tuple[int, int, int, int] | None = None,
) -> list[str]:
    """Chromium on `url` with a fresh profile; kiosk fills the screen with the page alone.

    `window` (x, y, width, height) instead opens the page as an app window, with no tabs or
    address bar, beside other apps on the screen.
    """
    if window is not None:
        x, y, w, h = window
        placed = ["--test-type", f"--window-position={x},{y}", f"--window-size={w},{h}", f"--app={url}"]
        return [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *placed]
    return [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *(["--kiosk"] if kiosk else []), url]


def mousepad_env(home: Path) -> dict[str, str]:
    """A private HOME so Mousepad starts with default settings and no restored session."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local"),
    }
