{#- Columns stamped on every mart: which pipeline run built the row. pipeline/run.py sets the
    environment variables (not --vars, so that dbt can reuse its parse between runs: dbt re-parses
    only the files whose env_var values changed). -#}
{% macro run_stamp() -%}
    '{{ env_var("FRIEVAL_RUN_ID", "dev") }}'::varchar as run_id,
    '{{ env_var("FRIEVAL_RUN_STARTED_AT", "1970-01-01 00:00:00") }}'::timestamp as run_started_at
{%- endmacro %}
