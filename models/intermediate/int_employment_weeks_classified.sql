-- One row per experiment x person x period x ISO week at risk with the DREAM status of the week.
-- A view, for inspection and tests only: no measure or series reads it (they would rebuild the
-- per-person-week spine, ~100M rows at 1M persons). The coded weeks and their classification come
-- from int_employment_weeks_coded; every other week at risk (no row, or a NULL code) is
-- 'no_benefit' and self-supporting.
-- Weeks of a period: the ISO weeks whose Monday falls in [window_start, at_risk_end).
{{ config(materialized='view') }}
with linked_experiments as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'emp_')
),

periods as (
    select *
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from linked_experiments)
),

spine as (
    select
        p.experiment_id,
        p.person_id,
        p.period,
        p.index_date,
        cast(date_trunc('week', p.window_start + 6) as date) as first_monday,
        cast(unnest(generate_series(
            cast(date_trunc('week', p.window_start + 6) as timestamp),
            cast(p.at_risk_end - 1 as timestamp),
            interval 7 day
        )) as date) as week_start
    from periods as p
)

select
    s.experiment_id,
    s.person_id,
    s.period,
    s.week_start,
    isoyear(s.week_start) as iso_year,
    week(s.week_start) as iso_week,
    cast(date_diff('day', s.first_monday, s.week_start) / 7 as integer) as week_index,
    cast(floor(date_diff('day', cast(date_trunc('week', s.index_date) as date), s.week_start) / 7)
        as integer) as week_since_index,
    c.benefit_code,
    c.benefit_category,
    coalesce(c.week_status, 'no_benefit') as week_status,
    coalesce(c.is_selfsupport, true) as is_selfsupport,
    coalesce(c.is_public_support_week, false) as is_public_support_week,
    coalesce(c.is_unknown_code, false) as is_unknown_code
from spine as s
left join {{ ref('int_employment_weeks_coded') }} as c
    on c.experiment_id = s.experiment_id
    and c.person_id = s.person_id
    and c.period = s.period
    and c.week_start = s.week_start
