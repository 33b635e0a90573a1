"""Streaming writers: one per table and wave, appended chunk by chunk (bounded memory)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

D, TS, S, F, I = pa.date32(), pa.timestamp("s"), pa.string(), pa.float64(), pa.int16()

SCHEMAS: dict[str, pa.Schema] = {
    "persons": pa.schema([("person_id", S), ("birth_date", D), ("sex", S), ("municipality_code", S),
                          ("death_date", D), ("emigration_date", D)]),
    "enrolment": pa.schema([("person_id", S), ("experiment_id", S), ("municipality_code", S), ("arm", S),
                            ("index_date", D), ("end_date", D)]),
    "admissions": pa.schema([("person_id", S), ("admission_ts", TS), ("discharge_ts", TS),
                             ("admission_type", S), ("action_diagnosis", S), ("department_type", S),
                             ("hospital_code", S)]),
    "employment_status": pa.schema([("person_id", S), ("iso_year", I), ("iso_week", I), ("benefit_code", S)]),
    "case_events": pa.schema([("case_id", S), ("person_id", S), ("event_type", S), ("event_date", D)]),
    "fit_sessions": pa.schema([("case_id", S), ("person_id", S), ("session_date", D), ("respondent", S),
                               ("instrument", S), ("item1", F), ("item2", F), ("item3", F), ("item4", F)]),
    "costs": pa.schema([("person_id", S), ("month", S), ("cost_category", S), ("amount_dkk", F)]),
    "experience": pa.schema([("person_id", S), ("survey_date", D), ("respondent_type", S), ("item_id", S),
                             ("score", F), ("scale_max", F)]),
}

# The natural key of each table: a follow-up row with the same key supersedes the baseline row.
NATURAL_KEYS = {
    "persons": ("person_id",),
    "enrolment": ("person_id", "experiment_id"),
    "admissions": ("person_id", "admission_ts"),
    "employment_status": ("person_id", "iso_year", "iso_week"),
    "case_events": ("case_id", "event_type"),
    "fit_sessions": ("case_id", "session_date", "respondent", "instrument"),
    "costs": ("person_id", "month", "cost_category"),
    "experience": ("person_id", "survey_date", "respondent_type", "item_id"),
}


class TableWriter:
    """Appends record batches to OUT/wave=<wave>/<table>.<fmt>; a table with no rows is still written."""

    def __init__(self, path: Path, schema: pa.Schema, file_format: str):
        self.path, self.schema, self.format = path, schema, file_format
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        if file_format == "parquet":
            self._w = pq.ParquetWriter(str(path), schema, compression="zstd", use_dictionary=True,
                                       write_statistics=True)
        else:
            self._sink = pa.OSFile(str(path), "wb")
            self._w = pacsv.CSVWriter(self._sink, schema,
                                      write_options=pacsv.WriteOptions(include_header=True, delimiter=",",
                                                                       quoting_style="needed"))

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        table = table.select(self.schema.names).cast(self.schema)
        self._w.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._w.close()
        if self.format != "parquet":
            self._sink.close()


class WaveWriters:
    def __init__(self, out_dir: Path, file_format: str):
        ext = "parquet" if file_format == "parquet" else "csv"
        self.writers = {(table, wave): TableWriter(out_dir / f"wave={wave}" / f"{table}.{ext}", schema, file_format)
                        for table, schema in SCHEMAS.items() for wave in ("baseline", "followup")}

    def write(self, table: str, wave: str, data: pa.Table) -> None:
        self.writers[(table, wave)].write(data)

    def rows(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (table, wave), w in self.writers.items():
            out.setdefault(table, {})[wave] = w.rows
        return out

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
