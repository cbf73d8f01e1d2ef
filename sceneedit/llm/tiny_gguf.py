"""Write a tiny random-weight llama-architecture GGUF that llama.cpp loads in milliseconds.

Tests use it to exercise the *real* llama.cpp code paths (loading, chat formatting, grammar-
constrained decoding, log-likelihood scoring, KV-cache reuse) without shipping or downloading
real weights. Only the pure-Python ``gguf`` package is needed here; llama_cpp is not imported.

Facts this relies on (measured with llama.cpp through llama-cpp-python 0.3.x):
- the SPM ("llama") tokenizer model works with a hand-made vocabulary, but llama.cpp looks up
  the byte tokens (``<0x0A>`` at least) at load time, so all 256 ``<0xNN>`` tokens are present;
- the context length in the metadata must be >= the ``n_ctx`` the model is opened with;
- a chat template (``tokenizer.chat_template``) is read from the metadata like a real model's.
"""
from __future__ import annotations

import string
from pathlib import Path

import numpy as np

# Plain ChatML, as in the Qwen2.5 models (same control tokens); llm_api.py owns the constant.
from sceneedit.llm.api import CHATML

# SPM marks a space with U+2581.
_SP = "\u2581"

# Multi-character pieces that make JSON output (and JSON-ish prompts) take few tokens, so a
# grammar-constrained run over a random model finishes in a handful of decode steps.
_JSON_PIECES = [
    '{"', '"}', '":', '",', '":"', '","', '"]', '["', '[{"', '"}]', '}]', '},', '},{"',
    '":[', '":{"', '":[{"', ': ', ', ', '{}', '[]', 'true', 'false', 'null',
]
_WORDS = [
    "the", "object", "edit", "is", "a", "an", "of", "to", "and", "lamp", "table", "chair",
    "cup", "red", "blue", "green", "remove", "replace", "recolor", "move", "user", "system",
    "assistant", "json", "action", "target", "color", "name", "label", "id",
]

_UNK, _BOS, _EOS, _IM_START, _IM_END = range(5)
_SPECIAL = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Return (tokens, scores, types) for the base vocabulary (~600 tokens)."""
    from gguf import TokenType

    tokens: list[str] = list(_SPECIAL)
    types: list[int] = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL,
                        TokenType.CONTROL, TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [TokenType.BYTE] * 256
    normal: list[str] = [_SP]
    chars = [c for c in string.printable if c not in string.whitespace]
    normal += chars
    normal += [_SP + c for c in chars]
    normal += _JSON_PIECES + [_SP + p for p in _JSON_PIECES if not p.startswith(("{", "[", ":", ","))]
    normal += _WORDS + [_SP + w for w in _WORDS]
    # SPM only merges two adjacent pieces whose concatenation is itself a token, so a long
    # piece is reachable from the characters only if its prefixes are tokens too.
    normal = [piece[:k] for piece in normal for k in range(1, len(piece) + 1)]
    seen: set[str] = set(tokens)
    for piece in normal:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(TokenType.NORMAL)
    # SPM merges prefer the highest score: longer pieces first, so prompts tokenize compactly.
    scores = [0.0] * len(tokens)
    for i, (tok, typ) in enumerate(zip(tokens, types)):
        if typ == TokenType.NORMAL:
            scores[i] = float(len(tok))
    return tokens, scores, [int(t) for t in types]


def write_tiny_gguf(
    path: str | Path,
    vocab_size: int | None = None,
    n_ctx: int = 4096,
    seed: int = 0,
    chat_template: str = CHATML,
    n_embd: int = 64,
    n_layer: int = 2,
    n_head: int = 4,
    n_head_kv: int = 2,
    n_ff: int = 128,
) -> Path:
    """Write a random-weight llama GGUF to ``path`` and return the path.

    ``vocab_size`` pads the base vocabulary (~600 tokens) with unused tokens; it cannot be
    smaller than the base. Weights are F32 and deterministic for a given ``seed``.
    """
    from gguf import GGUFWriter, TokenType

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens, scores, types = _vocabulary()
    if vocab_size is not None:
        if vocab_size < len(tokens):
            raise ValueError(f"vocab_size must be >= {len(tokens)} (the base vocabulary)")
        for i in range(len(tokens), vocab_size):
            tokens.append(f"<unused{i}>")
            scores.append(0.0)
            types.append(int(TokenType.UNUSED))
    n_vocab = len(tokens)
    head_dim = n_embd // n_head
    if head_dim * n_head != n_embd:
        raise ValueError("n_embd must be divisible by n_head")

    w = GGUFWriter(str(path), "llama")
    w.add_name("sceneedit-tiny-random")
    w.add_file_type(0)  # ALL_F32
    w.add_context_length(n_ctx)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)

    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(_BOS)
    # Like Qwen's instruct models: <|im_end|> ends a turn, so generation stops there.
    w.add_eos_token_id(_IM_END)
    w.add_eot_token_id(_IM_END)
    w.add_unk_token_id(_UNK)
    w.add_add_bos_token(False)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)
    w.add_chat_template(chat_template)

    rng = np.random.default_rng(seed)

    def mat(rows: int, cols: int, std: float) -> np.ndarray:
        # numpy (rows, cols) is stored as GGUF ne = [cols, rows]: llama.cpp's (in, out) order.
        return (rng.standard_normal((rows, cols)) * std).astype(np.float32)

    w.add_tensor("token_embd.weight", mat(n_vocab, n_embd, 1.0))
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    # std 0.3 gives logits with a spread of a few nats: greedy choices are clear, not ties.
    w.add_tensor("output.weight", mat(n_vocab, n_embd, 0.3))
    kv_dim = head_dim * n_head_kv
    for i in range(n_layer):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", mat(n_embd, n_embd, 0.1))
        w.add_tensor(p + "attn_k.weight", mat(kv_dim, n_embd, 0.1))
        w.add_tensor(p + "attn_v.weight", mat(kv_dim, n_embd, 0.1))
        w.add_tensor(p + "attn_output.weight", mat(n_embd, n_embd, 0.1))
        w.add_tensor(p + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", mat(n_ff, n_embd, 0.1))
        w.add_tensor(p + "ffn_up.weight", mat(n_ff, n_embd, 0.1))
        w.add_tensor(p + "ffn_down.weight", mat(n_embd, n_ff, 0.1))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
