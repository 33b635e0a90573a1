"""The `frieval` command: synth, run, demo, estimate.

Errors the user can act on (FrievalError) print one line on stderr and exit 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import FrievalError

DEFAULT_DEMO_PERSONS = 4000
DEFAULT_SEED = 20161201  # the application date of Frikommuneforsøg II, 1 December 2016


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=["da", "en"], default="da", help="report language (default: da)")
    p.add_argument("--threshold", type=int, default=5,
                   help="disclosure control: counts of persons below this are suppressed (default 5)")
    p.add_argument("--no-reports", action="store_true", help="build the warehouse and effects only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frieval", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="write a synthetic registry extract set in the data contract")
    p.add_argument("--out", type=Path, required=True, help="folder to write wave=baseline/ and wave=followup/ into")
    p.add_argument("--persons", type=int, default=DEFAULT_DEMO_PERSONS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")

    p = sub.add_parser("run", help="ingest extracts, build the warehouse, estimate effects, render reports")
    p.add_argument("--data", type=Path, required=True, help="folder with wave=baseline/ and wave=followup/")
    p.add_argument("--out", type=Path, default=Path("frieval-out"))
    _add_report_options(p)

    p = sub.add_parser("demo", help="synthesise the default data set, then run the whole pipeline on it")
    p.add_argument("--out", type=Path, default=Path("demo-out"))
    p.add_argument("--persons", type=int, default=DEFAULT_DEMO_PERSONS)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    _add_report_options(p)

    try:
        from .effects.cli import add_estimate_parser
    except ImportError:  # the estimate command arrives with the effects engine
        add_estimate_parser = None
    if add_estimate_parser is not None:
        add_estimate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except FrievalError as err:
        print(f"frieval: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("frieval: interrupted", file=sys.stderr)
        return 130


def _dispatch(args) -> int:
    if args.command == "synth":
        from .synth import generate
        from .progress import steps

        with steps() as progress:
            summary = generate(args.out, persons=args.persons, seed=args.seed,
                               file_format=args.format, progress=progress)
        print(summary.describe())
        return 0
    if args.command in {"run", "demo"}:
        from .run import run_pipeline
        from .progress import steps

        data_dir = args.data if args.command == "run" else None
        with steps() as progress:
            if data_dir is None:
                from .synth import generate

                data_dir = Path(args.out) / "synthetic-extracts"
                generate(data_dir, persons=args.persons, seed=args.seed, progress=progress)
            summary = run_pipeline(data_dir, args.out, lang=args.lang, threshold=args.threshold,
                                   reports=not args.no_reports, progress=progress)
        print(summary.describe())
        return 0
    if args.command == "estimate":
        return args.handler(args)
    raise FrievalError(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
