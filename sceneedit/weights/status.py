"""What ``sceneedit models`` shows: one ``ModelStatus`` per entry of the table, plus a model
named by ``$SCENEEDIT_LLM`` that is not a tier. Reads no weights, hashes nothing, imports
neither torch nor transformers."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import InvalidInputError, MissingWeightsError
from .hf import looks_like_repo_id
from .messages import how_to_get
from .parts import cache_dir, find_parts, stamp_ok
from .resolve import resolve
from .table import ENTRIES, ROLES, ModelTier, WeightEntry, llm_entry


@dataclass
class ModelStatus:
    """One row of ``sceneedit models``: a model and whether it is usable here."""

    name: str
    description: str
    source: str  # "tier", "env", "option", "default" or "embedded"
    path: str | None
    ready: bool  # on this machine (a tier: assembled and verified)
    role: str = "llm"
    parts_installed: int = 0
    parts_total: int = 0
    install: str = ""
    licence: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _tier_status(entry: WeightEntry, tier: ModelTier, directory: Path,
                 env: str | None) -> ModelStatus:
    target = directory / tier.filename
    parts, _ = find_parts(tier)
    ready = stamp_ok(target, tier)
    notes = [f"selected by ${entry.env_var}"] if env == tier.name else []
    if target.is_file() and not ready:
        notes.append("assembled file present but not verified yet")
    return ModelStatus(
        name=tier.name, description=tier.description, source="tier", path=str(target),
        ready=ready, role="llm", parts_installed=len(parts), parts_total=tier.parts,
        install=how_to_get(entry), licence=tier.licence, notes=notes)


def _entry_status(entry: WeightEntry) -> ModelStatus:
    notes = [f"{entry.role}; selected with {entry.option} or ${entry.env_var}"] \
        if entry.env_var else [f"{entry.role}; {entry.layout}"]
    path: Path | None = None
    origin, spec = "default", entry.hf_repo or entry.name
    try:
        found = resolve(entry)
        path, origin, spec = found.path, found.origin, found.spec
    except (MissingWeightsError, InvalidInputError) as exc:
        origin = "env"
        spec = os.environ.get(entry.env_var, "")
        notes.append(str(exc))
    return ModelStatus(
        name=entry.name, description=f"{entry.description}: {spec}", source=origin,
        path=str(path) if path else None, ready=path is not None, role=entry.role,
        install=how_to_get(entry, spec if looks_like_repo_id(spec) else None),
        licence=entry.licence, notes=notes)


def list_models(tiers: Mapping[str, ModelTier] | None = None,
                directory: Path | None = None) -> list[ModelStatus]:
    """Every model of the table with its status, the LLM tiers first (``tiers`` and
    ``directory`` replace the built-in tiers and the cache directory: tests)."""
    directory = directory or cache_dir()
    tier_entries = ([llm_entry(t) for t in tiers.values()] if tiers is not None
                    else [e for e in ENTRIES.values() if e.tier is not None])
    env = os.environ.get("SCENEEDIT_LLM")
    rows: list[ModelStatus] = []
    if env and env not in {e.name for e in tier_entries}:
        path = Path(env).expanduser()
        rows.append(ModelStatus(name=env, description="from $SCENEEDIT_LLM", source="env",
                                path=str(path) if not env.startswith("hf:") else None,
                                ready=path.is_file()))
    rows += [_tier_status(e, e.tier, directory, env) for e in tier_entries]
    if tiers is None:
        others = sorted((e for e in ENTRIES.values() if e.tier is None),
                        key=lambda e: ROLES.index(e.role))
        rows += [_entry_status(e) for e in others]
    return rows
