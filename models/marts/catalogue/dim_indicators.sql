-- One row per indicator with its experiment's network and the programme-theory node it evidences.
select
    i.indicator_id,
    i.experiment_id,
    e.network_id,
    i.name_da,
    i.name_en,
    i.definition_en,
    i.triple_aim_dimension,
    i.expected_direction,
    i.unit,
    i.data_source,
    i.measure_code,
    coalesce(i.stratum, '') as stratum,
    i.computable,
    i.not_computable_reason,
    i.mapping_note,
    i.node_id,
    nd.node_type,
    i.inferred,
    i.origin,
    i.quote_da,
    i.source_doc,
    i.source_line,
    {{ run_stamp() }}
from {{ ref('indicators') }} i
join {{ ref('experiments') }} e using (experiment_id)
left join {{ ref('programme_theory_nodes') }} nd on nd.node_id = i.node_id
