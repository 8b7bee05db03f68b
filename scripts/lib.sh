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
log_file() { echo "$SL_LOG/$(echo "$1" | tr -c 'a-zA-Z0-9' '_').log"; }

quiet() {
    local what="$1"; shift
    mkdir -p "$SL_LOG"
    local logfile
    logfile=$(log_file "$what")
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

has_db() { psql -lqt 2>/dev/null | cut -d'|' -f1 | grep -qw "$1"; }

# Create database $2 with studio_loyalty installed (further arguments go to Odoo,
# e.g. --with-demo), or update the addon in it when its files changed since the
# last call: a stamp file under $SL_CACHE keeps the digest of the addon's files.
install_addon_db() {
    local conf="$1" db="$2"; shift 2
    local stamp="$SL_CACHE/addon-$db.stamp" digest
    digest=$(cd "$SL_ROOT" && find studio_loyalty -type f -not -name '*.pyc' -print0 \
        | sort -z | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)
    if ! has_db "$db"; then
        log "Creating database $db with Studio Loyalty (about 2 minutes)"
        quiet "installing studio_loyalty into $db" odoo_bin -c "$conf" -d "$db" -i studio_loyalty "$@" \
            --stop-after-init --no-http --log-level=warn
        # Odoo only warns when demo data fails and installs the module without it.
        local install_log
        install_log=$(log_file "installing studio_loyalty into $db")
        if grep -q "demo data failed to install" "$install_log"; then
            dropdb "$db"
            die "the demo data of a module failed to install (see $install_log)"
        fi
    elif [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
        log "Updating studio_loyalty in $db"
        quiet "updating studio_loyalty in $db" odoo_bin -c "$conf" -d "$db" -u studio_loyalty \
            --stop-after-init --no-http --log-level=warn
    fi
    echo "$digest" >"$stamp"
}
