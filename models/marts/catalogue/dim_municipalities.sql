-- One row per municipality (participating or comparison candidate) with its experiment count.
with exp as (
    select municipality_code, count(distinct experiment_id) as n_experiments
    from {{ ref('experiment_municipalities') }}
    group by municipality_code
)
select
    m.municipality_code,
    m.name,
    m.region,
    m.participating,
    m.comparison_candidate,
    m.networks,
    coalesce(exp.n_experiments, 0) as n_experiments,
    m.source_doc,
    m.source_line,
    m.citation,
    {{ run_stamp() }}
from {{ ref('municipalities') }} m
left join exp using (municipality_code)
