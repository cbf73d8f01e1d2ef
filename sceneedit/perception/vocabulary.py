"""What to ask an open-vocabulary detector for: a base vocabulary of common object categories,
and the noun phrases an instruction names.

``BASE_VOCABULARY`` is the one declaration of the default categories (everyday indoor and
outdoor objects, the COCO classes people edit most, and the synthetic domain's categories so the
foundation backends can be compared with the classical one on generated scenes).
"""
from __future__ import annotations

import re

from ..palette import COLOR_NAMES
from ..scene.lexicon import Lexicon

BASE_VOCABULARY: tuple[str, ...] = (
    # people and animals
    "person", "cat", "dog", "bird", "horse",
    # furniture and fixtures
    "chair", "sofa", "table", "bed", "shelf", "cabinet", "door", "window", "curtain", "rug",
    "pillow", "mirror", "picture frame", "plant", "vase", "clock", "lamp",
    # electronics
    "tv", "laptop", "keyboard", "mouse", "remote", "cell phone", "speaker", "monitor",
    # kitchen and table
    "cup", "mug", "glass", "wine glass", "bottle", "bowl", "plate", "fork", "knife", "spoon",
    "pot", "pan", "sink", "refrigerator", "oven", "microwave", "toaster", "kettle",
    # food
    "apple", "banana", "orange", "lemon", "bread", "cake", "pizza", "sandwich",
    # everyday items
    "book", "bag", "backpack", "umbrella", "hat", "shoe", "ball", "toy", "box", "basket",
    "candle", "scissors", "pen", "paper", "toothbrush", "towel",
    # outdoors
    "car", "bicycle", "motorcycle", "bus", "truck", "boat", "tree", "flower", "bench", "sign",
    # the synthetic domain's shapes (sceneedit.synthetic)
    "ring", "star", "square", "circle", "triangle", "hexagon",
)

# Common other names of vocabulary entries, mapped to the entry the detector is asked for.
SYNONYMS: dict[str, str] = {
    "television": "tv", "couch": "sofa", "phone": "cell phone", "smartphone": "cell phone",
    "mobile phone": "cell phone", "people": "person", "man": "person", "woman": "person",
    "child": "person", "kid": "person", "fridge": "refrigerator", "puppy": "dog",
    "kitten": "cat", "bike": "bicycle", "handbag": "bag", "painting": "picture frame",
    "photo frame": "picture frame", "houseplant": "plant", "potted plant": "plant",
    "loudspeaker": "speaker", "soundbar": "speaker", "cushion": "pillow", "carpet": "rug",
}

# The generic object names (no domain's): every vocabulary entry and its synonyms. Needs and
# graph updates read names through it unless a detector brings its domain's lexicon.
GENERIC_LEXICON = Lexicon({**{v: v for v in BASE_VOCABULARY}, **SYNONYMS}, fold_heads=False)

# Words that end a noun phrase or never head one.
_STOP = frozenset("""
a an the this that these those every all each both any some my your his her its our their
and or but nor so then than of in on at to from into onto with without by for about over under
above below behind beside between near next left right top bottom front back middle center
is are was were be been being it it's them they there here what which who whom whose where when
how why not no make turn change replace remove delete erase add put move swap recolor recolour
paint color colour resize enlarge shrink get rid give please can could would should will do does
one ones thing things object objects item items stuff something anything everything image photo
picture scene background foreground side edge corner same other another new old instead
as like up down out off more less most least very too also only just
two three four five six several many few
""".split())
# Adjectives kept in front of a noun in an extracted phrase ("red mug", "small box").
_MODIFIERS = frozenset(COLOR_NAMES) | {"grey", "small", "big", "large", "tiny", "little",
                                       "tall", "short", "round", "square", "wooden", "metal",
                                       "plastic", "glass", "dark", "light"}
_DETERMINERS = frozenset("a an the this that these those every all each both any some my your "
                         "his her its our their two three four five".split())
