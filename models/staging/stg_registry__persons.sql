-- The valid, current persons rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__persons).

select
    person_id,
    birth_date,
    sex,
    municipality_code,
    death_date,
    emigration_date,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__persons') }}
where quarantine_reason is null
