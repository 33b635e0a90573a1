-- One row per input row that did not reach staging: the file and row it came from, the column
-- that failed and why. Rows superseded by the follow-up wave are here too (reason
-- superseded_by_followup / conflict_superseded_by_followup). Never a person identifier or a value.
{%- set tables = ['persons', 'enrolment', 'admissions', 'employment_status', 'case_events',
                  'fit_sessions', 'costs', 'experience'] %}

with quarantined as (
    {%- for t in tables %}
    select
        '{{ t }}' as table_name, wave, source_file, source_row,
        quarantine_column as column_name, quarantine_reason as reason
    from {{ ref('base_registry__' ~ t) }}
    where quarantine_reason is not null
    union all
    {%- endfor %}
    select
        table_name, wave, source_file, source_row,
        '*' as column_name, 'unparseable_line: ' || reason as reason
    from {{ source('registry', 'ingest_rejects') }}
)

select
    table_name,
    wave,
    source_file,
    source_row,
    column_name,
    reason,
    {{ run_stamp() }}
from quarantined
order by table_name, wave, source_file, source_row
