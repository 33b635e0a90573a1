-- Typed employment_status (DREAM-like) rows of both waves, each with its quarantine reason (NULL =
-- valid and current). Natural key: person_id + iso_year + iso_week. An unknown benefit code is
-- not a contract violation: it is staged and counted by the measures.
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'iso_year', 'iso_week', 'benefit_code'] %}
{%- set raw = registry_raw_types('employment_status', contract) %}

with source as (
    select * from {{ source('registry', 'employment_status') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        {{ registry_integer('_t_iso_year', raw.iso_year) }} as iso_year,
        {{ registry_integer('_t_iso_week', raw.iso_week) }} as iso_week,
        upper(_t_benefit_code) as benefit_code
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value']]
    + registry_number_checks('iso_year', low=1900, high=2100)
    + registry_number_checks('iso_week', low=1, high=53)
    + [['iso_week', "iso_week = 53 and weekofyear(make_date(iso_year, 12, 28)) <> 53", 'week_53_in_52_week_year']]
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id', 'iso_year', 'iso_week'], value_columns=contract) }}
