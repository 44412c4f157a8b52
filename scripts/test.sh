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
source scripts/lib/setup.sh

ensure_system_packages
ensure_venv '.[test]' test-

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
