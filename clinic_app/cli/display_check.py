"""Say in one line that there is no screen, before Qt says something misleading.

With no display (an SSH session, a headless server) Qt's xcb plugin fails to connect
and reports that "xcb-cursor0 is needed ... Reinstalling may fix this", then aborts
the interpreter. The person needs to hear that there is no display, and that the
sub-commands work without one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Mapping

_HINT = (
    "start the app from the workstation's desktop (or over SSH with `ssh -X`); "
    "the commands in `clinic-app --help` work without a display"
)


def missing_display(environ: Mapping[str, str] | None = None) -> str | None:
    """Why no window can open here, in one sentence; None when one can (or we cannot tell)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt's own plugin, its own checks
    if env.get("WAYLAND_DISPLAY") and not platform:
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return f"there is no display to open a window on (DISPLAY is not set): {_HINT}"
    if not _x_server_answers(display):
        return f"cannot reach the display {display} (no X server answers there): {_HINT}"
    return None


def _x_server_answers(display: str) -> bool:
    """Connect to the X server as Qt's xcb plugin would; True if we cannot tell."""
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return True  # no libxcb: Qt will name the missing library itself
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return connection is not None and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection is not None:
            xcb.xcb_disconnect(connection)
