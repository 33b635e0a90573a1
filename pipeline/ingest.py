"""Load the registry extracts (wave=baseline/, wave=followup/) into the warehouse's raw schema.

Contract: docs/data-contract.md and the "raw schema" section of docs/architecture.md.

Every file becomes rows of `raw.<table>`: the contract columns exactly as read (after decoding and
separator detection), plus wave, source_file and source_row. The columns are VARCHAR, except where
every file of the table is Parquet and already carries a column in the type staging would give it
(TYPED_COLUMNS: DATE, TIMESTAMP, DOUBLE, an integer type): such a column keeps its Parquet type,
because turning it into text only for staging to parse it back costs a pass over every value at
national scale, and the text round trip gives back the very same value (tests/test_ingest_typed.py).
Nothing is judged here beyond "can this line be split into the header's fields at all": lines that cannot
(wrong field count, binary garbage, a line over 1 MiB, a broken quote) go to `raw.ingest_rejects`
with a reason, so that for every file rows read = rows loaded + rows rejected. Everything else
(dates, codes, ranges, duplicates, wave precedence) is judged by the dbt staging models.

How a CSV is read (fast: DuckDB does the scanning, Python never loops over ordinary lines):
1. one streaming pass in Python for the SHA-256 and the encoding (valid UTF-8, with or without a
   BOM, else cp1252); the first 64 KiB are sniffed for binary content (a file that is not text
   at all is an InputError);
2. DuckDB reads the file as *lines* (one VARCHAR per physical line, no quoting, 1 MiB line cap)
   into a temp table whose row order is the file order, so every line keeps its line number;
3. the header line decides the separator (`,` or `;`) and the column positions; the data lines
   are split with `string_split` in SQL, lines with a `"` are parsed by Python's csv module.

Person identifiers that look like Danish CPR numbers (DDMMYYXXXX or DDMMYY-XXXX) are replaced
by `pid_` + HMAC-SHA256(key, digits) (first 24 hex digits) computed in SQL; the key comes from
the environment variable FRIEVAL_PSEUDONYM_KEY. Without a key, CPR-like input stops the run.
No value of a data line ever goes into an error message, a reject row or a log.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FrievalError, InputError
from .paths import EXTRACT_TABLES, WAVES

# --- the contract -------------------------------------------------------------------------------

CONTRACT: dict[str, tuple[str, ...]] = {
    "persons": ("person_id", "birth_date", "sex", "municipality_code", "death_date", "emigration_date"),
    "enrolment": ("person_id", "experiment_id", "municipality_code", "arm", "index_date", "end_date"),
    "admissions": ("person_id", "admission_ts", "discharge_ts", "admission_type", "action_diagnosis",
                   "department_type", "hospital_code"),
    "employment_status": ("person_id", "iso_year", "iso_week", "benefit_code"),
    "case_events": ("case_id", "person_id", "event_type", "event_date"),
    "fit_sessions": ("case_id", "person_id", "session_date", "respondent", "instrument",
                     "item1", "item2", "item3", "item4"),
    "costs": ("person_id", "month", "cost_category", "amount_dkk"),
    "experience": ("person_id", "survey_date", "respondent_type", "item_id", "score", "scale_max"),
}
assert tuple(CONTRACT) == EXTRACT_TABLES

# Columns a file may leave out (they are then NULL for every row of that file).
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {
    "persons": frozenset({"death_date", "emigration_date"}),
    "enrolment": frozenset({"end_date"}),
    "admissions": frozenset({"hospital_code"}),
}

# Contract columns that may keep their Parquet type in raw.<table> -> the Parquet types accepted.
# Each is a type whose text form (cast to VARCHAR, as the Parquet path did before) the staging
# macros parse back to the same value, so a typed raw column gives the same staged value and the
# same quarantine reason as its text would (macros/registry_staging.sql). Any other type (FLOAT,
# DECIMAL, VARCHAR, TIMESTAMP WITH TIME ZONE, ...) stays text: the staging parsers judge it.
_DATE, _TIMESTAMP, _DOUBLE = frozenset({"DATE"}), frozenset({"TIMESTAMP"}), frozenset({"DOUBLE"})
_INTEGER = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT"})
TYPED_COLUMNS: dict[str, dict[str, frozenset[str]]] = {
    "persons": {"birth_date": _DATE, "death_date": _DATE, "emigration_date": _DATE},
    "enrolment": {"index_date": _DATE, "end_date": _DATE},
    "admissions": {"admission_ts": _TIMESTAMP, "discharge_ts": _TIMESTAMP},
    "employment_status": {"iso_year": _INTEGER, "iso_week": _INTEGER},
    "case_events": {"event_date": _DATE},
    "fit_sessions": {"session_date": _DATE, "item1": _DOUBLE, "item2": _DOUBLE, "item3": _DOUBLE, "item4": _DOUBLE},
    "costs": {"amount_dkk": _DOUBLE},
    "experience": {"survey_date": _DATE, "score": _DOUBLE, "scale_max": _DOUBLE},
}

PERSON_ID_COLUMN = "person_id"
KEY_ENV = "FRIEVAL_PSEUDONYM_KEY"
CPR_REGEX = r"[0-9]{6}-?[0-9]{4}"
PSEUDONYM_PREFIX = "pid_"
PSEUDONYM_HEX = 24

MAX_LINE_BYTES = 1 << 20          # a line longer than this is rejected, not read
SNIFF_BYTES = 1 << 16
# DuckDB reads each physical line as one column: the "delimiter" is a byte sequence no text holds.
LINE_DELIM = "\x1f\x1e\x1d\x1c"
SEPARATORS = (";", ",")
# control characters that never occur in a text extract (tab, LF, CR are allowed)
CONTROL_CHARS = "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\x{fffd}]"   # a CR is allowed only at the end

BINARY_MAGIC = {
    b"PK\x03\x04": "a zip archive (an .xlsx workbook?)",
    b"\x1f\x8b": "a gzip archive",
    b"PAR1": "a Parquet file",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document",
    b"SQLite format 3": "an SQLite database",
}


@dataclass
class FileResult:
    table_name: str
    wave: str
    source_file: str | None
    file_format: str | None
    encoding: str | None
    separator: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    sha256: str | None
    status: str                      # present / absent
    blank_lines: int = 0
    extra_columns: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    pseudonymised_ids: int = 0


@dataclass
class IngestSummary:
    db_path: Path
    files: list[dict]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    pseudonymised: bool
    warnings: list[str]

    def describe(self) -> str:
        present = sum(1 for f in self.files if f["status"] == "present")
        return (f"ingest: {present} files, rows read {self.rows_read}, loaded {self.rows_loaded}, "
                f"rejected {self.rows_rejected}")


# --- entry point --------------------------------------------------------------------------------

def ingest(data_dir, db_path, progress=None) -> IngestSummary:
    """Load every extract file under data_dir into raw.* of the warehouse at db_path.

    Raises InputError (one line: file, column/row, expectation) on input the contract cannot
    accept as a whole; on any error the warehouse file this call created is removed again.
    """
    import duckdb

    data_dir, db_path = Path(data_dir).resolve(), Path(db_path).resolve()
    if not data_dir.is_dir():
        raise FrievalError(f"{data_dir}: data folder not found (expected wave=baseline/ and wave=followup/)")
    found = discover(data_dir)
    if len(found) == 1:
        raise InputError(str(data_dir), "no extract files found: expected wave=baseline/ or wave=followup/ "
                         "with <table>.csv or <table>.parquet for the tables " + ", ".join(EXTRACT_TABLES))
    key = os.environ.get(KEY_ENV) or None
    created = not db_path.exists()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    warnings = list(found.pop("_warnings", []))
    task = progress.task("ingest extracts", total=len(found)) if progress else None
    results: list[FileResult] = []
    tmp = tempfile.TemporaryDirectory(prefix="frieval-ingest-")
    try:
        con = duckdb.connect(str(db_path))
        try:
            con.execute(f"set temp_directory = '{_sql_str(tmp.name)}'")
            con.execute("set enable_progress_bar = false")
            # As in the dbt profile: rows may be written in parallel out of scan order (source_row
            # keeps the order), and memory stays bounded on a shared machine (spills to tmp).
            con.execute("set preserve_insertion_order = false")
            con.execute(f"set memory_limit = '{os.environ.get('FRIEVAL_MEMORY_LIMIT', '4GB')}'")
            raw_types = _raw_types(con, found)
            _create_raw_schema(con, raw_types)
            loader = _Loader(con, data_dir, key, tmp.name, raw_types)
            for table in EXTRACT_TABLES:
                for wave in WAVES:
                    path = found.get((table, wave))
                    if path is None:
                        results.append(FileResult(table, wave, None, None, None, None, 0, 0, 0, None, "absent"))
                        continue
                    res = loader.load(table, wave, path)
                    results.append(res)
                    if res.extra_columns:
                        warnings.append(f"{res.source_file}: extra columns not in the contract were left out: "
                                        + ", ".join(res.extra_columns))
                    if task:
                        task.advance(1)
            _write_ingest_files(con, results)
            con.execute("checkpoint")
        finally:
            con.close()
    except BaseException:
        if created:
            for p in (db_path, db_path.with_name(db_path.name + ".wal")):
                p.unlink(missing_ok=True)
        raise
    finally:
        tmp.cleanup()
    if task:
        task.done()
    return IngestSummary(
        db_path=db_path,
        files=[_file_dict(r) for r in results],
        rows_read=sum(r.rows_read for r in results),
        rows_loaded=sum(r.rows_loaded for r in results),
        rows_rejected=sum(r.rows_rejected for r in results),
        pseudonymised=any(r.pseudonymised_ids for r in results),
        warnings=warnings,
    )


def discover(data_dir: Path) -> dict:
    """{(table, wave): path} for the files found; '_warnings' lists files that were not used."""
    found: dict = {"_warnings": []}
    for wave in WAVES:
        wdir = data_dir / f"wave={wave}"
        if not wdir.is_dir():
            continue
        for path in sorted(wdir.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            name = path.name.lower()
            stem, _, ext = name.partition(".")
            if stem not in CONTRACT or ext not in ("csv", "parquet"):
                found["_warnings"].append(f"{path.relative_to(data_dir)}: not an extract table of the contract, ignored")
                continue
            if (stem, wave) in found:
                raise InputError(str(path.relative_to(data_dir)),
                                 f"a second file for table {stem} in wave {wave} "
                                 f"(also {found[(stem, wave)].name}): expected one .csv or .parquet")
            found[(stem, wave)] = path
    return found


# --- loading ------------------------------------------------------------------------------------

def _raw_types(con, found: dict) -> dict[str, dict[str, str]]:
    """{table: {column: SQL type}} of the raw tables: VARCHAR unless TYPED_COLUMNS allows the type.

    A column is typed only when every present file of its table is Parquet and every file that has
    the column has it in the same accepted type (a table has one column type for both waves); any
    CSV file, an unreadable file or an odd type keeps the column VARCHAR, the path every input took
    before. An unreadable Parquet file is reported by load_parquet, not here.
    """
    types: dict[str, dict[str, str]] = {}
    for table, cols in CONTRACT.items():
        types[table] = {c: "VARCHAR" for c in cols}
        paths = [found[(table, w)] for w in WAVES if (table, w) in found]
        if not paths or any(not p.name.lower().endswith(".parquet") for p in paths):
            continue
        seen: dict[str, set[str]] = {}
        try:
            for p in paths:
                for name, typ in con.execute("select column_name, column_type from (describe select * from "
                                             f"read_parquet('{_sql_str(str(p))}'))").fetchall():
                    seen.setdefault(name.strip().lower(), set()).add(typ)
        except Exception:  # noqa: BLE001 - load_parquet gives the one-line error for this file
            continue
        for c, accepted in TYPED_COLUMNS.get(table, {}).items():
            found_types = seen.get(c, set())
            if len(found_types) == 1 and next(iter(found_types)) in accepted:
                types[table][c] = next(iter(found_types))
    return types


def _create_raw_schema(con, raw_types: dict[str, dict[str, str]]) -> None:
    con.execute("create schema if not exists raw")
    for table, cols in CONTRACT.items():
        col_sql = ", ".join(f"{c} {raw_types[table][c].lower()}" for c in cols)
        con.execute(f"create or replace table raw.{table} ({col_sql}, wave varchar, source_file varchar, "
                    "source_row bigint)")
    con.execute("""create or replace table raw.ingest_rejects (table_name varchar, wave varchar,
                   source_file varchar, source_row bigint, reason varchar)""")


def _write_ingest_files(con, results: list[FileResult]) -> None:
    con.execute("""create or replace table raw.ingest_files (table_name varchar, wave varchar,
        source_file varchar, file_format varchar, encoding varchar, separator varchar, rows_read bigint,
        sha256 varchar, status varchar, rows_loaded bigint, rows_rejected bigint, blank_lines bigint,
        extra_columns varchar, missing_optional_columns varchar, pseudonymised_ids bigint)""")
    con.executemany("insert into raw.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (r.table_name, r.wave, r.source_file, r.file_format, r.encoding, r.separator, r.rows_read, r.sha256,
         r.status, r.rows_loaded, r.rows_rejected, r.blank_lines, ",".join(r.extra_columns) or None,
         ",".join(r.missing_optional_columns) or None, r.pseudonymised_ids)
        for r in results
    ])


class _Loader:
    def __init__(self, con, data_dir: Path, key: str | None, tmp_dir: str, raw_types: dict[str, dict[str, str]]):
        self.con, self.data_dir, self.key, self.tmp_dir = con, data_dir, key, tmp_dir
        self.raw_types = raw_types
        if key is not None:
            k = key.encode("utf-8")
            if len(k) > 64:
                k = hashlib.sha256(k).digest()
            k = k.ljust(64, b"\0")
            self.ipad = bytes(b ^ 0x36 for b in k)
            self.opad = bytes(b ^ 0x5C for b in k)

    # ---- shared

    def pid_expr(self, expr: str) -> str:
        """SQL for the stored person id: CPR-like ids become a keyed hash, others pass through."""
        if self.key is None:
            return expr
        return (f"case when {self.cpr_like(expr)} then '{PSEUDONYM_PREFIX}' || "
                f"left(sha256($opad || unhex(sha256($ipad || encode(replace(trim({expr}), '-', ''))))), "
                f"{PSEUDONYM_HEX}) else {expr} end")

    @staticmethod
    def cpr_like(expr: str) -> str:
        """SQL: expr looks like a CPR number. The length test goes first because it is exact (a
        match is 10 or 11 characters after trim, so at least 10 before) and costs next to nothing,
        while the regex is the most expensive part of ingest on ids that are not CPR-like."""
        return f"(length({expr}) >= 10 and regexp_full_match(trim({expr}), '{CPR_REGEX}'))"

    def params(self) -> dict:
        return {"opad": self.opad, "ipad": self.ipad} if self.key is not None else {}

    def check_cpr(self, rel: str, col: str, rel_file: str) -> int:
        """Count CPR-like ids in rel.col; without a key that stops the run."""
        n = self.con.execute(f"select count(*) from {rel} where {self.cpr_like(col)}").fetchone()[0]
        if n and self.key is None:
            raise InputError(rel_file, f"{n} identifiers look like CPR numbers: set {KEY_ENV} to pseudonymise "
                             "them at ingest (the run refuses to store CPR numbers)", column=col)
        return n

    def check_header(self, table: str, names: list[str], rel_file: str) -> tuple[dict, list[str], list[str]]:
        """Map contract column -> position; returns (positions, extra columns, missing optional)."""
        seen: dict[str, int] = {}
        for i, n in enumerate(names):
            if n in seen and n:
                raise InputError(rel_file, f"column {n!s} appears twice in the header", column=n)
            seen[n] = i
        contract = CONTRACT[table]
        missing = [c for c in contract if c not in seen]
        required_missing = [c for c in missing if c not in OPTIONAL_COLUMNS.get(table, ())]
        if required_missing:
            c = required_missing[0]
            extra = [n for n in names if n and n not in contract]
            hint = f" (found {', '.join(extra[:5])} instead)" if extra else ""
            raise InputError(rel_file, f"required column missing from the header{hint}: expected columns "
                             + ", ".join(contract), column=c)
        extra = [n for n in names if n and n not in contract]
        return {c: seen[c] for c in contract if c in seen}, extra, [c for c in missing]

    # ---- per file

    def load(self, table: str, wave: str, path: Path) -> FileResult:
        rel_file = str(path.relative_to(self.data_dir))
        if path.name.lower().endswith(".parquet"):
            return self.load_parquet(table, wave, path, rel_file)
        return self.load_csv(table, wave, path, rel_file)

    def load_parquet(self, table: str, wave: str, path: Path, rel_file: str) -> FileResult:
        con = self.con
        sha = _sha256(path)
        try:
            con.execute(f"create or replace temp view _pq as select * from "
                        f"read_parquet('{_sql_str(str(path))}', file_row_number = true)")
            names = [r[0] for r in con.execute("describe _pq").fetchall()]
        except Exception as e:  # noqa: BLE001 - duckdb raises several error types here
            raise InputError(rel_file, "cannot be read as Parquet: " + str(e).splitlines()[0][:200]) from None
        names_norm = [n.strip().lower() for n in names if n != "file_row_number"]
        positions, extra, missing = self.check_header(table, names_norm, rel_file)
        by_norm = {n.strip().lower(): n for n in names}
        # as text: a Parquet writer may have stored numeric ids (the stored id is their text too)
        n_cpr = self.check_cpr("_pq", f"cast({_ident(by_norm[PERSON_ID_COLUMN])} as varchar)", rel_file) \
            if PERSON_ID_COLUMN in positions else 0
        sel = []
        for c in CONTRACT[table]:
            raw_type = self.raw_types[table][c]
            if c not in positions:
                sel.append(f"null::{raw_type}")
                continue
            # a typed raw column has this very type in every file of the table (_raw_types)
            expr = _ident(by_norm[c]) if raw_type != "VARCHAR" else f"cast({_ident(by_norm[c])} as varchar)"
            sel.append(self.pid_expr(expr) if c == PERSON_ID_COLUMN else expr)
        try:
            # No ORDER BY: source_row carries the file's order, the table's physical order means
            # nothing (a sort of ~70M rows at national scale, for nothing). INSERT returns its count.
            n = con.execute(f"insert into raw.{table} select {', '.join(sel)}, '{wave}', '{_sql_str(rel_file)}', "
                            "file_row_number + 1 from _pq", self.params()).fetchone()[0]
        except Exception as e:  # noqa: BLE001
            raise InputError(rel_file, "cannot be read as Parquet: " + str(e).splitlines()[0][:200]) from None
        con.execute("drop view _pq")
        return FileResult(table, wave, rel_file, "parquet", None, None, n, n, 0, sha, "present",
                          extra_columns=extra, missing_optional_columns=missing, pseudonymised_ids=n_cpr)

    def load_csv(self, table: str, wave: str, path: Path, rel_file: str) -> FileResult:
        con = self.con
        sha, encoding, has_bom, suspicious = _scan_text(path, rel_file)
        suspicious = suspicious or encoding == "cp1252"
        read_path = path
        if encoding == "cp1252":
            # DuckDB decodes UTF-8 fast but refuses cp1252 bytes 0x80-0x9f: transcode to a temp file.
            read_path = Path(self.tmp_dir) / "transcoded.csv"
            _transcode_cp1252(path, read_path)
        # 1. lines, in file order; lines DuckDB cannot take (over 1 MiB, a 0x1f byte) land in _rej.
        con.execute("drop table if exists _rej")
        con.execute("drop table if exists _rej_scan")
        con.execute(
            f"""create or replace temp table _raw_lines as
                select line from read_csv('{_sql_str(str(read_path))}', columns = {{'line': 'VARCHAR'}},
                    header = false, delim = '{LINE_DELIM}', quote = '', escape = '', auto_detect = false,
                    max_line_size = {MAX_LINE_BYTES}, strict_mode = false, encoding = 'utf-8',
                    ignore_errors = true, store_rejects = true, rejects_table = '_rej',
                    rejects_scan = '_rej_scan', parallel = true)""")
        dropped = con.execute("select distinct line, error_type from _rej order by line").fetchall()
        # line number of the r-th kept line (0-based rowid): r + 1 + #dropped lines before it.
        con.execute("create or replace temp table _dropped as select line as line_no, "
                    "line - row_number() over (order by line) as kept_before, "
                    "row_number() over (order by line) as n_dropped from "
                    "(select distinct line from _rej)")
        if dropped:
            con.execute(
                """create or replace temp table _lines as
                    select l.r + 1 + coalesce(d.n_dropped, 0) as line_no, rtrim(l.line, chr(13)) as line
                    from (select rowid as r, line from _raw_lines) l
                    asof left join _dropped d on l.r >= d.kept_before""")
        else:
            con.execute("create or replace temp table _lines as "
                        "select rowid + 1 as line_no, rtrim(line, chr(13)) as line from _raw_lines")
        con.execute("drop table _raw_lines")
        if read_path != path:
            read_path.unlink()
        # 2. header
        first = con.execute("select line_no, line from _lines where line_no <= 1000 and trim(line) <> '' "
                            "order by line_no limit 1").fetchone() or con.execute(
                            "select line_no, line from _lines where line is not null and trim(line) <> '' "
                            "order by line_no limit 1").fetchone()
        dropped_lines = {ln for ln, _ in dropped}
        if first is None:
            if dropped:
                raise InputError(rel_file, "is not a CSV text file (no readable header line)", row=1)
            raise InputError(rel_file, "the file is empty: expected a header line with the columns "
                             + ", ".join(CONTRACT[table]))
        header_no, header = first
        if any(ln < header_no for ln in dropped_lines):
            raise InputError(rel_file, "is not a CSV text file (the header line is unreadable)", row=1)
        if header_no == 1 and header.startswith("\ufeff"):
            header, has_bom = header[1:], True
        sep, names = _detect_separator(table, header, rel_file)
        positions, extra, missing = self.check_header(table, names, rel_file)
        n_fields = len(names)
        control_case = f"when regexp_matches(line, '{CONTROL_CHARS}') then 'control'" if suspicious else ""
        # 3. classify data lines
        con.execute(
            f"""create or replace temp table _data as
                select line_no, line_no - {header_no} as source_row, line,
                  case
                    when line is null or trim(line) = '' then 'blank'
                    {control_case}
                    when contains(line, '"')
                         and length(line) - length(replace(line, '{sep}', '')) = {n_fields - 1}
                         and list_bool_and(list_transform(string_split(line, '{sep}'),
                             lambda x: not contains(x, '"') or regexp_full_match(x, '"([^"]|"")*"')))
                        then 'quoted_fields'
                    when contains(line, '"') then 'quoted'
                    when length(line) - length(replace(line, '{sep}', '')) <> {n_fields - 1} then 'fields'
                    else 'ok'
                  end as kind
                from _lines where line_no > {header_no}""")
        con.execute("drop table _lines")
        counts = dict(con.execute("select kind, count(*) from _data group by kind").fetchall())
        rejects: list[tuple[int, str]] = []
        for ln, err in dropped:
            if err == "LINE SIZE OVER MAXIMUM":
                reason = f"line longer than {MAX_LINE_BYTES} bytes"
            elif err in ("TOO MANY COLUMNS", "INVALID ENCODING", "INVALID UNICODE"):
                reason = "binary or control characters in the line"
            else:
                reason = "unreadable line (" + err.lower() + ")"
            rejects.append((ln - header_no, reason))
        # field-count rejects, with the counts found (never the values)
        for src_row, nf in con.execute(
                f"select source_row, len(string_split(line, '{sep}')) from _data where kind = 'fields' "
                "order by source_row").fetchall():
            rejects.append((src_row, f"expected {n_fields} fields separated by '{sep}', found {nf}"))
        for (src_row,) in con.execute("select source_row from _data where kind = 'control' order by source_row"
                                      ).fetchall():
            rejects.append((src_row, "binary or control characters in the line"))
        # quoted lines: Python's csv module (quotes are rare in registry extracts)
        quoted_rows = []
        if counts.get("quoted"):
            for src_row, line in con.execute(
                    "select source_row, line from _data where kind = 'quoted' order by source_row").fetchall():
                fields = _parse_quoted(line, sep)
                if fields is None:
                    rejects.append((src_row, "unbalanced quotes in the line"))
                elif len(fields) != n_fields:
                    rejects.append((src_row, f"expected {n_fields} fields separated by '{sep}', "
                                             f"found {len(fields)}"))
                else:
                    quoted_rows.append([src_row] + [fields[positions[c]] if c in positions else None
                                                    for c in CONTRACT[table]])
        cols = CONTRACT[table]
        con.execute("create or replace temp table _quoted (source_row bigint, "
                    + ", ".join(f"{c} varchar" for c in cols) + ")")
        if quoted_rows:
            import pyarrow as pa

            arrow = pa.table({name: list(vals) for name, vals in zip(["source_row", *cols], zip(*quoted_rows))})
            con.register("_quoted_arrow", arrow)
            con.execute("insert into _quoted select * from _quoted_arrow")
            con.unregister("_quoted_arrow")
        # lines whose quotes enclose whole fields (no separator inside) are unquoted in SQL
        unquote = ("case when f[{i}] like '\"%\"' then replace(f[{i}][2:-2], '\"\"', '\"') "
                   "else f[{i}] end")
        con.execute("create or replace temp view _parsed as "
                    "select source_row, " + ", ".join(
                        f"f[{positions[c] + 1}] as {c}" if c in positions else f"null::varchar as {c}"
                        for c in cols)
                    + f" from (select source_row, string_split(line, '{sep}') as f from _data where kind = 'ok') "
                    "union all select source_row, " + ", ".join(
                        unquote.format(i=positions[c] + 1) + f" as {c}" if c in positions
                        else f"null::varchar as {c}" for c in cols)
                    + f" from (select source_row, string_split(line, '{sep}') as f from _data "
                    "where kind = 'quoted_fields') "
                    "union all select * from _quoted")
        n_cpr = self.check_cpr("_parsed", PERSON_ID_COLUMN, rel_file) if PERSON_ID_COLUMN in cols else 0
        sel = ", ".join(self.pid_expr(c) if c == PERSON_ID_COLUMN else c for c in cols)
        con.execute(f"insert into raw.{table} select {sel}, '{wave}', '{_sql_str(rel_file)}', source_row "
                    "from _parsed", self.params())
        loaded = counts.get("ok", 0) + counts.get("quoted_fields", 0) + len(quoted_rows)
        if rejects:
            con.executemany("insert into raw.ingest_rejects values (?, ?, ?, ?, ?)",
                            [(table, wave, rel_file, r, reason) for r, reason in sorted(rejects)])
        for obj in ("view _parsed", "table _quoted", "table _data", "table _dropped"):
            con.execute(f"drop {obj}")
        blank = counts.get("blank", 0)
        rows_read = loaded + len(rejects)
        enc_label = encoding + ("-bom" if has_bom and encoding == "utf-8" else "")
        return FileResult(table, wave, rel_file, "csv", enc_label, sep, rows_read, loaded, len(rejects), sha,
                          "present", blank_lines=blank, extra_columns=extra, missing_optional_columns=missing,
                          pseudonymised_ids=n_cpr)


# --- helpers ------------------------------------------------------------------------------------

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_SUSPICIOUS_UTF8 = re.compile(rb"\xc2[\x80-\x9f]|\xef\xbf\xbd")


def _scan_text(path: Path, rel_file: str) -> tuple[str, str, bool, bool]:
    """(sha256, 'utf-8' or 'cp1252', has_bom, has control bytes) in one streaming pass.

    InputError for files that are not text. The control-byte flag lets the per-line check be
    skipped for clean files (the common case): it is C-speed bytes.translate, not a Python loop.
    """
    h = hashlib.sha256()
    dec = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        for magic, what in BINARY_MAGIC.items():
            if head.startswith(magic):
                raise InputError(rel_file, f"is not a CSV text file (it looks like {what})", row=1)
        first_line = head.split(b"\n", 1)[0]
        if b"\0" in first_line or (head and sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20):
            raise InputError(rel_file, "is not a CSV text file (binary content)", row=1)
        has_bom = head.startswith(codecs.BOM_UTF8)
        chunk = head
        suspicious = False
        prev_tail = b""
        while chunk:
            h.update(chunk)
            if not suspicious:
                suspicious = bool(chunk.translate(None, _NOT_CONTROL)) or bool(
                    _SUSPICIOUS_UTF8.search(prev_tail + chunk[:4])) or bool(_SUSPICIOUS_UTF8.search(chunk))
                prev_tail = chunk[-4:]
            if utf8:
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            chunk = f.read(1 << 24)
        if utf8:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return h.hexdigest(), ("utf-8" if utf8 else "cp1252"), has_bom, suspicious


def _transcode_cp1252(src: Path, dst: Path) -> None:
    """cp1252 -> UTF-8, streaming; undefined bytes become U+FFFD (and their lines are rejected)."""
    dec = codecs.getincrementaldecoder("cp1252")(errors="replace")
    with open(src, "rb") as f, open(dst, "w", encoding="utf-8", newline="") as out:
        while chunk := f.read(1 << 24):
            out.write(dec.decode(chunk))
        out.write(dec.decode(b"", final=True))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def _norm_name(n: str) -> str:
    return n.strip().strip('"').strip().lower()


def _detect_separator(table: str, header: str, rel_file: str) -> tuple[str, list[str]]:
    """Pick ',' or ';' by which one splits the header into contract column names."""
    contract = set(CONTRACT[table])
    best = None
    for sep in SEPARATORS:
        names = [_norm_name(n) for n in header.split(sep)]
        if names and names[-1] == "" and len(names) > 1:
            pass                                      # trailing separator: an unnamed empty column
        score = sum(n in contract for n in names)
        if best is None or score > best[0]:
            best = (score, sep, names)
    score, sep, names = best
    if score == 0:
        raise InputError(rel_file, "the header names none of the contract columns with separator ',' or ';': "
                         "expected " + ", ".join(CONTRACT[table]))
    return sep, names


def _parse_quoted(line: str, sep: str) -> list[str] | None:
    if line.count('"') % 2:
        return None
    try:
        rows = list(csv.reader([line], delimiter=sep, quotechar='"', doublequote=True, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _file_dict(r: FileResult) -> dict:
    return {k: getattr(r, k) for k in r.__dataclass_fields__}

