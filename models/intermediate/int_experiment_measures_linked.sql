-- The experiment x measure pairs the pipeline computes: the distinct (experiment_id, measure_code)
-- of the catalogue seed `indicators` where measure_code is set (docs/architecture.md). Measure
-- models emit rows only for these pairs.
select distinct
    cast(experiment_id as varchar) as experiment_id,
    trim(cast(measure_code as varchar)) as measure_code
from {{ ref('indicators') }}
where measure_code is not null
    and trim(cast(measure_code as varchar)) <> ''
