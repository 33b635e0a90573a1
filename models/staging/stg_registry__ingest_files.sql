-- One row per extract table x wave as ingest found it (status present/absent, rows read).
-- Downstream models use it to leave out measures whose extract was not delivered.
select
    cast(table_name as varchar) as table_name,
    cast(wave as varchar) as wave,
    cast(status as varchar) as status,
    try_cast(rows_read as bigint) as rows_read
from {{ source('registry', 'ingest_files') }}
