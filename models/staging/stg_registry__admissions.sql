-- The valid, current admissions rows: typed contract columns plus wave, source_file, source_row.
-- Everything else is in marts.fct_quarantine with its reason (see base_registry__admissions).

select
    person_id,
    admission_ts,
    discharge_ts,
    admission_type,
    action_diagnosis,
    department_type,
    hospital_code,
    wave,
    source_file,
    source_row
from {{ ref('base_registry__admissions') }}
where quarantine_reason is null
