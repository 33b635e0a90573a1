-- Typed costs rows of both waves, each with its quarantine reason (NULL = valid and current).
-- Natural key: person_id + month + cost_category. Negative amounts (corrections) are allowed.
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'month', 'cost_category', 'amount_dkk'] %}
{%- set raw = registry_raw_types('costs', contract) %}

with source as (
    select * from {{ source('registry', 'costs') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        case when regexp_full_match(_t_month, '[0-9]{4}-[0-9]{2}')
             and try_strptime(_t_month || '-01', '%Y-%m-%d') is not null then _t_month end as month,
        try_strptime(_t_month || '-01', '%Y-%m-%d')::date as month_start,
        lower(_t_cost_category) as cost_category,
        {{ registry_number('_t_amount_dkk', raw.amount_dkk) }} as amount_dkk
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value'],
     ['month', '_t_month is null', 'missing_value'],
     ['month', 'month is null', 'invalid_format'],
     ['month', "month_start < date '1900-01-01' or month_start > date '2100-12-31'", 'implausible_date'],
     ['cost_category', 'cost_category is null', 'missing_value']]
    + registry_number_checks('amount_dkk')
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id', 'month', 'cost_category'], value_columns=contract,
                       extra_columns=['month_start']) }}
