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
PYTHON="${PYTHON:-python3}"
VENV=.venv

step() { printf '==> %s\n' "$*"; }

installed() {  # Ubuntu 24.04 renamed some libraries with a t64 suffix
    local pkg status
    for pkg in "$1" "$1t64"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [[ $status == installed ]] && return 0
    done
    return 1
}

ensure_system_packages() {
    command -v dpkg-query >/dev/null || return 0  # not Debian/Ubuntu: nothing to check
    local missing=() pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ $EUID -ne 0 ]]; then
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them, then run this again:" >&2
        echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    step "installing system packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

python_ok() {  # is "$1" a Python >= 3.11?
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

ensure_venv() {
    local sha stamp
    if [[ -d $VENV ]] && ! python_ok "$VENV/bin/python"; then
        step "recreating $VENV (its Python is missing or older than 3.11)"
        rm -rf "$VENV"
    fi
    if [[ ! -d $VENV ]]; then
        if ! command -v "$PYTHON" >/dev/null; then
            echo "$PYTHON not found: install Python 3.11 or newer (or set PYTHON=/path/to/python3.11)" >&2
            exit 1
        fi
        if ! python_ok "$PYTHON"; then
            echo "clinic-app needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
            echo "Install python3.11 (or newer) and run: PYTHON=python3.11 $0" >&2
            exit 1
        fi
        step "creating $VENV with $("$PYTHON" -V 2>&1)"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    fi
    sha=$(sha256sum pyproject.toml | cut -d' ' -f1)
    stamp="$VENV/.installed-app-$sha"
    # ./scripts/test.sh installs the app too (with its test tools): its stamp counts.
    if [[ -e $stamp || -e $VENV/.installed-$sha ]]; then
        return 0
    fi
    step "pip install -e . (the first time downloads Qt: a few minutes)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --progress-bar off -e .
    touch "$stamp"
}

ensure_system_packages
ensure_venv
exec "$VENV/bin/clinic-app" "$@"
