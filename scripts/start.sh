#!/usr/bin/env bash
# Start the clinic app: checks the libraries a Qt window needs, keeps .venv installed,
# then runs `clinic-app` (arguments pass through:  ./scripts/start.sh --help).
# Safe to rerun: after the first time it starts straight away.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What Qt needs to open a real window on X11/XWayland (the wheel bundles the rest).
SYSTEM_PACKAGES=(
    python3-venv
    libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 libgssapi-krb5-2
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
    libxcb-shape0 libxkbcommon-x11-0
)
source scripts/lib/setup.sh

ensure_system_packages
# ./scripts/test.sh installs the app too (with its test tools): its stamp counts.
ensure_venv . app- test-
exec "$VENV/bin/clinic-app" "$@"
