#!/usr/bin/env bash
# Check everything, on a fresh Debian/Ubuntu machine or a developer's own:
#   system packages -> .venv -> ruff check -> ruff format --check -> mypy -> pytest
# Extra arguments go to pytest:  ./scripts/test.sh -x tests/unit
# Safe to rerun: installs only what is missing. Needs no terminal (CI=true is fine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Qt offscreen and under Xvfb, PDF to PNG (poppler), and a PostgreSQL server the
# suite starts itself on a free port (it never uses the one the package may start).
SYSTEM_PACKAGES=(
    python3-venv
    libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 libgssapi-krb5-2
    xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0
    poppler-utils postgresql
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
    step "system packages"
    if ! command -v dpkg-query >/dev/null; then
        echo "    not Debian/Ubuntu: make sure the equivalents of these are installed:"
        echo "    ${SYSTEM_PACKAGES[*]}"
        return 0
    fi
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
    echo "    installing: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

python_ok() {  # is "$1" a Python >= 3.11?
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

ensure_venv() {  # $1: the pip requirement to install, $2: the stamp's prefix
    local requirement=$1 prefix=$2 stamp
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
    stamp="$VENV/.installed-$prefix$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -e $stamp ]]; then
        return 0
    fi
    step "pip install -e '$requirement' (the first time downloads Qt: a few minutes)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --progress-bar off \
        -e "$requirement"
    touch "$stamp"
}

ensure_system_packages
ensure_venv '.[test]' ''

# Run every stage, so one run reports every problem; fail at the end if any failed.
failed=()
run() {
    local name=$1
    shift
    step "$name"
    "$@" || failed+=("$name")
}
run "ruff check" "$VENV/bin/ruff" check .
run "ruff format --check" "$VENV/bin/ruff" format --check .
run "mypy" "$VENV/bin/mypy"
run "pytest" "$VENV/bin/pytest" "$@"

if ((${#failed[@]})); then
    list=$(printf '%s, ' "${failed[@]}")
    echo "==> FAILED: ${list%, }" >&2
    exit 1
fi
step "all checks passed"
