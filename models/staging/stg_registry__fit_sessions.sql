-- The valid, current fit_sessions rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__fit_sessions).

select
    case_id,
    person_id,
    session_date,
    respondent,
    instrument,
    item1,
    item2,
    item3,
    item4,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__fit_sessions') }}
where quarantine_reason is null
