-- One row per experiment x person x period x measure_code x stratum: the union of the measure
-- models, which all have exactly the columns below.
-- A view, not a table: it only stacks six tables, and its readers (fct_indicator_values, the
-- data tests, the effects, the report's survival curves) aggregate or filter it, which costs the
-- same on the view. Writing the stack cost 14 s at 1M persons (28 M rows) for nothing
-- (docs/benchmarks.md, issue 6). DuckDB stores the view's SQL without the catalog name, so the
-- warehouse still works when the file is copied or renamed.
{{ config(materialized='view') }}
{%- set measure_models = [
    'int_admissions_measures',
    'int_employment_measures',
    'int_cases_measures',
    'int_fit_measures',
    'int_costs_measures',
    'int_experience_measures',
] %}
{%- for m in measure_models %}
select
    {{ run_stamp() }},
    experiment_id,
    person_id,
    municipality_code,
    arm,
    period,
    measure_code,
    coalesce(stratum, '') as stratum,
    cast(value as double) as value,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    cast(person_years as double) as person_years,
    cast(censored as boolean) as censored
from {{ ref(m) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
