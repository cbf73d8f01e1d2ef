"""What ``sceneedit batch`` does once its arguments are parsed (the CLI only parses)."""
from __future__ import annotations

import sys

from ..errors import InvalidInputError


def batch_command(dataset: str | None, out: str | None, *, make_synthetic: tuple[str, str] | None
                  = None, address: str | None = None, llm: str | None = None,
                  workers: int | None = None, no_ray: bool = False, limit: int | None = None,
                  seed: int = 0, inpaint: str = "auto", llm_threads: int = 1) -> int:
    """Run the command; exit status 0 when every item finished, 1 when some failed."""
    if make_synthetic is not None:
        from .synthetic import BAD_ITEMS, make_synthetic_dataset

        count, folder = make_synthetic
        if not count.isdigit() or int(count) < 1:
            raise InvalidInputError(f"--make-synthetic N DIR: N must be a positive integer, "
                                    f"got {count!r}")
        path = make_synthetic_dataset(int(count), folder, seed=seed)
        print(f"wrote {count} synthetic items + {len(BAD_ITEMS)} deliberately bad ones "
              f"({', '.join(BAD_ITEMS)}) -> {path}")
        return 0
    if dataset is None or out is None:
        raise InvalidInputError("give a DATASET and -o OUT_DIR (or --make-synthetic N DIR)")
    if workers is not None and workers < 1:
        raise InvalidInputError(f"--workers must be >= 1, got {workers}")
    if no_ray and address:
        raise InvalidInputError("--address needs Ray; drop --no-ray")
    from .items import BatchSettings
    from .runner import format_summary, run_batch

    settings = BatchSettings(seed=seed, inpaint=inpaint, llm=llm, llm_threads=llm_threads)
    summary = run_batch(dataset, out, settings=settings, use_ray=not no_ray, address=address,
                        workers=workers, limit=limit,
                        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
    print(format_summary(summary))
    print(f"records: {out}/records.jsonl  summary: {out}/summary.json")
    return 1 if summary["status"]["failed"] else 0
