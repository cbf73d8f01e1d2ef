"""The one declaration of the synthetic domain's object categories.

Everything else reads ``CATEGORIES``: the scene generator (what to draw, in which colours and
sizes), ``draw.parse_object_phrase`` (names and synonyms an ``add``/``replace`` edit may use),
the classical perceiver (the labels it can output and their ``kind``) and the documentation an
LLM planner is shown (``category_table()``). Add a category here and it exists everywhere; the
classical perceiver only needs a rule for its silhouette (``perception/classify.py``).

Natural objects keep natural colours (a banana is yellow) so common-sense instructions hold;
geometric shapes take any palette colour.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ValidationError
from ..palette import COLOR_NAMES
from ..scene.lexicon import Lexicon
from . import geometry as g


@dataclass(frozen=True)
class Category:
    name: str
    kind: str                      # a common-sense class: fruit, shape, container, light, ...
    colors: tuple[str, ...]        # palette names random scenes use (typical colours)
    aspect: tuple[float, float]    # width / height range of the drawn object (builders that
    #                                take an aspect are given one clipped to it; for the others
    #                                it documents what rotation and proportions give)
    size: tuple[int, int]          # longer side in px on a 384-px-high canvas (scales with it)
    build: g.Builder               # unit-space geometry (see geometry.py)
    synonyms: tuple[str, ...] = ()  # other words for it in instructions ("floor lamp")
    description: str = ""          # one line for people and the planner


_ANY = COLOR_NAMES
_NOT_LIGHT = tuple(c for c in COLOR_NAMES if c not in ("white", "gray"))

_DECLARED: tuple[Category, ...] = (
    # -- geometric shapes: any colour ---------------------------------------------------------
    Category("circle", "shape", _ANY, (1.0, 1.0), (44, 100), g.circle,
             ("disc", "disk", "dot"), "a flat filled circle"),
    Category("square", "shape", _ANY, (1.0, 1.0), (44, 96), g.square,
             ("tile",), "a flat filled square, possibly slightly tilted"),
    Category("triangle", "shape", _ANY, (1.04, 1.16), (50, 104), g.triangle,
             (), "a flat filled triangle pointing up"),
    Category("star", "shape", _ANY, (0.97, 1.05), (56, 110), g.star5,
             (), "a five-pointed star"),
    Category("ring", "shape", _ANY, (1.0, 1.0), (50, 100), g.ring,
             ("donut", "doughnut", "hoop", "annulus"), "a circle with a round hole"),
    Category("hexagon", "shape", _ANY, (0.87, 1.15), (48, 100), g.hexagon,
             ("hex",), "a flat filled regular hexagon"),
    # -- everyday objects ---------------------------------------------------------------------
    Category("apple", "fruit", ("red", "green"), (1.05, 1.1), (50, 96), g.apple,
             (), "a fruit with a brown stem and a green leaf; edible"),
    Category("orange", "fruit", ("orange",), (0.88, 0.93), (48, 92), g.orange,
             ("tangerine", "mandarin", "clementine"), "a round citrus fruit; edible"),
    Category("banana", "fruit", ("yellow",), (1.3, 2.1), (84, 136), g.banana,
             (), "a curved yellow fruit; edible"),
    Category("lemon", "fruit", ("yellow",), (1.4, 1.6), (56, 100), g.lemon,
             ("lime",), "a sour oval citrus fruit with pointed ends; edible"),
    Category("mug", "container", _ANY, (0.85, 1.05), (54, 96), g.mug,
             ("cup", "coffee mug", "coffee cup", "teacup", "tea cup"),
             "a cup with a handle; holds hot drinks"),
    Category("lamp", "light", tuple(c for c in COLOR_NAMES if c != "black"), (0.45, 0.6),
             (110, 170), g.lamp,
             ("floor lamp", "desk lamp", "table lamp", "standing lamp", "light", "lantern"),
             "a floor lamp with a coloured shade; gives light"),
    Category("book", "reading", tuple(c for c in COLOR_NAMES if c != "white"), (0.62, 0.8),
             (64, 120), g.book, ("novel", "notebook", "textbook"),
             "a standing book with a title label; for reading"),
    Category("ball", "toy", _NOT_LIGHT, (1.0, 1.0), (50, 100), g.ball,
             ("beach ball", "toy ball"), "a beach ball with white bands; a toy to play with"),
)

CATEGORIES: dict[str, Category] = {c.name: c for c in _DECLARED}
CATEGORY_NAMES: tuple[str, ...] = tuple(CATEGORIES)
KINDS: tuple[str, ...] = tuple(dict.fromkeys(c.kind for c in _DECLARED))

# Every name an instruction may use for a category (names, synonyms, multi-word phrases).
ALIASES: dict[str, str] = {
    **{s: c.name for c in _DECLARED for s in c.synonyms},
    **{c.name: c.name for c in _DECLARED},
}


# The synthetic domain's object names for generic perception (needs, graph updates), which
# the classical detector carries as its ``lexicon``.
LEXICON = Lexicon(ALIASES, {c.name: c.kind for c in _DECLARED})


def get_category(name: str, field: str = "category") -> Category:
    """The category for a name or synonym, or a ValidationError listing the categories."""
    key = " ".join(str(name).strip().lower().split())
    if key in ALIASES:
        return CATEGORIES[ALIASES[key]]
    raise ValidationError(field, f"unknown object category {name!r}", CATEGORY_NAMES)


def category_table() -> str:
    """The categories as a Markdown table (for docs and the planner's tool documentation)."""
    rows = [f"| {c.name} | {c.kind} | {', '.join(c.colors) if c.colors != _ANY else 'any'} | "
            f"{', '.join(c.synonyms) or '-'} | {c.description} |" for c in _DECLARED]
    return ("| category | kind | colours | also called | description |\n|---|---|---|---|---|\n"
            + "\n".join(rows))
