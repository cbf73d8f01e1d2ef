"""The weights layer: one table, one resolver, one message format, and the model cache's
failure modes (corrupt files, unusable cache directories, killed assemblies, wrong parts)."""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sceneedit.errors import InvalidInputError, MissingWeightsError
from sceneedit.llm.models import resolve_model
from sceneedit.weights import ENTRIES, TIERS, ModelTier, get_entry, missing_weights, resolve
from sceneedit.weights import parts as model_cache
from sceneedit.weights.gguf import check_gguf
from sceneedit.weights.table import ROLES

ROOT = Path(__file__).resolve().parents[1]
HEADER = b"GGUF" + (3).to_bytes(4, "little") + bytes(16)  # v3, no tensors, no metadata


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, env=full, timeout=120)


# ---------------------------------------------------------------------------------------------
# The table and the resolver


def test_one_table_covers_every_role_once() -> None:
    assert {e.role for e in ENTRIES.values()} == set(ROLES)
    env_vars = [e.env_var for e in ENTRIES.values() if e.env_var and e.role != "llm"]
    assert len(env_vars) == len(set(env_vars))
    assert set(TIERS) == {"small", "default"}
    for tier in TIERS.values():  # pins: one digest per part file and per wheel
        assert len(tier.part_sha256) == len(tier.wheel_sha256) == tier.parts
        assert all(len(h) == 64 for h in (*tier.part_sha256, *tier.wheel_sha256))


def test_resolution_order_explicit_env_cache(tmp_path: Path, monkeypatch) -> None:
    entry = get_entry("sam")
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
    constants = pytest.importorskip("huggingface_hub.constants")
    # The cache location is read once, when huggingface_hub is imported: point it here.
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.delenv(entry.env_var, raising=False)
    found = resolve(entry)
    assert found.origin == "default" and found.path is None and found.repo_id == entry.hf_repo
    monkeypatch.setenv(entry.env_var, str(tmp_path / "a"))
    assert resolve(entry).path == (tmp_path / "a").resolve() and resolve(entry).origin == "env"
    found = resolve(entry, tmp_path / "b" / "config.json")  # a file in the checkpoint: its dir
    assert found.origin == "option" and found.path == (tmp_path / "b").resolve()
    # The default id, once in the local Hugging Face cache, is found there without a download.
    monkeypatch.delenv(entry.env_var)
    snap = tmp_path / "hf" / "hub" / f"models--{entry.hf_repo.replace('/', '--')}" / \
        "snapshots" / ("0" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (snap.parents[1] / "refs").mkdir()
    (snap.parents[1] / "refs" / "main").write_text("0" * 40)
    assert resolve(entry).path == snap


def test_embedded_ocr_and_one_message_format(tmp_path: Path) -> None:
    ocr = resolve("ocr")
    installed = importlib.util.find_spec("rapidocr_onnxruntime") is not None
    assert (ocr.origin == "embedded" and ocr.path is not None) == installed
    for name, entry in ENTRIES.items():
        msg = str(missing_weights(entry, "not here"))
        assert msg.startswith(f"{entry.description} ({name}): not here. To get it: ")
        assert ("pip install" in msg) or ("hf download" in msg)
    with pytest.raises(MissingWeightsError, match=r"\$SCENEEDIT_OWLV2_MODEL\) is not a dir"):
        os.environ["SCENEEDIT_OWLV2_MODEL"] = str(tmp_path / "missing")
        try:
            resolve("owlv2")
        finally:
            del os.environ["SCENEEDIT_OWLV2_MODEL"]
    (tmp_path / "sam.pth").write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="original PyTorch checkpoint"):
        resolve("sam", tmp_path / "sam.pth")


