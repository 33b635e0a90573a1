-- Typed admissions (LPR-like) rows of both waves, each with its quarantine reason (NULL = valid
-- and current). Natural key: person_id + admission_ts.
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'admission_ts', 'discharge_ts', 'admission_type', 'action_diagnosis',
                    'department_type', 'hospital_code'] %}
{%- set raw = registry_raw_types('admissions', contract) %}

with source as (
    select * from {{ source('registry', 'admissions') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        {{ registry_timestamp('_t_admission_ts', raw.admission_ts) }} as admission_ts,
        {{ registry_timestamp('_t_discharge_ts', raw.discharge_ts) }} as discharge_ts,
        lower(_t_admission_type) as admission_type,
        -- ICD-10 as in LPR: the SKS 'D' prefix, upper case, no dot ("DJ18.9" -> "DJ189")
        upper(replace(_t_action_diagnosis, '.', '')) as action_diagnosis,
        lower(_t_department_type) as department_type,
        _t_hospital_code as hospital_code
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value']]
    + registry_date_checks('admission_ts', kind='timestamp')
    + registry_date_checks('discharge_ts', required=false, kind='timestamp')
    + [['discharge_ts', 'discharge_ts < admission_ts', 'discharge_before_admission']]
    + registry_code_checks('admission_type', ['acute', 'planned'])
    + [['action_diagnosis', 'action_diagnosis is null', 'missing_value'],
       ['action_diagnosis', "not regexp_full_match(action_diagnosis, 'D[A-Z][0-9]{2}[0-9A-Z]{0,4}')", 'invalid_format']]
    + registry_code_checks('department_type', ['somatic', 'psychiatric'])
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id', 'admission_ts'], value_columns=contract) }}
