#!/usr/bin/env bash
# Creates .venv (if absent) and installs sceneedit with the given extras, keeping the CPU torch
# (constraints/cpu.txt). Usage: bash scripts/setup.sh [EXTRAS]   e.g. bash scripts/setup.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install -q -c constraints/cpu.txt -e "$spec" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
.venv/bin/python -c "import sceneedit" || { echo "setup failed: sceneedit does not import" >&2; exit 1; }
