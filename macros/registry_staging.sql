{#- Helpers for the registry staging models (models/staging/base_registry__*.sql).
    The rules they encode are written up in docs/data-contract.md. -#}

{#- The type of each contract column in raw.<table>: {column: 'VARCHAR' | 'DATE' | ...}.
    Ingest keeps a Parquet column's type when staging would give it that type anyway
    (pipeline/ingest.py TYPED_COLUMNS); every CSV column, and any other Parquet column, is text.
    The macros below specialise on it at compile time: a typed column skips trim, regex and
    strptime (the text round trip would give back the same value), so it is never
    "unparseable" (but for an integer beyond nine digits, as its text), while every other check
    and its precedence stay as for text. tests/test_ingest_typed.py holds both paths equal.
    dbt parses without a database: at parse time (execute is false) every column counts as text,
    which only affects the parse, never the SQL that runs. -#}
{% macro registry_raw_types(table, columns) -%}
    {%- set types = {} -%}
    {%- for c in columns -%}
        {%- do types.update({c: 'VARCHAR'}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(source('registry', table)) -%}
            {%- if col.name | lower in types -%}
                {%- do types.update({col.name | lower: col.dtype | upper}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- A raw type a typing macro cannot take: ingest never writes one, so this is a bug, said loudly. -#}
{% macro registry_unexpected_type(text, raw_type) -%}
    {{ exceptions.raise_compiler_error("registry staging: raw column behind " ~ text ~ " has type " ~ raw_type
                                       ~ ", expected VARCHAR or the staged type (pipeline/ingest.py TYPED_COLUMNS)") }}
{%- endmacro %}

{#- Every contract column trimmed, '' -> NULL, kept as text under _t_<column>; a typed raw column
    is kept as it is (it has no blanks to trim and no '' to mean NULL). -#}
{% macro registry_texts(columns, raw_types={}) -%}
    {%- for c in columns %}
        {%- if raw_types.get(c, 'VARCHAR') == 'VARCHAR' %}
        nullif(trim({{ c }}), '') as _t_{{ c }}{{ "," if not loop.last }}
        {%- else %}
        {{ c }} as _t_{{ c }}{{ "," if not loop.last }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- A date: ISO 8601 first, then the Danish day-first forms. Unparseable or impossible -> NULL. -#}
{% macro registry_date(text, raw_type='VARCHAR') -%}
    {%- if raw_type == 'DATE' -%}
    {{ text }}
    {%- elif raw_type == 'VARCHAR' -%}
    coalesce(
        try_cast({{ text }} as date),
        try_strptime({{ text }}, ['%d-%m-%Y', '%d.%m.%Y', '%d/%m/%Y', '%Y%m%d'])::date
    )
    {%- else -%}
    {{ registry_unexpected_type(text, raw_type) }}
    {%- endif -%}
{%- endmacro %}

{% macro registry_timestamp(text, raw_type='VARCHAR') -%}
    {%- if raw_type == 'TIMESTAMP' -%}
    {{ text }}
    {%- elif raw_type == 'VARCHAR' -%}
    coalesce(
        try_cast({{ text }} as timestamp),
        try_strptime({{ text }}, ['%Y-%m-%dT%H:%M', '%d-%m-%Y %H:%M:%S', '%d-%m-%Y %H:%M',
                                  '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d-%m-%Y', '%d.%m.%Y'])
    )
    {%- else -%}
    {{ registry_unexpected_type(text, raw_type) }}
    {%- endif -%}
{%- endmacro %}

{#- A number with a decimal point or a Danish decimal comma ("2,5"); with both marks present the
    point is a Danish thousands separator ("1.234,50" -> 1234.5). Spaces are dropped. -#}
{% macro registry_number(text, raw_type='VARCHAR') -%}
    {%- if raw_type == 'DOUBLE' -%}
    {{ text }}
    {%- elif raw_type == 'VARCHAR' -%}
    try_cast(
        case
            when {{ text }} like '%,%' and {{ text }} like '%.%'
                then replace(replace(replace({{ text }}, ' ', ''), '.', ''), ',', '.')
            else replace(replace({{ text }}, ' ', ''), ',', '.')
        end as double)
    {%- else -%}
    {{ registry_unexpected_type(text, raw_type) }}
    {%- endif -%}
{%- endmacro %}

{#- An integer written without decimals. As text that is at most 9 digits, so a typed integer
    outside +-999999999 is unparseable too, as its text would be. -#}
{% macro registry_integer(text, raw_type='VARCHAR') -%}
    {%- if raw_type in ('TINYINT', 'SMALLINT') -%}
    {{ text }}::integer
    {%- elif raw_type in ('INTEGER', 'BIGINT') -%}
    case when {{ text }} between -999999999 and 999999999 then {{ text }}::integer end
    {%- elif raw_type == 'VARCHAR' -%}
    case when regexp_full_match({{ text }}, '[+-]?[0-9]{1,9}') then {{ text }}::integer end
    {%- else -%}
    {{ registry_unexpected_type(text, raw_type) }}
    {%- endif -%}
{%- endmacro %}

{#- Municipality code: 1-3 digits, zero-padded to 3 ("57" -> "057"). Anything else -> NULL. -#}
{% macro registry_municipality(text) -%}
    case when regexp_full_match({{ text }}, '[0-9]{1,3}') then lpad({{ text }}, 3, '0') end
{%- endmacro %}

{#- Checks for a date column: [column, failing condition, reason], in order of precedence. -#}
{% macro registry_date_checks(column, required=true, kind='date') -%}
    {%- set checks = [] -%}
    {%- if required -%}
        {%- do checks.append([column, '_t_' ~ column ~ ' is null', 'missing_value']) -%}
    {%- endif -%}
    {%- do checks.append([column, '_t_' ~ column ~ ' is not null and ' ~ column ~ ' is null', 'unparseable_' ~ kind]) -%}
    {%- do checks.append([column, column ~ " < date '1900-01-01' or " ~ column ~ " > date '2100-12-31'", 'implausible_date']) -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro registry_number_checks(column, low=none, high=none, required=true) -%}
    {%- set checks = [] -%}
    {%- if required -%}
        {%- do checks.append([column, '_t_' ~ column ~ ' is null', 'missing_value']) -%}
    {%- endif -%}
    {%- do checks.append([column, '_t_' ~ column ~ ' is not null and ' ~ column ~ ' is null', 'unparseable_number']) -%}
    {%- if low is not none -%}
        {%- do checks.append([column, column ~ ' < ' ~ low, 'out_of_range']) -%}
    {%- endif -%}
    {%- if high is not none -%}
        {%- do checks.append([column, column ~ ' > ' ~ high, 'out_of_range']) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}

{#- A code column: required (unless told), and its typed value must be in `values`. -#}
{% macro registry_code_checks(column, values, required=true) -%}
    {%- set checks = [] -%}
    {%- if required -%}
        {%- do checks.append([column, '_t_' ~ column ~ ' is null', 'missing_value']) -%}
    {%- endif -%}
    {%- do checks.append([column, column ~ " not in ('" ~ values | join("', '") ~ "')", 'not_in_accepted_values']) -%}
    {{ return(checks) }}
{%- endmacro %}

{#- The first failing check names the column and the reason; NULL/NULL when the row is valid. -#}
{% macro registry_first_failure(checks) -%}
    case
        {%- for c in checks %}
        when coalesce({{ c[1] }}, false) then '{{ c[0] }}'
        {%- endfor %}
    end as quarantine_column,
    case
        {%- for c in checks %}
        when coalesce({{ c[1] }}, false) then '{{ c[2] }}'
        {%- endfor %}
    end as quarantine_reason
{%- endmacro %}

{#- Row status across rows: exact duplicates and conflicting keys within a wave, and wave
    precedence (a baseline row whose natural key the follow-up wave re-delivers is superseded).
    Only rows that passed their checks take part. `checked` is the CTE name with
    quarantine_column/quarantine_reason; the macro renders the final select.

    Why two paths (issue 6, docs/benchmarks.md "Slow path 1"): a window function partitions and
    sorts every row it sees, once per PARTITION BY (four here), and over every row that was most
    of the staging time at national scale. But most natural keys occur once in the whole table
    (both waves, valid or not), and such a row needs no window: there is no other row to
    supersede it, conflict with it or duplicate it. So one GROUP BY finds the keys that occur
    more than once; the windows run on those rows only, and every other row gets what the
    windows give a partition of one row: its own follow-up flag, its own hash as min and max,
    copy number 1.
    The GROUP BY is on a hash of the key. Equal keys have equal hashes, and hash() treats a NULL
    key column like PARTITION BY does (all NULLs alike), so every row of a repeated key is found.
    A hash collision only sends a few extra rows through the windows, which give them the exact
    status anyway. `hashed` is materialised so the typing and checks run once for both paths;
    each path picks its rows from it with a semi/anti join on the repeated hashes (a flag column
    on a second materialised copy of every row cost 12 % more CPU, issue 6).
    The all-rows version is kept as the reference in
    benchmarks/proposals/registry_row_status_all_rows.sql; benchmarks/regress_row_status.py
    checks both give the same rows and times them. -#}
{% macro registry_row_status(checked, key_columns, value_columns, extra_columns=[]) -%}
    {%- set key = key_columns | join(', ') -%}
    {%- set valid = 'quarantine_reason is null' -%}
    {%- set is_valid_followup = 'case when ' ~ valid ~ " and wave = 'followup' then 1 else 0 end" -%}
, hashed as materialized (
    -- only what the row status and the final select use: the _t_ texts stay behind (a narrower
    -- copy; at 1M persons it spills less: employment_status 72 s instead of 76 s)
    select
        {%- for c in value_columns + extra_columns %}
        {{ c }},
        {%- endfor %}
        wave,
        source_file,
        source_row,
        quarantine_column,
        quarantine_reason,
        hash({{ value_columns | join(', ') }}) as _row_hash,
        hash({{ key }}) as _key_hash
    from {{ checked }}
),
repeated_key_hashes as (
    select _key_hash
    from hashed
    group by _key_hash
    having count(*) > 1
),
windowed as (
    -- rows whose key occurs more than once: the windows
    select
        *,
        sum({{ is_valid_followup }}) over (partition by {{ key }}) as _followup_rows_with_key,
        sum({{ is_valid_followup }}) over (partition by {{ key }}, _row_hash) as _followup_rows_identical,
        min(case when {{ valid }} then _row_hash end) over (partition by wave, {{ key }}) as _min_hash_in_wave,
        max(case when {{ valid }} then _row_hash end) over (partition by wave, {{ key }}) as _max_hash_in_wave,
        row_number() over (
            partition by ({{ valid }}), wave, {{ key }}, _row_hash order by source_file, source_row
        ) as _copy_number
    from hashed
    where _key_hash in (select _key_hash from repeated_key_hashes)
    union all by name
    -- rows whose key occurs once: what the windows give a partition of one row
    select
        *,
        {{ is_valid_followup }} as _followup_rows_with_key,
        {{ is_valid_followup }} as _followup_rows_identical,
        case when {{ valid }} then _row_hash end as _min_hash_in_wave,
        case when {{ valid }} then _row_hash end as _max_hash_in_wave,
        1 as _copy_number
    from hashed
    -- exact complement of the branch above: _key_hash is never NULL (hash() of NULLs is a value)
    where _key_hash not in (select _key_hash from repeated_key_hashes)
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
