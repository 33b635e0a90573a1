-- One row per experiment x Triple Aim dimension (health, experience, cost, none): how many
-- indicators the application names and how many a standard measure computes. Every
-- experiment gets all four rows, so gaps show as zeros.
with dims as (
    select * from (values ('health'), ('experience'), ('cost'), ('none')) as t(triple_aim_dimension)
),
grid as (
    select e.experiment_id, e.network_id, d.triple_aim_dimension
    from {{ ref('experiments') }} e
    cross join dims d
),
agg as (
    select
        experiment_id,
        triple_aim_dimension,
        count(*) as n_indicators,
        count(measure_code) as n_computable_indicators,
        count(distinct measure_code) as n_measures,
        string_agg(distinct measure_code, ';' order by measure_code) as measure_codes
    from {{ ref('indicators') }}
    group by experiment_id, triple_aim_dimension
)
select
    g.experiment_id,
    g.network_id,
    g.triple_aim_dimension,
    coalesce(a.n_indicators, 0) as n_indicators,
    coalesce(a.n_computable_indicators, 0) as n_computable_indicators,
    coalesce(a.n_measures, 0) as n_measures,
    a.measure_codes,
    coalesce(a.n_indicators, 0) > 0 as dimension_named,
    coalesce(a.n_computable_indicators, 0) > 0 as dimension_computable,
    {{ run_stamp() }}
from grid g
left join agg a using (experiment_id, triple_aim_dimension)
