"""The synthetic scene domain: object categories, drawing, and seeded scenes with exact ground
truth. It is sceneedit's embedded default, used by the demo, the tests and the benchmarks."""
from .categories import CATEGORIES, CATEGORY_NAMES, KINDS, Category, category_table, get_category
from .draw import draw_object, parse_object_phrase
from .generator import SyntheticScene, generate_scene, occupied_mask, place_free_box

__all__ = ["CATEGORIES", "CATEGORY_NAMES", "KINDS", "Category", "SyntheticScene",
           "category_table", "draw_object", "generate_scene", "get_category", "occupied_mask",
           "parse_object_phrase", "place_free_box"]
