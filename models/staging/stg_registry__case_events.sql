-- The valid, current case_events rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__case_events).

select
    case_id,
    person_id,
    event_type,
    event_date,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__case_events') }}
where quarantine_reason is null
