-- One row per extract table x wave (the file, or status 'absent' when the wave has none):
-- rows read at ingest and where they went. rows_read = rows_staged + rows_quarantined
-- (tests/dbt/assert_row_accounting_balances.sql); rows_superseded is part of rows_quarantined.
{%- set tables = ['persons', 'enrolment', 'admissions', 'employment_status', 'case_events',
                  'fit_sessions', 'costs', 'experience'] %}

with staged as (
    {%- for t in tables %}
    select '{{ t }}' as table_name, wave, source_file, count(*) as rows_staged
    from {{ ref('stg_registry__' ~ t) }}
    group by wave, source_file
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

quarantined as (
    select
        table_name, wave, source_file,
        count(*) as rows_quarantined,
        count(*) filter (where reason in ('superseded_by_followup', 'conflict_superseded_by_followup'))
            as rows_superseded,
        count(*) filter (where reason like 'unparseable_line:%') as rows_rejected_at_ingest
    from {{ ref('fct_quarantine') }}
    group by table_name, wave, source_file
)

select
    f.table_name,
    f.wave,
    f.source_file,
    f.file_format,
    coalesce(f.rows_read, 0) as rows_read,
    coalesce(s.rows_staged, 0) as rows_staged,
    coalesce(q.rows_quarantined, 0) as rows_quarantined,
    coalesce(q.rows_superseded, 0) as rows_superseded,
    coalesce(q.rows_rejected_at_ingest, 0) as rows_rejected_at_ingest,
    f.status,
    {{ run_stamp() }}
from {{ source('registry', 'ingest_files') }} as f
left join staged as s
    on s.table_name = f.table_name and s.wave = f.wave and s.source_file = f.source_file
left join quarantined as q
    on q.table_name = f.table_name and q.wave = f.wave and q.source_file = f.source_file
order by f.table_name, f.wave
