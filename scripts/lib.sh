# Shared helpers for the setup, run, test and bench scripts. Sourced, not run.
# Everything downloaded or built lives under $SL_CACHE (outside the repository),
# so a second run is quick and a fresh machine rebuilds it from the registries.
set -euo pipefail

SL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SL_CACHE="${STUDIO_LOYALTY_CACHE:-$HOME/.cache/studio_loyalty}"
SL_PREFIX="$SL_CACHE/prefix"            # Odoo 19 and its web assets, unpacked from .debs
SL_VENV="$SL_CACHE/venv"                # Python dependencies pinned for Odoo 19
SL_ODOO_PKG="$SL_PREFIX/usr/lib/python3/dist-packages"
SL_ODOO_ADDONS="$SL_ODOO_PKG/odoo/addons"
SL_ADDONS_PATH="$SL_ODOO_ADDONS,$SL_ROOT"
SL_DB_USER="${STUDIO_LOYALTY_DB_USER:-$(id -un)}"
SL_LOG="$SL_CACHE/log"

log() { printf '\033[1m[studio_loyalty]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[studio_loyalty] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# Run a noisy step, keep its output in a log file and, on failure, show the
# last meaningful line as the one-line reason.
quiet() {
    local what="$1"; shift
    mkdir -p "$SL_LOG"
    local logfile="$SL_LOG/$(echo "$what" | tr -c 'a-zA-Z0-9' '_').log"
    if ! "$@" >"$logfile" 2>&1; then
        die "$what failed: $(grep -v '^\s*$' "$logfile" | tail -1) (full log: $logfile)"
    fi
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

odoo_bin() {
    PYTHONPATH="$SL_ODOO_PKG" "$SL_VENV/bin/python" -m odoo "$@"
}
