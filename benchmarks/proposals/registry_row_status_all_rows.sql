{#- Reference for benchmarks/regress_row_status.py: the row-status macro as it was before the
    GROUP BY fast path (macros/registry_staging.sql, commit db84691). It runs the five window
    functions over every row. The benchmark compiles a staging model with this macro in place of
    the project's and checks both give the same rows; it is not used by any build. -#}
{#- Row status across rows: exact duplicates and conflicting keys within a wave, and wave
    precedence (a baseline row whose natural key the follow-up wave re-delivers is superseded).
    Only rows that passed their checks take part. `checked` is the CTE name with
    quarantine_column/quarantine_reason; the macro renders the final select. -#}
{% macro registry_row_status(checked, key_columns, value_columns, extra_columns=[]) -%}
    {%- set key = key_columns | join(', ') -%}
    {%- set valid = 'quarantine_reason is null' -%}
, hashed as (
    select *, hash({{ value_columns | join(', ') }}) as _row_hash
    from {{ checked }}
),
windowed as (
    select
        *,
        sum(case when {{ valid }} and wave = 'followup' then 1 else 0 end)
            over (partition by {{ key }}) as _followup_rows_with_key,
        sum(case when {{ valid }} and wave = 'followup' then 1 else 0 end)
            over (partition by {{ key }}, _row_hash) as _followup_rows_identical,
        min(case when {{ valid }} then _row_hash end) over (partition by wave, {{ key }}) as _min_hash_in_wave,
        max(case when {{ valid }} then _row_hash end) over (partition by wave, {{ key }}) as _max_hash_in_wave,
        row_number() over (
            partition by ({{ valid }}), wave, {{ key }}, _row_hash order by source_file, source_row
        ) as _copy_number
    from hashed
)
select
    {%- for c in value_columns %}
    {{ c }},
    {%- endfor %}
    {%- for c in extra_columns %}
    {{ c }},
    {%- endfor %}
    wave,
    source_file,
    source_row,
    case
        when not ({{ valid }}) then quarantine_column
        when wave = 'baseline' and _followup_rows_with_key > 0 then '{{ key_columns | join("+") }}'
        when _min_hash_in_wave <> _max_hash_in_wave then '{{ key_columns | join("+") }}'
        when _copy_number > 1 then '*'
    end as quarantine_column,
    case
        when not ({{ valid }}) then quarantine_reason
        when wave = 'baseline' and _followup_rows_identical > 0 then 'superseded_by_followup'
        when wave = 'baseline' and _followup_rows_with_key > 0 then 'conflict_superseded_by_followup'
        when _min_hash_in_wave <> _max_hash_in_wave then 'conflicting_duplicate_in_wave'
        when _copy_number > 1 then 'duplicate_row'
    end as quarantine_reason
from windowed
{%- endmacro %}
