#!/usr/bin/env bash
# The one install script, shared by the Makefile and the container image.
#
#   deploy/install.sh [VENV]                  # development (make install): editable, with the dev extras
#   deploy/install.sh --production VENV       # the image: the project itself (not editable), no dev extras
#
# VENV defaults to .venv. It is created with $PYTHON (or python3.10, or python3)
# when it does not exist yet; `make` has already made it. Every package version
# comes from requirements.lock (constraints), as in `make install`.
set -euo pipefail

usage() { sed -n '4,5s/^#   //p' "$0"; }

mode=development
venv=.venv
while [ $# -gt 0 ]; do
    case "$1" in
        --production) mode=production ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "install.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
        *) venv=$1 ;;
    esac
    shift
done

# The venv is named relative to where we were called from; the pip commands run in the project root.
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
cd "$(dirname "$0")/.."

if [ ! -x "$venv/bin/python" ]; then
    python=${PYTHON:-$(command -v python3.10 || command -v python3)}
    "$python" -m venv "$venv"
fi

"$venv/bin/python" -m pip install --quiet --upgrade "pip==24.0"
if [ "$mode" = production ]; then
    "$venv/bin/python" -m pip install --quiet -c requirements.lock .
else
    "$venv/bin/python" -m pip install --quiet -c requirements.lock -e ".[dev]"
fi
