-- One row per programme-theory edge with both end labels.
select
    ed.edge_id,
    ed.experiment_id,
    ed.from_node_id,
    ed.to_node_id,
    f.node_type as from_node_type,
    t.node_type as to_node_type,
    f.label_en as from_label_en,
    t.label_en as to_label_en,
    ed.assumption_en,
    ed.assumption_da,
    ed.inferred,
    ed.chain_stated_in_source,
    ed.source_doc,
    ed.source_line,
    {{ run_stamp() }}
from {{ ref('programme_theory_edges') }} ed
join {{ ref('programme_theory_nodes') }} f on f.node_id = ed.from_node_id
join {{ ref('programme_theory_nodes') }} t on t.node_id = ed.to_node_id
