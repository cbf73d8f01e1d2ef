"""Domain plug-ins: packages that add bricks and a reader of new-object phrases to the core
without the core importing them.

A plug-in is a module named in the entry-point group ``sceneedit.plugins`` (``pyproject.toml``);
importing it registers what it brings (``@brick`` functions, ``register_phrase_reader``). The
synthetic scene domain that ships with sceneedit is one (``sceneedit.synthetic.plugin``); a
third-party package adds its own the same way. The brick toolkit calls ``load_plugins`` when it
is imported, so a workflow naming a plug-in's brick finds it.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

GROUP = "sceneedit.plugins"
PhraseReader = Callable[[str], tuple[str, "str | None"]]

log = logging.getLogger(__name__)
_loaded: dict[str, str] = {}          # entry-point name -> module
_readers: list[PhraseReader] = []


def load_plugins() -> dict[str, str]:
    """Import every installed plug-in once; returns {name: module} of those loaded."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=GROUP):
        if ep.name in _loaded:
            continue
        _loaded[ep.name] = ep.value
        try:
            ep.load()
        except Exception as exc:  # a broken third-party plug-in must not break the core
            log.warning("sceneedit plug-in %s (%s) failed to load: %s", ep.name, ep.value, exc)
    return dict(_loaded)


def register_phrase_reader(reader: PhraseReader) -> PhraseReader:
    """A plug-in's reader of new-object phrases ("a red mug" -> ("mug", "red")), used to check
    that an added or replacing object is what was asked for. The last registered wins."""
    _readers.append(reader)
    return reader


def read_object_phrase(what: str) -> tuple[str, str | None]:
    """(label, colour or None) of a new-object phrase, by the plug-in's reader; without one,
    the phrase's last word as the label (no colour)."""
    if _readers:
        return _readers[-1](what)
    words = re.findall(r"[a-z]+", what.lower())
    return (words[-1] if words else what.strip().lower()), None
