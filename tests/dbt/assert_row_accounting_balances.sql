-- Every input row is accounted for: for every extract file, rows read at ingest equal rows staged
-- plus rows quarantined (ingest rejects and superseded rows included). Returns the files that do not balance.
select table_name, wave, source_file, rows_read, rows_staged, rows_quarantined
from {{ ref('fct_row_accounting') }}
where rows_read <> rows_staged + rows_quarantined
