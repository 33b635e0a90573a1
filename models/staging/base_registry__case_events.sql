-- Typed case_events rows of both waves, each with its quarantine reason (NULL = valid and current).
-- Natural key: case_id + event_type + event_date. The event type must be a well-formed code; an
-- event type outside the contract's list is staged (a warn-level test counts it).
{{ config(materialized='table') }}
{%- set contract = ['case_id', 'person_id', 'event_type', 'event_date'] %}
{%- set raw = registry_raw_types('case_events', contract) %}

with source as (
    select * from {{ source('registry', 'case_events') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_case_id as case_id,
        _t_person_id as person_id,
        lower(_t_event_type) as event_type,
        {{ registry_date('_t_event_date', raw.event_date) }} as event_date
    from cleaned
),

{%- set checks =
    [['case_id', 'case_id is null', 'missing_value'],
     ['person_id', 'person_id is null', 'missing_value'],
     ['event_type', 'event_type is null', 'missing_value'],
     ['event_type', "not regexp_full_match(event_type, '[a-z][a-z0-9_]*')", 'invalid_format']]
    + registry_date_checks('event_date')
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['case_id', 'event_type', 'event_date'], value_columns=contract) }}
