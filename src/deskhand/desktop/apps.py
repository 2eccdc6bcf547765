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


def chromium(url: str, profile: Path, kiosk: bool = True, binary: str = "chromium") -> list[str]:
    """Chromium on `url` with a fresh profile; kiosk fills the screen with the page alone."""
    return [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *(["--kiosk"] if kiosk else []), url]


def mousepad_env(home: Path) -> dict[str, str]:
    """A private HOME so Mousepad starts with default settings and no restored session."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local"),
    }
