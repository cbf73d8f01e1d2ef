"""The write side of sceneedit's file handling: outputs are checked before anything is computed
or written, written atomically and as a group, and the paths documents name are kept inside the
folders the user gave.

Rules (issue 13):

* **Atomic.** Each file is written to a hidden temp beside it (``.NAME.PID-HOST.RANDOM.tmp``) and
  renamed over the target, so a reader (or a kill -9) never sees half a file.
* **As a group.** The outputs of one command (``graph --out --png``, ``render -o --workflow``)
  are all staged as temps first and renamed only when every one of them was written; a failure
  leaves none of them (and changes no existing one).
* **Stale temps** from killed runs are removed by the next write of the same file: those whose
  writer process on this host is gone; those without a process id (older sceneedit versions)
  older than ``STALE_SECONDS``; another host's (a shared folder) older than
  ``OTHER_HOST_SECONDS``. A live writer's temp is never touched, so concurrent runs are safe.
* **Modes follow umask**: a new file gets ``0666 & ~umask`` (temps are created with 0666 and the
  kernel applies the umask), a replaced file keeps its mode.
* **Symlinks are written through**: ``-o link.png`` replaces the file the link points to and
  the link stays a link.
* **Inputs are not clobbered**: an output that is one of the command's input files is refused
  unless the user passes ``--overwrite-input``.
* **Containment**: a file a document names (a plan's ``image_name``, a session's ``turns[i]``
  files) must lie inside the folder the user gave: no absolute paths, no ``..``, no symlink out.
"""
from __future__ import annotations

import errno
import glob
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from .errors import InvalidInputError, UnsafePathError

Writer = Callable[[BinaryIO], None]

# A temp older than this whose writer cannot be identified is a leftover of a killed run (a
# single output is written in well under a second; the largest, a 64 MP PNG, in ~10 s).
STALE_SECONDS = 60.0
# A temp whose process id is alive is kept unless it is this old (the id was reused).
REUSED_PID_SECONDS = 24 * 3600.0
# Another host's writer cannot be asked whether it is alive: its temp is judged by age alone.
OTHER_HOST_SECONDS = 3600.0
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere",
    errno.EDQUOT: "the disk quota is exceeded: free some space or write elsewhere",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.EACCES: "permission denied: write elsewhere or fix the folder's permissions",
    errno.EPERM: "not permitted: write elsewhere or fix the folder's permissions",
    errno.EISDIR: "it is a folder: give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.ELOOP: "too many levels of symbolic links",
}


def describe_os_error(exc: OSError, action: str = "") -> str:
    """One line for an OS error: what failed, on which file, and what to do."""
    what = exc.strerror or exc.__class__.__name__
    hint = _HINTS.get(exc.errno or 0)
    head = " ".join(str(p) for p in (action, exc.filename) if p)
    tail = f"{hint} ({what})" if hint else what
    return f"{head}: {tail}" if head else tail


def image_format(path: str | Path) -> str:
    """The PIL format an output image's suffix asks for, or InvalidInputError."""
    p = Path(path)
    fmt = IMAGE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InvalidInputError(f"cannot write {p}: use a .png, .jpg or .webp file name")
    return fmt


# ---- checking paths ----------------------------------------------------------------------------

