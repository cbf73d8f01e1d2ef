#!/usr/bin/env bash
# Sets up .venv and runs the main job on the embedded default: writes demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sceneedit demo --out demo-out "$@"
