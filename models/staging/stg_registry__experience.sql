-- The valid, current experience rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__experience).

select
    person_id,
    survey_date,
    respondent_type,
    item_id,
    score,
    scale_max,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__experience') }}
where quarantine_reason is null
