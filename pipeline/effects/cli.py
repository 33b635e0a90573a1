"""`frieval estimate FILE`: run one estimator on a CSV or Parquet file; print a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from ..errors import FrievalError

DESIGNS = ("paired", "did", "binary", "count", "survival", "its")
REQUIRED = {
    "paired": ("before", "after"),
    "did": ("outcome", "treated", "post"),
    "binary": ("outcome", "treated", "post"),
    "count": ("outcome", "exposure", "treated", "post"),
    "survival": ("duration", "event", "group"),
    "its": ("outcome", "time", "post"),
}


def add_estimate_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "estimate", help="run one effect estimator on a CSV or Parquet file",
        description="Estimate an effect from a person-level (or monthly series) CSV/Parquet file.")
    p.add_argument("file", type=Path, metavar="FILE", help="CSV or Parquet file, one row per observation")
    p.add_argument("--design", choices=DESIGNS, required=True)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    for opt in ("before", "after", "outcome", "treated", "post", "unit-fe", "time-fe", "cluster", "exposure",
                "duration", "event", "group", "time", "offset"):
        p.add_argument(f"--{opt}", metavar="COL")
    p.add_argument("--covariates", metavar="A,B", help="comma-separated covariate columns")
    p.add_argument("--se", choices=["classical", "robust", "cluster"], help="did: standard errors")
    p.add_argument("--family", help="count: poisson|negbin; its: gaussian|poisson")
    p.add_argument("--seed", type=int, default=20161201, help="seed of the wild cluster bootstrap")
    p.add_argument("--bootstrap", type=int, default=9999, metavar="B", help="wild bootstrap replications")
    p.set_defaults(handler=run_estimate)
    return p


def read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FrievalError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".csv", ".txt", ".tsv"}:
            with open(path, encoding="utf-8-sig") as fh:
                head = fh.readline()
            sep = max([",", ";", "\t"], key=head.count)
            return pd.read_csv(path, sep=sep, encoding="utf-8-sig")
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise FrievalError(f"{path}: cannot be read ({str(err).splitlines()[0]})") from None
    raise FrievalError(f"{path}: expected a .csv or .parquet file")


def estimate_from_args(args):
    from . import estimators as E

    missing = [f"--{o.replace('_', '-')}" for o in REQUIRED[args.design] if not getattr(args, o)]
    if missing:
        raise FrievalError(f"--design {args.design} needs {', '.join(missing)}")
    df = read_table(args.file)
    src = args.file.name
    cov = [c.strip() for c in (args.covariates or "").split(",") if c.strip()]
    d = args.design
    if d == "paired":
        return E.paired(df, args.before, args.after, source=src)
    if d == "did":
        return E.did(df, args.outcome, args.treated, args.post, unit_fe=args.unit_fe, time_fe=args.time_fe,
                     covariates=cov, cluster=args.cluster, se=args.se, seed=args.seed, n_boot=args.bootstrap,
                     source=src)
    if d == "binary":
        return E.binary(df, args.outcome, args.treated, args.post, covariates=cov, cluster=args.cluster, source=src)
    if d == "count":
        return E.count(df, args.outcome, args.exposure, args.treated, args.post, family=args.family or "poisson",
                       cluster=args.cluster, source=src)
    if d == "survival":
        return E.survival(df, args.duration, args.event, args.group, covariates=cov, cluster=args.cluster, source=src)
    return E.its(df, args.outcome, args.time, args.post, family=args.family or "gaussian", offset=args.offset,
                 source=src)


def run_estimate(args) -> int:
    result = estimate_from_args(args)
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    _print_table(result)
    return 0


def _fmt(x, digits=4):
    if x is None:
        return "–"
    if abs(x) != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.3e}"
    return f"{x:.{digits}f}"


def _print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 120)
    table = Table(title=f"{result.design}: {result.method}  (n = {result.n})")
    for col in ("term", "estimate", "std. error", "95% CI", "p", "ratio"):
        table.add_column(col, justify="left" if col == "term" else "right", no_wrap=col == "term")
    for t in result.terms:
        name = f"[bold]{t.term}[/bold]" if t.term == result.effect_term else t.term
        ci = f"{_fmt(t.ci_low)} – {_fmt(t.ci_high)}" if t.ci_low is not None else "–"
        table.add_row(name, _fmt(t.estimate), _fmt(t.std_error), ci, _fmt(t.p_value), _fmt(t.ratio))
    console.print(table)
    for k, v in result.extras.items():
        console.print(f"  {k}: {v if not isinstance(v, float) else _fmt(v)}")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
