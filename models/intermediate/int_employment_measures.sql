-- Employment measures (DREAM / Jobindsats conventions): one row per experiment x person x
-- period x measure_code for every catalogue-linked emp_* pair and every person with at least one
-- ISO week at risk in the period.
-- Weeks at risk of a period: the Mondays in [window_start, at_risk_end), numbered week_index
-- 0 .. n_weeks - 1 from the first Monday on or after window_start. No row per person-week is
-- built: only the weeks that are not self-supporting are read (int_employment_weeks_coded where
-- not is_selfsupport); every other week at risk is self-supporting (no code, or an education
-- grant when the setting says so). Per period:
--   n_weeks              = number of Mondays in [window_start, at_risk_end)
--   self-supporting      = n_weeks - not-self-supporting weeks
--   self-supporting runs = the gaps in bounds = [-1, the not-self-supporting weeks in order,
--                          n_weeks]: the run after bounds[i] starts at bounds[i] + 1 and is
--                          bounds[i + 1] - bounds[i] - 1 weeks long (the -1 and n_weeks
--                          sentinels give the run from the first week and the run up to the
--                          last week at risk)
--   emp_selfsupport_end      1/0 self-supporting in the last week at risk (week n_weeks - 1 is
--                            not a not-self-supporting week); num = value, den = 1
--   emp_selfsupport_degree   self-supporting weeks / weeks; num = ss weeks, den = weeks
--   emp_benefit_weeks        public-support weeks (count; den = person_years -> rate)
--   emp_fulltime_persons     public-support weeks / weeks (Jobindsats); summed in the aggregate
--   emp_weeks_to_selfsupport weeks from the first week of the window to the first week of the
--                            first run of k = var selfsupport_run_weeks consecutive
--                            self-supporting weeks (the first gap of at least k weeks); censored
--                            (value = weeks observed) when no run completes inside the weeks at
--                            risk; num = event 1/0, den = 1
{%- set k = var('selfsupport_run_weeks') | int %}
with linked as (
    select experiment_id, measure_code
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'emp_')
),

periods as (
    select
        experiment_id,
        person_id,
        municipality_code,
        arm,
        period,
        person_days,
        cast(date_trunc('week', window_start + 6) as date) as first_monday,
        at_risk_end
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select distinct experiment_id from linked)
),

period_weeks as (
    select
        *,
        -- Mondays first_monday, first_monday + 7, ... <= at_risk_end - 1
        cast(date_diff('day', first_monday, at_risk_end - 1) // 7 + 1 as bigint) as n_weeks
    from periods
    -- at least one week at risk
    where first_monday < at_risk_end
),

per_person_coded as (
    select
        experiment_id,
        person_id,
        period,
        count(*) as n_not_selfsupport_weeks,
        count(*) filter (where is_public_support_week) as n_benefit_weeks,
        max(week_index) as last_not_selfsupport_week,
        list(week_index) as not_selfsupport_weeks
    from {{ ref('int_employment_weeks_coded') }}
    where not is_selfsupport
    group by experiment_id, person_id, period
),

period_bounds as (
    -- the not-self-supporting weeks in order, between the sentinels -1 and n_weeks: the run after
    -- bounds[i] starts at bounds[i] + 1 and is bounds[i + 1] - bounds[i] - 1 weeks long
    select
        p.*,
        c.n_not_selfsupport_weeks,
        c.n_benefit_weeks,
        c.last_not_selfsupport_week,
        list_concat([-1], list_sort(coalesce(c.not_selfsupport_weeks, [])), [p.n_weeks]) as bounds
    from period_weeks as p
    left join per_person_coded as c
        on c.experiment_id = p.experiment_id
        and c.person_id = p.person_id
        and c.period = p.period
),

per_person as (
    select
        experiment_id,
        person_id,
        municipality_code,
        arm,
        period,
        person_days / 365.25 as person_years,
        n_weeks,
        n_weeks - coalesce(n_not_selfsupport_weeks, 0) as n_selfsupport_weeks,
        coalesce(n_benefit_weeks, 0) as n_benefit_weeks,
        case when last_not_selfsupport_week = n_weeks - 1 then 0 else 1 end as selfsupport_end,
        -- the start of the first run of at least k self-supporting weeks (NULL when none)
        list_transform(
            list_filter(range(1, len(bounds)), lambda i: bounds[i + 1] - bounds[i] - 1 >= {{ k }}),
            lambda i: bounds[i] + 1
        )[1] as first_run_week
    from period_bounds
),

long as (
    select *, 'emp_selfsupport_end' as measure_code,
        cast(selfsupport_end as double) as value,
        cast(selfsupport_end as double) as numerator,
        1.0 as denominator,
        cast(null as boolean) as censored
    from per_person
    union all
    select *, 'emp_selfsupport_degree',
        n_selfsupport_weeks / n_weeks, cast(n_selfsupport_weeks as double), cast(n_weeks as double),
        null
    from per_person
    union all
    select *, 'emp_benefit_weeks',
        cast(n_benefit_weeks as double), cast(n_benefit_weeks as double), person_years, null
    from per_person
    union all
    select *, 'emp_fulltime_persons',
        n_benefit_weeks / n_weeks, cast(n_benefit_weeks as double), cast(n_weeks as double), null
    from per_person
    union all
    select *, 'emp_weeks_to_selfsupport',
        cast(coalesce(first_run_week, n_weeks) as double),
        case when first_run_week is null then 0.0 else 1.0 end,
        1.0,
        first_run_week is null
    from per_person
)

select
    l.experiment_id,
    l.person_id,
    l.municipality_code,
    l.arm,
    l.period,
    l.measure_code,
    '' as stratum,
    l.value,
    l.numerator,
    l.denominator,
    l.person_years,
    l.censored
from long as l
inner join linked as k
    on k.experiment_id = l.experiment_id
    and k.measure_code = l.measure_code
