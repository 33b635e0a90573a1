-- One row per measure code: the measure catalogue (seed measure_definitions), flagged with
-- whether any experiment in the catalogue links it.
select
    {{ run_stamp() }},
    d.measure_code,
    d.family,
    d.name_da,
    d.name_en,
    d.measure_type,
    d.unit,
    d.aggregation,
    d.better_when,
    d.definition_en,
    d.definition_source,
    d.sql_model,
    coalesce(l.n_experiments, 0) as n_experiments_linked
from {{ ref('measure_definitions') }} as d
left join (
    select measure_code, count(distinct experiment_id) as n_experiments
    from {{ ref('int_experiment_measures_linked') }}
    group by measure_code
) as l on l.measure_code = d.measure_code
