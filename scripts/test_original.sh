#!/usr/bin/env bash
# The original-package backends (groundingdino-py, segment-anything) in their own environment,
# .venv-original: they need torchvision and transformers < 5, which the default .venv must not
# get. Usage: bash scripts/test_original.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-original/bin/python ]; then
  python3 -m venv .venv-original
fi
.venv-original/bin/python -m pip install -q -c constraints/original.txt -e ".[original]" "pytest>=8" "pytest-timeout>=2.3" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv-original/bin/python -m pytest -q -p no:cacheprovider tests/test_original_backends.py "$@"
