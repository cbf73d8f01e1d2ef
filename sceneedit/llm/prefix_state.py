"""KV states of pinned prompt prefixes, kept on disk between processes.

The planner's static prefix (system prompt, edit docs, worked examples) is the same for every
call, so its KV state is computed once per process — but a CLI call is a new process, and on 2
cores the 1.5B model needs tens of seconds for that prefix. The state is a few tens of MB
(about 28 KB per token for the 1.5B at f16), written once per model and prefix and read back in
well under a second. The key covers everything the bytes depend on: the model file (path,
size, mtime), the llama.cpp build, the context size and the exact prefix tokens; anything else
is a miss and the prefix is evaluated again. A corrupt or truncated file is a miss, never an
error, and is replaced.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

ENV_STATE_DIR = "SCENEEDIT_PREFIX_CACHE"   # "off" disables the disk cache
_MAGIC = b"SEKV1\n"


def state_dir() -> Path | None:
    env = os.environ.get(ENV_STATE_DIR)
    if env and env.lower() in ("0", "off", "no", "false"):
        return None
    if env:
        return Path(env).expanduser()
    from .models import cache_dir

    return cache_dir() / "prefix-states"


def state_key(model_path: Path, backend_version: str, n_ctx: int,
              tokens: Sequence[int]) -> str:
    st = model_path.stat()
    h = hashlib.sha256()
    h.update(f"{model_path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{backend_version}|{n_ctx}|"
             .encode())
    h.update(b",".join(str(t).encode() for t in tokens))
    return h.hexdigest()[:32]


def load(directory: Path, key: str) -> bytes | None:
    path = directory / f"{key}.kv"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    body = data[len(_MAGIC) + 32:]
    if hashlib.sha256(body).hexdigest()[:32].encode() != data[len(_MAGIC):len(_MAGIC) + 32]:
        return None  # truncated or corrupt: recompute and overwrite
    return body


def save(directory: Path, key: str, body: bytes) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a state."""
    tmp = directory / f".{key}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)  # SCENEEDIT_CACHE may be a file
        with open(tmp, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(body).hexdigest()[:32].encode() + body)
        os.replace(tmp, directory / f"{key}.kv")
    except OSError:  # a read-only (or file-typed) cache only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink()
