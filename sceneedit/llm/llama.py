"""The LLM interface the planner uses, and its llama.cpp backend (llama-cpp-python).

Two operations matter for planning:
- ``generate_json``: greedy, grammar-constrained decoding from a JSON schema. The grammar
  guarantees syntax and enums but NOT integer minimum/maximum: bound numbers with enums or
  maxItems, and always validate the result.
- ``score``: log-likelihood of candidate continuations after one shared prefix, which is
  evaluated once; each candidate then costs only its own tokens (minus one).

KV-cache reuse: one ``Llama`` object per process keeps the tokens it has evaluated. Before every
call the prompt's tokens are compared with them; the longest common prefix stays in the KV cache
and only the rest is evaluated. A planner that always starts its prompts with the same static
text (system prompt, tool docs, examples) pays for that text once. ``LLMStats`` counts evaluated
vs reused prompt tokens so a benchmark can show the effect. llama_cpp is imported lazily.
"""
from __future__ import annotations

import ctypes
import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sceneedit.errors import InvalidInputError, SceneEditError
from sceneedit.llm.api import (  # noqa: F401  (LLM, Message: re-exported)
    CHATML, LLM, ContinuationScore, LLMStats, Message, Prompt)
from sceneedit.llm.models import resolve_model

_MAX_PINNED = 8
_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])  # C layout


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise SceneEditError(
            "the local LLM needs llama-cpp-python, which is not installed: "
            "pip install 'sceneedit[llm]'. It compiles from source (about 8 min on 2 cores); "
            "CMAKE_ARGS=\"-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF\" pip install 'sceneedit[llm]' "
            "builds a portable AVX2 library in about 3 min."
        ) from exc
    except (OSError, RuntimeError) as exc:  # the native library failed to load
        raise SceneEditError(
            f"llama-cpp-python is installed but its native library does not load ({exc}); "
            "reinstall it: pip install --force-reinstall --no-cache-dir llama-cpp-python"
        ) from exc
    return llama_cpp


def _default_threads() -> int:
    # llama.cpp's threads spin at barriers (OpenMP build): on a machine shared with other
    # CPU-bound work, 2 threads on 2 cores can be 5-10x slower than 1; let the user choose.
    env = os.environ.get("SCENEEDIT_LLM_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise InvalidInputError(f"SCENEEDIT_LLM_THREADS={env!r}: expected a positive integer")
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))


