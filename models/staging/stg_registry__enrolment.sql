-- The valid, current enrolment rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__enrolment).

select
    person_id,
    experiment_id,
    municipality_code,
    arm,
    index_date,
    end_date,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__enrolment') }}
where quarantine_reason is null
