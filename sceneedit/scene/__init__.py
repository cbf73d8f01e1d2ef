"""The scene graph: model, geometric relations, text for LLMs, diffs and rendering."""
from .model import (GRAPH_FORMAT, INVERSE, PREDICATES, ImageInfo, Predicate, Provenance,
                    Relation, SceneGraph, SceneObject)

__all__ = ["GRAPH_FORMAT", "INVERSE", "PREDICATES", "ImageInfo", "Predicate", "Provenance",
           "Relation", "SceneGraph", "SceneObject"]