def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def write_target(path: str | Path) -> Path:
    """The file a write to ``path`` changes: a symlink's target (written through), else it."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def check_output_path(path: str | Path, what: str = "output",
                      inputs: Mapping[str, str | Path | None] | None = None,
                      overwrite_input: bool = False) -> Path:
    """Refuse an output path that cannot be written as a file (a folder, a parent that is a
    file, a read-only folder) or that is one of ``inputs`` (unless ``overwrite_input``), before
    any work is done. Returns the file that will be written (symlinks resolved)."""
    p = write_target(path)
    if p.is_dir():
        raise InvalidInputError(f"{what} {path} is a folder: give a file name")
    if not p.name or p.name in (".", ".."):
        raise InvalidInputError(f"{what} {path!s} is not a file name")
    ancestor = p.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidInputError(f"cannot write {what} {path}: {ancestor} is a file, not a "
                                "folder")
    if ancestor == p.parent and not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidInputError(f"cannot write {what} {path}: folder {ancestor} is not "
                                "writable; write elsewhere")
    for name, given in (inputs or {}).items():
        if given and not overwrite_input and _same_file(p, Path(given)):
            raise InvalidInputError(f"{what} {path} is the input {name} {given}: write the result "
                                    "elsewhere (or pass --overwrite-input to replace it)")
    return p


def check_output_folder(path: str | Path, what: str = "output folder") -> Path:
    """Refuse an output folder that is a file or sits below one."""
    p = Path(path)
    ancestor = p
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidInputError(f"{what} {path}: {ancestor} is a file, not a folder; give a "
                                "folder")
    return p


def contained(root: str | Path, name: object, field: str) -> Path:
    """``root/name`` for a file name a document gives, refused unless it stays inside ``root``
    (the folder the user gave): no absolute path, no ``..``, no symlink leading out."""
    if not isinstance(name, str) or not name or "\0" in name:
        raise InvalidInputError(f"{field}: expected a file name, got {name!r}")
    rel = Path(name)
    if rel.is_absolute() or rel.drive or ".." in rel.parts:
        raise UnsafePathError(f"{field}: {name!r} points outside {root}; a document may only "
                                "name files inside the folder given to sceneedit")
    base = Path(root)
    path = base / rel
    real_root, real = os.path.realpath(base), os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root:
        raise UnsafePathError(f"{field}: {name!r} is a link to {real}, outside {root}; a "
                                "document may only name files inside the folder given to "
                                "sceneedit")
    return path


# ---- stale temps -------------------------------------------------------------------------------

_HOST = re.sub(r"[^A-Za-z0-9_]+", "_", socket.gethostname())[:40] or "host"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _is_stale(tmp: Path, now: float) -> bool:
    try:
        age = now - tmp.lstat().st_mtime
    except OSError:
        return False
    parts = tmp.name[:-len(".tmp")].rsplit(".", 2)
    pid, _, host = parts[1].partition("-") if len(parts) == 3 else ("", "", "")
    if not pid.isdigit():
        return age > STALE_SECONDS
    if host != _HOST:
        return age > OTHER_HOST_SECONDS
    if int(pid) == os.getpid():
        return False
    return not _pid_alive(int(pid)) or age > REUSED_PID_SECONDS


def clean_stale_temps(folder: str | Path, name: str) -> int:
    """Remove the temps killed writers of ``folder/name`` left behind; return how many."""
    removed = 0
    now = time.time()
    for tmp in Path(folder).glob(f".{glob.escape(name)}.*.tmp"):
        if _is_stale(tmp, now):
            try:
                tmp.unlink()
                removed += 1
            except OSError:
                pass
    return removed


# ---- writing -----------------------------------------------------------------------------------

def _stage(target: Path, write: Writer) -> Path:
    """Write a temp beside ``target`` holding the new content; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target.parent, target.name)
    tmp = target.parent / f".{target.name}.{os.getpid()}-{_HOST}.{secrets.token_hex(4)}.tmp"
    # 0666: the kernel applies the umask, as for any new file; a replaced file keeps its mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                mode = None
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_files(writes: Iterable[tuple[str | Path, Writer] | tuple[str | Path, Writer, str]]
                ) -> None:
    """Write every ``(path, writer[, what])`` or none: all temps are staged first, then renamed
    into place. An OS error (full disk, read-only folder) becomes an InvalidInputError naming
    the file (as ``what``, e.g. ``-o``), with every temp removed and every existing target
    unchanged."""
    planned = [(Path(path), write, named[0] if named else "output")
               for path, write, *named in writes]
    for path, _, what in planned:  # nothing is written when any of them cannot be
        check_output_path(path, what)
    staged: list[tuple[Path, Path, Path, str]] = []
    try:
        for path, write, what in planned:
            target = write_target(path)
            try:
                staged.append((_stage(target, write), target, path, what))
            except OSError as exc:
                raise InvalidInputError(_write_error(exc, path, what)) from None
        for tmp, target, path, what in staged:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise InvalidInputError(_write_error(exc, path, what)) from None
    except BaseException:
        for tmp, *_ in staged:
            tmp.unlink(missing_ok=True)
        raise


def _write_error(exc: OSError, path: Path, what: str) -> str:
    """The message for a failed write, naming the output rather than its hidden temp."""
    if exc.filename is None or Path(str(exc.filename)).name.startswith("."):
        exc.filename = str(path)
    return describe_os_error(exc, f"cannot write {what}")


class Outputs:
    """The files one command writes: each path is checked when it is added (before the command
    does its work) and all are written together by ``write`` (all or none)."""

    def __init__(self, inputs: Mapping[str, str | Path | None] | None = None,
                 overwrite_input: bool = False):
        self.inputs = dict(inputs or {})
        self.overwrite_input = overwrite_input
        self.paths: dict[str, Path] = {}

    def add(self, what: str, path: str | Path | None, image: bool = False) -> Path | None:
        """Check ``path`` (None: the output was not asked for) and remember it as ``what``."""
        if path is None:
            return None
        if image:
            image_format(path)
        for other, known in self.paths.items():
            if _same_path(known, Path(path)):
                raise InvalidInputError(f"{what} and {other} are the same file {path}: give "
                                        "two different names")
        check_output_path(path, what, self.inputs, self.overwrite_input)
        self.paths[what] = Path(path)
        return Path(path)

    def write(self, contents: Mapping[str, Writer | str | bytes | None]) -> None:
        """Write the contents of the added outputs (keyed by ``what``; None: skipped)."""
        writes = []
        for what, content in contents.items():
            if content is None or what not in self.paths:
                continue
            writes.append((self.paths[what], as_writer(content), what))
        write_files(writes)


def _same_path(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def as_writer(content: Writer | str | bytes) -> Writer:
    """A writer for text (UTF-8), bytes, or a writer as it is."""
    if isinstance(content, str):
        data = content.encode("utf-8")
        return lambda fh: fh.write(data)
    if isinstance(content, (bytes, bytearray)):
        return lambda fh: fh.write(content)
    return content
