-- The valid, current employment_status rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__employment_status).

select
    person_id,
    iso_year,
    iso_week,
    benefit_code,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__employment_status') }}
where quarantine_reason is null
