-- One row per programme-theory node with the number of indicators that evidence it.
with ind as (
    select node_id, count(*) as n_indicators, count(measure_code) as n_computable_indicators
    from {{ ref('indicators') }}
    group by node_id
)
select
    n.node_id,
    n.experiment_id,
    n.node_type,
    case n.node_type
        when 'input' then 1 when 'activity' then 2 when 'output' then 3
        when 'short_term_outcome' then 4 when 'long_term_outcome' then 5
    end as chain_step,
    n.position,
    n.label_en,
    n.label_da,
    n.inferred,
    coalesce(ind.n_indicators, 0) as n_indicators,
    coalesce(ind.n_computable_indicators, 0) as n_computable_indicators,
    n.source_doc,
    n.source_line,
    {{ run_stamp() }}
from {{ ref('programme_theory_nodes') }} n
left join ind using (node_id)
