# Shared by scripts/start.sh and scripts/test.sh (sourced, not run): install the
# system packages listed in SYSTEM_PACKAGES and keep .venv installed. Safe to rerun.

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
        # A Debian machine set up with a root password has no sudo: give both forms.
        local apt="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them (either line), then run this again:" >&2
        echo "    sudo sh -c '$apt'" >&2
        echo "    su -c '$apt'" >&2
        exit 1
    fi
    echo "    installing: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# quiet_pip WHAT ARGS...: run pip with its output in a log; on failure, one line naming
# pip's last error and the log (a network failure is otherwise 20 lines of pip's own).
quiet_pip() {
    local what=$1 log reason
    shift
    log=$(mktemp "${TMPDIR:-/tmp}/clinic-app-pip.XXXXXX.log")
    if "$VENV/bin/python" -m pip "$@" >"$log" 2>&1; then
        rm -f "$log"
        return 0
    fi
    reason=$(grep -E '^ *ERROR:' "$log" | tail -n 1 | sed -E 's/^ *ERROR: *//')
    echo "==> FAILED: $what: ${reason:-pip stopped} (pip's output: $log). Check this machine can reach https://pypi.org (or set PIP_INDEX_URL), then run this again." >&2
    return 1
}

python_ok() {  # is "$1" a Python >= 3.11?
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

# ensure_venv REQUIREMENT STAMP [STAMP_THAT_ALSO_COUNTS]
# Installs REQUIREMENT editable unless a stamp for this pyproject.toml exists.
ensure_venv() {
    local requirement=$1 sha stamp other
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
        if ! quiet_pip "upgrading pip" install --disable-pip-version-check --upgrade pip; then
            rm -rf "$VENV"  # so the next run starts again instead of on a half-made venv
            exit 1
        fi
    fi
    sha=$(sha256sum pyproject.toml | cut -d' ' -f1)
    stamp="$VENV/.installed-$2$sha"
    other="${3:+$VENV/.installed-$3$sha}"
    if [[ -e $stamp || ( -n $other && -e $other ) ]]; then
        return 0
    fi
    step "pip install -e '$requirement' (the first time downloads Qt: a few minutes)"
    quiet_pip "installing $requirement" install --disable-pip-version-check --progress-bar off \
        -e "$requirement" || exit 1
    touch "$stamp"
}
