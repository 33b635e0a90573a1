-- The experiment x measure pairs the pipeline computes: the distinct (experiment_id, measure_code)
-- of the catalogue seed `indicators` where measure_code is set (docs/architecture.md), for the
-- measures whose source extract was delivered in at least one wave. An absent extract is unknown,
-- not zero: without employment_status nobody is "self-supporting". Measure models emit rows only
-- for these pairs.
with delivered as (
    select distinct table_name
    from {{ ref('stg_registry__ingest_files') }}
    where status = 'present'
)
select distinct
    cast(i.experiment_id as varchar) as experiment_id,
    trim(cast(i.measure_code as varchar)) as measure_code
from {{ ref('indicators') }} as i
inner join {{ ref('measure_definitions') }} as d
    on d.measure_code = trim(cast(i.measure_code as varchar))
inner join delivered
    on delivered.table_name = d.source_extract
where i.measure_code is not null
    and trim(cast(i.measure_code as varchar)) <> ''
