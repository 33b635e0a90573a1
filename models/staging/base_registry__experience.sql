-- Typed experience (survey) rows of both waves, each with its quarantine reason (NULL = valid and
-- current). Natural key: person_id + survey_date + respondent_type + item_id.
-- A score must lie in 0..scale_max; scale_max must be positive.
{{ config(materialized='table') }}
{%- set contract = ['person_id', 'survey_date', 'respondent_type', 'item_id', 'score', 'scale_max'] %}
{%- set raw = registry_raw_types('experience', contract) %}

with source as (
    select * from {{ source('registry', 'experience') }}
),

cleaned as (
    select wave, source_file, source_row, {{ registry_texts(contract, raw) }}
    from source
),

typed as (
    select
        *,
        _t_person_id as person_id,
        {{ registry_date('_t_survey_date', raw.survey_date) }} as survey_date,
        lower(_t_respondent_type) as respondent_type,
        _t_item_id as item_id,
        {{ registry_number('_t_score', raw.score) }} as score,
        {{ registry_number('_t_scale_max', raw.scale_max) }} as scale_max
    from cleaned
),

{%- set checks =
    [['person_id', 'person_id is null', 'missing_value']]
    + registry_date_checks('survey_date')
    + registry_code_checks('respondent_type', ['citizen', 'relative', 'staff'])
    + [['item_id', 'item_id is null', 'missing_value']]
    + registry_number_checks('scale_max', low=0)
    + [['scale_max', 'scale_max = 0', 'out_of_range']]
    + registry_number_checks('score', low=0)
    + [['score', 'score > scale_max', 'out_of_range']]
%}

checked as (
    select *, {{ registry_first_failure(checks) }}
    from typed
)

{{ registry_row_status('checked', key_columns=['person_id', 'survey_date', 'respondent_type', 'item_id'],
                       value_columns=contract) }}
