{% macro registry_row_status(checked, key_columns, value_columns, extra_columns=[]) -%}
    {#- Most natural keys occur once in the whole extract; only the rows of a key that occurs
        more than once (in either wave) need the window functions below. A GROUP BY finds those
        keys, the windows run on their rows only, every other row is its own status. Same result
        as running the windows over every row, a fraction of the cost at national scale. -#}
    {%- set key = key_columns | join(', ') -%}
    {%- set valid = 'quarantine_reason is null' -%}
, hashed as (
    select *, hash({{ value_columns | join(', ') }}) as _row_hash
    from {{ checked }}
),
repeated_keys as (
    select {{ key }}
    from hashed
    group by all
    having count(*) > 1
),
is_repeated as (
    select h.*, r.{{ key_columns[0] }} is not null as _repeated
    from hashed as h
    left join repeated_keys as r
        on {% for c in key_columns %}{{ 'and ' if not loop.first }}r.{{ c }} is not distinct from h.{{ c }} {% endfor %}
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
    from is_repeated
    where _repeated
    union all by name
    select
        *,
        case when {{ valid }} and wave = 'followup' then 1 else 0 end as _followup_rows_with_key,
        case when {{ valid }} and wave = 'followup' then 1 else 0 end as _followup_rows_identical,
        case when {{ valid }} then _row_hash end as _min_hash_in_wave,
        case when {{ valid }} then _row_hash end as _max_hash_in_wave,
        1 as _copy_number
    from is_repeated
    where not _repeated
)
