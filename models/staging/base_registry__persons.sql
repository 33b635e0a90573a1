-- Typed persons rows of both waves, each with its quarantine reason (NULL = valid and current).
-- Natural key: person_id.
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'birth_date', 'sex', 'municipality_code', 'death_date', 'emigration_date'] %}
{%- set raw = registry_raw_types('persons', contract) %}

with source as (
    select * from {{ source('registry', 'persons') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        {{ registry_date('_t_birth_date', raw.birth_date) }} as birth_date,
        upper(_t_sex) as sex,
        {{ registry_municipality('_t_municipality_code') }} as municipality_code,
        {{ registry_date('_t_death_date', raw.death_date) }} as death_date,
        {{ registry_date('_t_emigration_date', raw.emigration_date) }} as emigration_date
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value']]
    + registry_date_checks('birth_date')
    + registry_code_checks('sex', ['M', 'F'])
    + [['municipality_code', '_t_municipality_code is null', 'missing_value'],
       ['municipality_code', 'municipality_code is null', 'invalid_format']]
    + registry_date_checks('death_date', required=false)
    + registry_date_checks('emigration_date', required=false)
    + [['death_date', 'death_date < birth_date', 'death_before_birth'],
       ['emigration_date', 'emigration_date < birth_date', 'emigration_before_birth']]
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id'], value_columns=contract) }}
