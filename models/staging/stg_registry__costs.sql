-- The valid, current costs rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__costs).

select
    person_id,
    month,
    month_start,
    cost_category,
    amount_dkk,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__costs') }}
where quarantine_reason is null