# After "replace X with ..." / "turn X into ..." the phrase names the new object, which is not
# in the image: the detector should not look for it.
_NEW_OBJECT_VERBS = frozenset({"replace", "turn", "change", "swap", "transform", "convert"})
_NEW_OBJECT_PREPS = frozenset({"with", "into", "by"})
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
_MAX_WORDS = 3


# Plurals the rules below get wrong.
_IRREGULAR = {"mice": "mouse", "people": "person", "children": "child", "knives": "knife",
              "leaves": "leaf", "shelves": "shelf", "feet": "foot", "teeth": "tooth",
              "geese": "goose", "men": "man", "women": "woman", "loaves": "loaf",
              "shoes": "shoe", "toes": "toe", "canoes": "canoe", "axes": "axe", "gas": "gas"}


def singular(word: str) -> str:
    """A plural English noun's singular (lower case), by rule plus a few irregular plurals:
    enough for object names. The one singulariser of the vocabulary extractor and of
    ``needs.py``."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):  # "cherries"; but "ties" -> "tie"
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes", "zzes", "oes")):
        return w[:-2]
    if len(w) > 2 and w.endswith("s") and not w.endswith(("ss", "us", "is")):  # "tvs"
        return w[:-1]
    return w


def _canonical(words: list[str]) -> str | None:
    """The vocabulary entry the words name (exactly, as a plural, or through a synonym)."""
    vocab = set(BASE_VOCABULARY)
    for candidate in (" ".join(words), " ".join([*words[:-1], singular(words[-1])])):
        if candidate in vocab:
            return candidate
        if candidate in SYNONYMS:
            return SYNONYMS[candidate]
    return None


def _vocab_match(words: list[str], i: int) -> tuple[str, int] | None:
    """The longest vocabulary entry starting at ``words[i]``: (entry, words used)."""
    for n in range(_MAX_WORDS, 0, -1):
        if i + n <= len(words) and (name := _canonical(words[i:i + n])):
            return name, n
    return None


def _free_phrase(words: list[str], i: int) -> tuple[str, int] | None:
    """A noun phrase outside the vocabulary at ``words[i]``: one or two content words right
    after a determiner or modifier, the last one singular."""
    if i == 0 or words[i - 1] not in _DETERMINERS | _MODIFIERS:
        return None
    n = 0
    while n < 2 and i + n < len(words) and words[i + n] not in _STOP | _MODIFIERS \
            and not (n and _vocab_match(words, i + n)):
        n += 1
    if n == 0:
        return None
    phrase = " ".join([*words[i:i + n - 1], singular(words[i + n - 1])])
    return (phrase, n) if len(phrase) >= 3 else None


def phrases_from_instruction(text: str) -> list[str]:
    """The object phrases ``text`` names that a detector should look for, in order of first
    mention, without repeats.

    Vocabulary entries (multi-word ones first, plurals and synonyms mapped to the entry) are
    returned as the entry ("the two mugs" -> "mug"); in a compound the last noun is the head
    ("the glass bottle", "a coffee mug" -> "bottle", "mug"). Other noun phrases — one or two
    content words after a determiner or modifier ("a garden gnome") — are returned as written,
    singular, without the determiner or modifiers. The new object of a replacement ("replace
    the lamp with *a vase*") is left out: it is not in the image.
    """
    words = _WORD.findall(re.sub(r"'s\b", "", text.lower()))
    out: list[str] = []
    seen_verb = skip_next = False
    i = 0
    while i < len(words):
        w = words[i]
        if w in _NEW_OBJECT_VERBS:
            seen_verb = True
        elif seen_verb and w in _NEW_OBJECT_PREPS:
            seen_verb, skip_next = False, True
        elif w in ("and", "then"):
            skip_next = False
        hit = _vocab_match(words, i) or _free_phrase(words, i)
        if hit is None:
            i += 1
            continue
        name, n = hit
        if i + n < len(words) and _vocab_match(words, i + n):
            i += n  # a modifier noun: the next vocabulary entry is the head
            continue
        if not skip_next and name not in out:
            out.append(name)
        skip_next = False  # only the phrase right after "with"/"into" is the new object
        i += n
    return out
