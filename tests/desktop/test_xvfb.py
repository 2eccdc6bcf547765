"""XvfbDesktop against the Desktop contract, with a real Xvfb and openbox."""

import subprocess

import pytest

from deskhand.desktop import (
    Click,
    DesktopContractError,
    DesktopError,
    Region,
    TypeText,
    XvfbDesktop,
    check_desktop,
    parse_size,
)

pytestmark = pytest.mark.x11


def _xvfb_pids() -> set[int]:
    out = subprocess.run(["pgrep", "-x", "Xvfb"], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_check_desktop_passes_for_xvfb(desktop_1080):
    checks = check_desktop(desktop_1080)
    assert {c.name for c in checks} >= {"capture_shape", "click_exact", "type_unicode", "key_combo"}
    assert all(c.ok for c in checks)


class OffByOnePixel(XvfbDesktop):
    """A broken backend: every click lands one pixel to the right."""

    def perform(self, action):
        if isinstance(action, Click):
            action = Click(action.x + 1, action.y, action.button, action.count)
        super().perform(action)


class DropsNonAscii(XvfbDesktop):
    """A broken backend: typing loses every character outside ASCII."""

    def perform(self, action):
        if isinstance(action, TypeText):
            action = TypeText("".join(c for c in action.text if c.isascii()))
        super().perform(action)


@pytest.mark.parametrize(
    ("backend", "failed_check"), [(OffByOnePixel, "click_exact"), (DropsNonAscii, "type_unicode")]
)
def test_check_desktop_fails_a_broken_backend(backend, failed_check):
    with backend(800, 600) as desktop, pytest.raises(DesktopContractError, match=failed_check):
        check_desktop(desktop)


def test_two_desktops_get_their_own_displays_and_leave_nothing_running():
    before = _xvfb_pids()
    with XvfbDesktop(640, 480) as a, XvfbDesktop(640, 480) as b:
        assert a.display != b.display
        assert len(_xvfb_pids() - before) == 2
    assert _xvfb_pids() == before


def test_a_failed_start_leaves_no_xvfb_behind():
    before = _xvfb_pids()
    with pytest.raises(DesktopError, match="not installed"):
        XvfbDesktop(640, 480, wm="no-such-window-manager")
    assert _xvfb_pids() == before


@pytest.mark.parametrize("size", ["0x0", "100x100", "20000x480", "axb", "1920"])
def test_sizes_it_cannot_honour_get_a_clear_error(size):
    with pytest.raises(DesktopError, match=r"size|screen"):
        parse_size(size)


def test_an_app_that_is_not_installed_gets_a_clear_error(desktop_1080):
    with pytest.raises(DesktopError, match="not installed"):
        desktop_1080.launch("no-such-app --flag")


def test_acting_off_screen_is_refused_not_clamped(desktop_1080):
    with pytest.raises(DesktopError, match="off the 1920x1080 screen"):
        desktop_1080.perform(Click(1920, 5))


def test_region_capture_is_placed_on_the_screen(desktop_1080):
    full = desktop_1080.screenshot()
    part = desktop_1080.screenshot(Region(100, 50, 30, 20))
    assert part.pixels.shape == (20, 30, 3)
    assert (part.x, part.y) == (100, 50)
    assert (part.pixels == full.pixels[50:70, 100:130]).all()


def test_apps_are_closed_with_the_desktop():
    with XvfbDesktop(640, 480) as desktop:
        app = desktop.launch(["sleep", "300"])
        assert app.running
    assert not app.running
