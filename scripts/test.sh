#!/usr/bin/env bash
# Sets up .venv with the dev, llm, batch and vision extras and runs the whole test suite (what CI runs).
# llama-cpp-python is built from source; the portable flags make that ~3 min instead of ~8.
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF}"
bash scripts/setup.sh dev,llm,batch,vision
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -q "$@"
