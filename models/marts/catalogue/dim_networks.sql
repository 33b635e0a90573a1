-- One row per network with its number of experiments and municipalities.
with exp as (
    select network_id, count(*) as n_experiments
    from {{ ref('experiments') }}
    group by network_id
),
mun as (
    select e.network_id, count(distinct em.municipality_code) as n_municipalities_in_experiments
    from {{ ref('experiment_municipalities') }} em
    join {{ ref('experiments') }} e using (experiment_id)
    group by e.network_id
)
select
    n.network_id,
    n.name_da,
    n.name_en,
    n.programme,
    n.lead_municipality,
    coalesce(exp.n_experiments, 0) as n_experiments,
    coalesce(mun.n_municipalities_in_experiments, 0) as n_municipalities_in_experiments,
    n.source_doc,
    n.source_line,
    {{ run_stamp() }}
from {{ ref('networks') }} n
left join exp using (network_id)
left join mun using (network_id)
