-- Typed enrolment rows of both waves, each with its quarantine reason (NULL = valid and current).
-- Natural key: person_id + experiment_id (one enrolment per person and experiment).
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'experiment_id', 'municipality_code', 'arm', 'index_date', 'end_date'] %}
{%- set raw = registry_raw_types('enrolment', contract) %}

with source as (
    select * from {{ source('registry', 'enrolment') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        _t_experiment_id as experiment_id,
        {{ registry_municipality('_t_municipality_code') }} as municipality_code,
        lower(_t_arm) as arm,
        {{ registry_date('_t_index_date', raw.index_date) }} as index_date,
        {{ registry_date('_t_end_date', raw.end_date) }} as end_date
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value'],
     ['experiment_id', 'experiment_id is null', 'missing_value'],
     ['municipality_code', '_t_municipality_code is null', 'missing_value'],
     ['municipality_code', 'municipality_code is null', 'invalid_format']]
    + registry_code_checks('arm', ['intervention', 'comparison'])
    + registry_date_checks('index_date')
    + registry_date_checks('end_date', required=false)
    + [['end_date', 'end_date < index_date', 'end_before_index']]
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id', 'experiment_id'], value_columns=contract) }}
