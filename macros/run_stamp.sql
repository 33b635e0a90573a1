{#- Columns stamped on every mart: which pipeline run built the row. -#}
{% macro run_stamp() -%}
    '{{ var("run_id") }}'::varchar as run_id,
    '{{ var("run_started_at") }}'::timestamp as run_started_at
{%- endmacro %}
