-- One row per experiment with its network, period design and number of municipalities.
with mun as (
    select experiment_id, count(distinct municipality_code) as n_municipalities,
           string_agg(distinct municipality_code, ';' order by municipality_code) as municipality_codes
    from {{ ref('experiment_municipalities') }}
    group by experiment_id
),
ind as (
    select experiment_id, count(*) as n_indicators, count(measure_code) as n_computable_indicators,
           count(distinct measure_code) as n_measures
    from {{ ref('indicators') }}
    group by experiment_id
)
select
    e.experiment_id,
    e.network_id,
    n.name_en as network_name_en,
    n.programme,
    e.title_da,
    e.title_en,
    e.target_group_en,
    e.origin,
    e.related_experiment_id,
    p.period_design,
    p.start_date,
    p.baseline_days,
    p.followup_days,
    p.start_date_source,
    coalesce(mun.n_municipalities, 0) as n_municipalities,
    mun.municipality_codes,
    coalesce(ind.n_indicators, 0) as n_indicators,
    coalesce(ind.n_computable_indicators, 0) as n_computable_indicators,
    coalesce(ind.n_measures, 0) as n_measures,
    e.source_doc,
    e.source_line_start,
    e.source_line_end,
    {{ run_stamp() }}
from {{ ref('experiments') }} e
join {{ ref('networks') }} n using (network_id)
join {{ ref('experiment_periods') }} p using (experiment_id)
left join mun using (experiment_id)
left join ind using (experiment_id)
