"""The instruction as language: one parse (spaCy, a packaged English pipeline verified by size
and sha256) into a typed ``Utterance``, and the one lexicon of words (``lexicon.json``).

Imports nothing from perception, reasoning or the editor; they import it.

    from sceneedit.language import parse
    parse("Which appliance keeps food fresh? Replace it with a bookshelf.").command_objects()
"""
from .lexicon import Lexicon, lexicon
from .parse import parse, parse_doc
from .utterance import Attachment, Clause, NounPhrase, Utterance

__all__ = ["Attachment", "Clause", "Lexicon", "NounPhrase", "Utterance", "lexicon", "parse",
           "parse_doc"]
