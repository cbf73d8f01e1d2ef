"""The typed result of parsing one instruction (``sceneedit.language.parse``): clauses, their
roles, and the noun phrases in them. Plain frozen dataclasses; ``to_dict()`` for JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ClauseKind = Literal["command", "question", "scenario"]
# object: what the command acts on; new: the replacement / new object ("with a bookshelf");
# anchor: where something goes or what it is placed by; context: anything else
Role = Literal["object", "new", "anchor", "context", "subject"]

__all__ = ["Attachment", "Clause", "ClauseKind", "NounPhrase", "Role", "Utterance"]


@dataclass(frozen=True)
class Attachment:
    """A prepositional phrase hanging on a noun phrase: "on the table", "except the red one"."""

    prep: str
    phrase: "NounPhrase"
    excludes: bool = False   # "except ...", "other than ...", "without ..."


@dataclass(frozen=True)
class NounPhrase:
    text: str
    head: str                       # lemma of the head word ("cup" for "the two red cups")
    name: str                       # compound nouns + head ("coffee table")
    determiner: str | None = None   # "the", "a", "this", "all", "which", ...
    numerals: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()   # adjectives that are palette colours, as palette names
    plural: bool = False
    relative: tuple[str, ...] = ()  # relative / participle clauses ("that is on the left")
    attachments: tuple[Attachment, ...] = ()
    negated: bool = False           # its description is negated ("not holding anything")
    owner: str | None = None        # head of a possessor: "person" in "the person's hat"
    indefinite: bool = False        # "a bowl", "two cups": a new thing when something is put
    anaphor: bool = False           # "it", "them", "this object": points elsewhere
    antecedent: int | None = None   # clause index of the question an anaphor answers
    role: Role = "context"
    start: int = 0                  # token offsets in the instruction
    end: int = 0

    @property
    def excluded(self) -> tuple["NounPhrase", ...]:
        return tuple(a.phrase for a in self.attachments if a.excludes)


@dataclass(frozen=True)
class Clause:
    index: int
    text: str
    kind: ClauseKind
    verb: str | None = None          # lemma of the clause's main verb
    ops: tuple[str, ...] = ()        # edit ops its verb can mean (lexicon ``op_verbs``)
    negated: bool = False            # "don't touch the vase"
    phrases: tuple[NounPhrase, ...] = ()

    def role(self, role: Role) -> tuple[NounPhrase, ...]:
        return tuple(p for p in self.phrases if p.role == role)

    @property
    def objects(self) -> tuple[NounPhrase, ...]:
        return self.role("object")

    @property
    def new(self) -> tuple[NounPhrase, ...]:
        return self.role("new")


@dataclass(frozen=True)
class Utterance:
    text: str
    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    def of_kind(self, kind: ClauseKind) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.kind == kind)

    @property
    def commands(self) -> tuple[Clause, ...]:
        return self.of_kind("command")

    @property
    def questions(self) -> tuple[Clause, ...]:
        return self.of_kind("question")

    @property
    def scenarios(self) -> tuple[Clause, ...]:
        return self.of_kind("scenario")

    def command_objects(self) -> tuple[NounPhrase, ...]:
        """The phrases the (non-negated) commands act on, in order."""
        return tuple(p for c in self.commands if not c.negated for p in c.objects)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """Readable lines: one per clause, one per phrase under it (``sceneedit parse``)."""
        lines = [f"instruction: {self.text}"]
        for c in self.clauses:
            neg = " (negated)" if c.negated else ""
            lines.append(f"[{c.index}] {c.kind}{neg}: {c.text!r}  verb={c.verb or '-'} "
                         f"ops={','.join(c.ops) or '-'}")
            for p in c.phrases:
                lines.append(f"    {p.role:8s} {p.text!r}: {_phrase_fields(p)}")
        return "\n".join(lines)


def _phrase_fields(p: NounPhrase) -> str:
    out = [f"head={p.head}"]
    if p.name != p.head:
        out.append(f"name={p.name!r}")
    for key in ("determiner", "numerals", "adjectives", "colours", "owner", "relative"):
        value = getattr(p, key)
        if value:
            out.append(f"{key}={value if isinstance(value, str) else list(value)}")
    out += [f"{a.prep}{'(excludes)' if a.excludes else ''}={a.phrase.text!r}"
            for a in p.attachments]
    out += ["plural"] * p.plural + ["negated"] * p.negated
    if p.anaphor:
        out.append("anaphor" + (f"->clause {p.antecedent}" if p.antecedent is not None else ""))
    return " ".join(out)