class LlamaCppLLM:
    """``LLM`` on llama.cpp. Not thread-parallel: calls are serialised by a lock."""

    def __init__(self, model_path: str | Path, n_ctx: int = 4096, n_threads: int | None = None,
                 seed: int = 0, n_batch: int = 512, verbose: bool = False):
        llama_cpp = _import_llama_cpp()
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.seed = seed
        threads = n_threads or _default_threads()
        t0 = time.perf_counter()
        # llama-cpp-python defaults to half the cores for generation; on 2 cores that is 1.
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(self.model_path), n_ctx=n_ctx, n_batch=n_batch,
                n_threads=threads, n_threads_batch=threads, seed=seed, logits_all=False,
                verbose=verbose,
            )
        except ValueError as exc:  # llama.cpp's only word for any file it cannot load
            raise InvalidInputError(
                f"llama.cpp could not load {self.model_path} ({exc}): the file is corrupt or "
                f"of a model architecture this llama.cpp does not support; get the file again "
                f"(a tier: delete it and run again to re-assemble it), or pick another --llm"
            ) from None
        self.stats = LLMStats(load_seconds=time.perf_counter() - t0)
        self.last = LLMStats()
        self._lib = llama_cpp
        self._vocab = self._llama._model.vocab
        self._n_vocab = self._llama.n_vocab()
        self._lock = threading.RLock()
        self._grammars: dict[str, Any] = {}
        self._formatters: dict[bool, Any] = {}
        self._pinned: dict[tuple[int, ...], Any] = {}  # prefix tokens -> saved KV state
        self.chat_template = self._llama.metadata.get("tokenizer.chat_template") or CHATML

    # -- text ----------------------------------------------------------------------------------

    def format_chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        msgs = []
        for i, m in enumerate(messages):
            if not isinstance(m, Mapping) or not isinstance(m.get("role"), str) \
                    or not isinstance(m.get("content"), str):
                raise InvalidInputError(f"message {i}: expected {{'role': str, 'content': str}}")
            msgs.append({"role": m["role"], "content": m["content"]})
        if not msgs:
            raise InvalidInputError("no messages to format")
        fmt = self._formatters.get(add_generation_prompt)
        if fmt is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            model = self._llama._model

            def text(tok: int) -> str:
                return model.token_get_text(tok) if tok != -1 else ""

            fmt = Jinja2ChatFormatter(
                self.chat_template, eos_token=text(self._llama.token_eos()),
                bos_token=text(self._llama.token_bos()),
                add_generation_prompt=add_generation_prompt,
            )
            self._formatters[add_generation_prompt] = fmt
        return fmt(messages=msgs).prompt

    def tokenize(self, text: str, special: bool = True, add_special: bool = True) -> list[int]:
        """Tokens of ``text``; ``special`` parses control tokens such as ``<|im_start|>``."""
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_special, special=special)

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self._llama.detokenize(list(tokens)).decode("utf-8", errors="replace")

    # -- KV cache ------------------------------------------------------------------------------

    @staticmethod
    def _lcp(a: Sequence[int] | np.ndarray, b: Sequence[int]) -> int:
        m = min(len(a), len(b))
        if not m:
            return 0
        same = np.asarray(a[:m]) == np.asarray(b[:m])
        return m if bool(same.all()) else int(np.argmin(same))

    def pin_prefix(self, text: str, persist: bool = False) -> int:
        """Keep a copy of the KV state of ``text`` (system prompt, tool docs, examples) so that
        a later prompt starting with it restores it instead of re-evaluating it, even after
        other prompts have replaced it in the cache. Returns its number of tokens.

        The automatic reuse only covers the previous prompt; pinning covers alternating
        prompts (a few MB per pin: 0.5B Qwen ~12 KB/token, 1.5B ~28 KB/token at f16).
        ``persist`` also keeps the state on disk (``prefix_state``), so the next process
        restores it instead of evaluating the prefix again.
        """
        from . import prefix_state

        tokens = self.tokenize(text)
        self._check_fits(len(tokens), 0)
        if tuple(tokens) in self._pinned:
            return len(tokens)
        lib = self._lib
        directory = prefix_state.state_dir() if persist else None
        key = prefix_state.state_key(self.model_path, lib.__version__, self.n_ctx, tokens) \
            if directory is not None else None
        with self._lock:
            stored = prefix_state.load(directory, key) if key else None
            if stored is not None:
                buf = (ctypes.c_uint8 * len(stored)).from_buffer_copy(stored)
                self._pin(tokens, buf)
                if self._restore_pinned(tokens, 0) == len(tokens):
                    self.stats.prefix_states_loaded += 1
                    return len(tokens)
                self._pinned.pop(tuple(tokens), None)  # unusable here: evaluate it
            call = LLMStats(calls=1)
            self._sync_prompt(tokens, call)
            self._record(call)
            buf = self._copy_state(len(tokens))
            if buf is None:
                raise SceneEditError("llama.cpp could not copy the KV state of the prefix")
            self._pin(tokens, buf)
            if key:
                prefix_state.save(directory, key, bytes(buf))
        return len(tokens)

    def pin_current(self, min_tokens: int = 64) -> int:
        """Pin whatever the KV cache holds now (in memory only), so that a detour through
        other prompts — scoring candidate referents — does not cost the next prompt that
        continues it (the plan prompt with its scene) a re-evaluation. Returns the number of
        tokens pinned (0 when fewer than ``min_tokens`` are cached)."""
        with self._lock:
            llama = self._llama
            tokens = [int(t) for t in llama.input_ids[:llama.n_tokens]]
            if len(tokens) < min_tokens or tuple(tokens) in self._pinned:
                return len(tokens) if len(tokens) >= min_tokens else 0
            buf = self._copy_state(len(tokens))
            if buf is None:
                return 0   # nothing lost but the shortcut
            self._pin(tokens, buf)
            return len(tokens)

    def _copy_state(self, n_tokens: int) -> Any | None:
        """A copy of the KV state of the first ``n_tokens`` cached tokens (cells past them are
        dropped first), or None when llama.cpp cannot copy it."""
        llama = self._llama
        llama._ctx.kv_cache_seq_rm(0, n_tokens, -1)
        size = self._lib.llama_state_seq_get_size(llama.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        if self._lib.llama_state_seq_get_data(llama.ctx, buf, size, 0) != size:
            return None
        return buf

    def _pin(self, tokens: list[int], buf: Any) -> None:
        self._pinned.pop(tuple(tokens), None)
        self._pinned[tuple(tokens)] = buf
        while len(self._pinned) > _MAX_PINNED:
            self._pinned.pop(next(iter(self._pinned)))

    def _restore_pinned(self, tokens: list[int], cached: int) -> int:
        """Restore the pinned state sharing the most tokens with ``tokens`` if that beats the
        ``cached`` common prefix; return the (new) number of reusable tokens."""
        best, best_k = None, cached
        for pinned, buf in self._pinned.items():
            k = self._lcp(pinned, tokens)
            if k > best_k:
                best, best_k = (pinned, buf), k
        if best is None:
            return cached
        pinned, buf = best
        llama = self._llama
        llama._ctx.kv_cache_seq_rm(0, 0, -1)
        if self._lib.llama_state_seq_set_data(llama.ctx, buf, len(buf), 0) == 0:
            llama.reset()
            return 0
        llama.input_ids[:len(pinned)] = pinned
        llama.n_tokens = len(pinned)
        llama._requires_eval = True  # the state holds KV entries, not the last logits
        return best_k

    def _sync_prompt(self, tokens: list[int], call: LLMStats) -> None:
        """Make the KV cache hold exactly ``tokens`` with the last token's logits current,
        evaluating only what is not already cached (or pinned)."""
        llama = self._llama
        n = len(tokens)
        t0 = time.perf_counter()
        lcp = self._lcp(llama.input_ids[:llama.n_tokens], tokens)
        if self._pinned and lcp < n:
            lcp = self._restore_pinned(tokens, lcp)
        if lcp == n and llama.n_tokens == n and not llama._requires_eval:
            keep = n  # the logits of the last token are still the live ones
        else:
            # At least one token is evaluated so that its logits are fresh.
            keep = min(lcp, n - 1)
            if keep > 0 and not llama._ctx.kv_cache_seq_rm(-1, keep, -1):
                keep = 0  # the memory cannot be truncated (recurrent models): start over
            if keep == 0:
                llama.reset()
            else:
                llama.n_tokens = keep
            llama.eval(tokens[keep:])
        call.prompt_seconds += time.perf_counter() - t0
        call.prompt_tokens += n
        call.prompt_tokens_reused += keep
        call.prompt_tokens_evaluated += n - keep

    def _decode_all_logits(self, tokens: Sequence[int]) -> np.ndarray:
        """Append ``tokens`` to the cache and return the logits at each of their positions."""
        llama = self._llama
        rows = []
        for i in range(0, len(tokens), llama.n_batch):
            chunk = list(tokens[i:i + llama.n_batch])
            n_past = llama.n_tokens
            llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
            llama._batch.set_batch(batch=chunk, n_past=n_past, logits_all=True)
            llama._ctx.decode(llama._batch)
            ptr = llama._ctx.get_logits()
            rows.append(np.ctypeslib.as_array(ptr, shape=(len(chunk), self._n_vocab)).copy())
            llama.input_ids[n_past:n_past + len(chunk)] = chunk
            llama.n_tokens = n_past + len(chunk)
        return np.concatenate(rows)

    def _check_fits(self, n_prompt: int, extra: int) -> None:
        if n_prompt == 0:
            raise InvalidInputError("empty prompt: there is nothing to condition on")
        if n_prompt + extra > self.n_ctx:
            raise InvalidInputError(
                f"prompt of {n_prompt} tokens (+{extra}) does not fit the context of {self.n_ctx}"
                " tokens; open the model with a larger n_ctx or shorten the prompt"
            )

    # -- operations ----------------------------------------------------------------------------

    def _grammar(self, schema: Mapping[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        grammar = self._grammars.get(key)
        if grammar is None:
            try:
                grammar = self._lib.LlamaGrammar.from_json_schema(key, verbose=False)
            except Exception as exc:
                raise InvalidInputError(f"JSON schema cannot be turned into a grammar: {exc}") from exc
            self._grammars[key] = grammar
        return grammar

    def generate_json(self, prompt: Prompt, schema: Mapping[str, Any], max_tokens: int = 512,
                      temperature: float = 0.0, seed: int = 0) -> str:
        text = prompt if isinstance(prompt, str) else self.format_chat(prompt)
        tokens = self.tokenize(text)
        self._check_fits(len(tokens), 1)
        max_tokens = min(max_tokens, self.n_ctx - len(tokens))
        grammar = self._grammar(schema)
        call = LLMStats(calls=1)
        with self._lock:
            self._llama.set_seed(seed)
            self._sync_prompt(tokens, call)
            t0 = time.perf_counter()
            if temperature == 0.0:
                out = self._greedy_with_grammar(grammar, max_tokens, call)
            else:
                out = self._sample_with_grammar(tokens, grammar, temperature, max_tokens, call)
            call.generation_seconds = time.perf_counter() - t0
            self._record(call)
        return self.detokenize(out)

    def _greedy_with_grammar(self, grammar: Any, max_tokens: int, call: LLMStats) -> list[int]:
        """Greedy decoding that checks the grammar on the argmax token first.

        Masking all ~150k tokens with the grammar costs 25-40 ms per token on 2 cores (about as
        much as the 0.5B model's forward pass); the argmax of a sensible model is almost always
        allowed, and then one check suffices. The result equals greedy over the masked logits.
        """
        lib, llama = self._lib, self._llama
        smpl = lib.llama_sampler_init_grammar(
            self._vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
        if not smpl:
            raise InvalidInputError("llama.cpp rejected the grammar made from the JSON schema")
        one = (lib.llama_token_data * 1)()
        one_arr = lib.llama_token_data_array(one, 1, -1, False)
        full = full_arr = view = None
        out: list[int] = []
        try:
            while True:
                logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(self._n_vocab,))
                tok = int(np.argmax(logits))
                one[0].id, one[0].logit, one[0].p = tok, float(logits[tok]), 0.0
                one_arr.size, one_arr.selected, one_arr.sorted = 1, -1, False
                lib.llama_sampler_apply(smpl, ctypes.byref(one_arr))
                if not np.isfinite(one[0].logit):  # rejected: mask the whole vocabulary
                    if full is None:
                        full = (lib.llama_token_data * self._n_vocab)()
                        full_arr = lib.llama_token_data_array(full, self._n_vocab, -1, False)
                        view = np.frombuffer(full, dtype=_TOKEN_DATA)
                    view["id"] = np.arange(self._n_vocab, dtype=np.int32)
                    view["logit"] = logits
                    full_arr.size, full_arr.selected, full_arr.sorted = self._n_vocab, -1, False
                    lib.llama_sampler_apply(smpl, ctypes.byref(full_arr))
                    masked = view["logit"][: full_arr.size]
                    if not np.isfinite(masked.max()):
                        raise SceneEditError("the JSON grammar allows no token here")
                    tok = int(view["id"][int(np.argmax(masked))])
                lib.llama_sampler_accept(smpl, tok)
                call.generated_tokens += 1
                if lib.llama_vocab_is_eog(self._vocab, tok):
                    return out
                out.append(tok)
                if len(out) >= max_tokens:
                    call.truncated = 1
                    return out
                llama.eval([tok])
        finally:
            lib.llama_sampler_free(smpl)

    def _sample_with_grammar(self, tokens: list[int], grammar: Any, temperature: float,
                             max_tokens: int, call: LLMStats) -> list[int]:
        """Seeded sampling through llama-cpp-python's own sampler chain."""
        out: list[int] = []
        # The prompt is exactly cached, so generate() samples at once (no re-eval).
        gen = self._llama.generate(tokens, temp=temperature, top_k=40, top_p=0.95,
                                   min_p=0.05, repeat_penalty=1.0, grammar=grammar)
        try:
            for tok in gen:
                call.generated_tokens += 1
                if self._lib.llama_vocab_is_eog(self._vocab, tok):
                    break
                out.append(tok)
                if len(out) >= max_tokens:
                    call.truncated = 1
                    break
        finally:
            gen.close()
        return out

    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        return [s.logprob for s in self.score_detailed(prefix, continuations)]

    def score_detailed(self, prefix: str, continuations: Sequence[str]) -> list[ContinuationScore]:
        """Per-continuation total log-likelihood and token count (``mean_logprob``).

        The continuation's tokens are those of ``prefix + continuation`` after the prefix's own
        tokens, so merges across the boundary are respected; start continuations with a space
        and do not end the prefix with one.
        """
        if isinstance(continuations, str):
            raise InvalidInputError("continuations must be a list of strings, not one string")
        if not continuations:
            return []
        p_tokens = self.tokenize(prefix)
        conts = [self._continuation_tokens(prefix, p_tokens, c) for c in continuations]
        self._check_fits(len(p_tokens), max(len(c) for c in conts))
        call = LLMStats(calls=1)
        results = []
        with self._lock:
            self._sync_prompt(p_tokens, call)
            n_p = len(p_tokens)
            first = _log_softmax(np.ctypeslib.as_array(
                self._llama._ctx.get_logits_ith(-1), shape=(self._n_vocab,)))
            t0 = time.perf_counter()
            try:
                for text, c in zip(continuations, conts):
                    total = float(first[c[0]])
                    if len(c) > 1:
                        # Rewind to the prefix: its KV entries stay, the last candidate's go.
                        self._llama.n_tokens = n_p
                        lp = _log_softmax(self._decode_all_logits(c[:-1]))
                        total += float(lp[np.arange(len(c) - 1), c[1:]].sum())
                    results.append(ContinuationScore(text, total, len(c)))
                    call.scored_tokens += len(c)
            finally:
                # Leave the cache holding the prefix; the live logits belong to some candidate,
                # so the next call must re-evaluate the prefix's last token.
                self._llama._ctx.kv_cache_seq_rm(-1, n_p, -1)
                self._llama.n_tokens = n_p
                self._llama._requires_eval = True
            call.score_seconds = time.perf_counter() - t0
            self._record(call)
        return results

    def _continuation_tokens(self, prefix: str, p_tokens: list[int], text: str) -> list[int]:
        if not text:
            raise InvalidInputError("empty continuation: every candidate needs at least one token")
        joint = self.tokenize(prefix + text)
        if len(joint) > len(p_tokens) and joint[:len(p_tokens)] == p_tokens:
            return joint[len(p_tokens):]
        # The boundary merged into the prefix's last token: score the continuation on its own.
        return self.tokenize(text, special=False, add_special=False)

    def _record(self, call: LLMStats) -> None:
        self.last = call
        self.stats.add(call)

    def reset_stats(self) -> None:
        self.stats = LLMStats(load_seconds=self.stats.load_seconds)

    def close(self) -> None:
        self._llama.close()


_INSTANCES: dict[tuple[str, int, int], LlamaCppLLM] = {}
_INSTANCES_LOCK = threading.Lock()


def get_llm(spec: str | os.PathLike[str] | None = None, n_ctx: int = 4096,
            n_threads: int | None = None, seed: int = 0) -> LlamaCppLLM:
    """The process-wide ``LlamaCppLLM`` for ``spec`` (see ``resolve_model``), loaded once.

    ``seed`` is only the context's initial seed: every ``generate_json`` call sets its own, so
    one instance serves all seeds (it is not part of the sharing key).
    """
    _import_llama_cpp()  # fail before assembling a 1 GB file for a backend that is absent
    path = resolve_model(spec).resolve()
    key = (str(path), n_ctx, n_threads or _default_threads())
    with _INSTANCES_LOCK:
        llm = _INSTANCES.get(key)
        if llm is None:
            llm = _INSTANCES[key] = LlamaCppLLM(path, n_ctx=n_ctx, n_threads=key[2], seed=seed)
    return llm


def clear_llm_cache() -> None:
    """Close and forget every shared instance (frees the models' memory)."""
    with _INSTANCES_LOCK:
        for llm in _INSTANCES.values():
            llm.close()
        _INSTANCES.clear()