def test_models_lists_every_kind_as_json_and_text(tmp_path: Path) -> None:
    r = _cli("models", "--json", env={"SCENEEDIT_CACHE": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {row["role"] for row in rows} == set(ROLES)
    assert [row["name"] for row in rows][:2] == ["small", "default"]
    for row in rows:
        assert row["ready"] or "pip install" in row["install"] or "hf download" in row["install"]
    text = _cli("models", env={"SCENEEDIT_CACHE": str(tmp_path)})
    assert text.returncode == 0
    for role in ROLES:
        assert any(line.startswith(role) for line in text.stdout.splitlines()), role


def test_requirements_with_hashes() -> None:
    r = _cli("models", "--requirements", "small")
    assert r.returncode == 0
    lines = r.stdout.split("\n")[:-1]
    assert lines == TIERS["small"].requirements(hashes=True) and len(lines) == 6
    assert all(" --hash=sha256:" in line for line in lines)
    bad = _cli("models", "--requirements", "huge")
    assert bad.returncode == 2 and "default, small" in bad.stderr and "Traceback" not in bad.stderr


# ---------------------------------------------------------------------------------------------
# GGUF files: truncated or corrupt ones are named before llama.cpp sees them


def test_truncated_gguf_is_named(tmp_path: Path) -> None:
    pytest.importorskip("gguf")
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    whole = write_tiny_gguf(tmp_path / "tiny.gguf")
    check_gguf(whole, "x")
    data = whole.read_bytes()
    for cut in (6, 200, len(data) // 2, len(data) - 1):
        bad = tmp_path / f"cut{cut}.gguf"
        bad.write_bytes(data[:cut])
        with pytest.raises(InvalidInputError, match="truncated or corrupt GGUF.*do this"):
            check_gguf(bad, "do this")
    # A corrupted tensor count in an otherwise whole file.
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(data[:8] + (10**12).to_bytes(8, "little") + data[16:])
    with pytest.raises(InvalidInputError, match="declares"):
        check_gguf(corrupt, "x")
    # Through the CLI: exit 2, one line, no traceback.
    pytest.importorskip("llama_cpp")
    r = _cli("plan", "--graph", str(ROOT / "examples" / "kitchen.graph.json"), "Remove the kettle.",
             "--llm", str(tmp_path / f"cut{len(data) // 2}.gguf"))
    assert r.returncode == 2 and "truncated or corrupt GGUF" in r.stderr
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------------
# The model cache


@pytest.fixture()
def tier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelTier:
    prefix = f"sewt_{uuid.uuid4().hex[:8]}_part"
    blob = HEADER + bytes(range(256)) * 40
    size = len(blob) // 3 + 1
    chunks = [blob[i * size:(i + 1) * size] for i in range(3)]
    for n, chunk in enumerate(chunks, 1):
        pkg = tmp_path / "site" / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    return ModelTier(
        name="tiny", description="test tier", filename="tiny.gguf",
        dist_pattern=prefix.replace("_", "-") + "{n}", module_pattern=prefix + "{n}",
        file_pattern="data/part{n:02d}.bin", parts=3, version="0.0.1", size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(), licence="test", extra="llm-tiny",
        part_sha256=tuple(hashlib.sha256(c).hexdigest() for c in chunks))


def test_corrupted_file_with_mtime_kept_is_rehashed(tier: ModelTier, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = model_cache.assemble(tier, cache, progress=False)
    good = path.read_bytes()
    st = path.stat()
    with open(path, "r+b") as f:  # corrupt the header in place, then put the mtime back
        f.write(b"XXXX")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size == st.st_size
    assert not model_cache.stamp_ok(path, tier)
    # The next resolution re-hashes, finds the mismatch and rebuilds from the parts.
    assert resolve_model("tiny", tiers={"tiny": tier}, directory=cache, progress=False) == path
    assert path.read_bytes() == good and model_cache.stamp_ok(path, tier)


def test_wrong_part_is_named(tier: ModelTier, tmp_path: Path) -> None:
    part2 = model_cache.find_parts(tier)[0][1]
    part2.write_bytes(b"\0" + part2.read_bytes()[1:])
    cache = tmp_path / "cache"
    with pytest.raises(MissingWeightsError, match=r"part 2 of LLM tier 'tiny'.*--force-reinstall"):
        model_cache.assemble(tier, cache, progress=False)
    assert list(cache.iterdir()) == []


def test_killed_assembly_leftovers_are_removed(tier: ModelTier, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = cache / f".tiny.gguf.{dead}.partial"
    stale.write_bytes(b"x" * 1000)
    live = cache / f".tiny.gguf.{os.getppid()}.partial"  # a running assembly: left alone
    live.write_bytes(b"y")
    model_cache.assemble(tier, cache, progress=False)
    assert not stale.exists() and live.exists()


def test_unusable_cache_directory_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(InvalidInputError, match="not a directory.*SCENEEDIT_CACHE"):
        model_cache.writable_cache(blocker)
    with pytest.raises(InvalidInputError, match="SCENEEDIT_CACHE"):
        model_cache.writable_cache(blocker / "sub")
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(InvalidInputError, match="cannot be written"):
            model_cache.writable_cache(ro)
    # The tier is installed here (the shared venv has the default tier's parts) or not: either
    # way the command ends in exit 2 with one line naming what to do.
    r = _cli("plan", "--graph", str(ROOT / "examples" / "kitchen.graph.json"),
             "Remove the kettle.", "--llm", "default", env={"SCENEEDIT_CACHE": str(blocker)})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "SCENEEDIT_CACHE" in r.stderr or "pip install" in r.stderr


def test_file_typed_cache_only_costs_speed_with_an_explicit_model(tmp_path: Path) -> None:
    """The KV prefix states also live in the cache: a file in its place must not crash a plan."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    r = _cli("plan", "--graph", str(ROOT / "examples" / "kitchen.graph.json"),
             "Remove the kettle.", "--llm", str(model), "--threads", "1",
             env={"SCENEEDIT_CACHE": str(blocker)})
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and blocker.read_text() == "not a directory"
