-- Typed fit_sessions rows of both waves, each with its quarantine reason (NULL = valid and
-- current). Natural key: case_id + session_date + respondent + instrument. All four items are
-- required and must lie in 0-10.
{{ config(materialized='table') }}
{%- set contract = ['case_id', 'person_id', 'session_date', 'respondent', 'instrument',
                    'item1', 'item2', 'item3', 'item4'] %}
{%- set raw = registry_raw_types('fit_sessions', contract) %}

with source as (
    select * from {{ source('registry', 'fit_sessions') }}
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
        {{ registry_date('_t_session_date', raw.session_date) }} as session_date,
        lower(_t_respondent) as respondent,
        upper(_t_instrument) as instrument,
        {{ registry_number('_t_item1', raw.item1) }} as item1,
        {{ registry_number('_t_item2', raw.item2) }} as item2,
        {{ registry_number('_t_item3', raw.item3) }} as item3,
        {{ registry_number('_t_item4', raw.item4) }} as item4
    from cleaned
),

{%- set checks =
    [['case_id', 'case_id is null', 'missing_value'],
     ['person_id', 'person_id is null', 'missing_value']]
    + registry_date_checks('session_date')
    + registry_code_checks('respondent', ['child', 'youth', 'mother', 'father', 'network', 'adult'])
    + registry_code_checks('instrument', ['ORS', 'CORS', 'SRS', 'CSRS'])
    + registry_number_checks('item1', low=0, high=10)
    + registry_number_checks('item2', low=0, high=10)
    + registry_number_checks('item3', low=0, high=10)
    + registry_number_checks('item4', low=0, high=10)
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['case_id', 'session_date', 'respondent', 'instrument'],
                       value_columns=contract) }}
