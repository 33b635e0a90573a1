-- Employment measures (DREAM / Jobindsats conventions): one row per experiment x person x
-- period x measure_code for every catalogue-linked emp_* pair and every person with at least one
-- ISO week at risk in the period (weeks from int_employment_weeks_classified).
--   emp_selfsupport_end      1/0 self-supporting in the last week at risk; num = value, den = 1
--   emp_selfsupport_degree   self-supporting weeks / weeks; num = ss weeks, den = weeks
--   emp_benefit_weeks        public-support weeks (count; den = person_years -> rate)
--   emp_fulltime_persons     public-support weeks / weeks (Jobindsats); summed in the aggregate
--   emp_weeks_to_selfsupport weeks from the first week of the window to the first week of the
--                            first run of k = var selfsupport_run_weeks consecutive
--                            self-supporting weeks; censored (value = weeks observed) when no run
--                            completes inside the weeks at risk; num = event 1/0, den = 1
{%- set k = var('selfsupport_run_weeks') | int %}
with linked as (
    select experiment_id, measure_code
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'emp_')
),

weeks as (
    select
        *,
        sum(cast(is_selfsupport as integer)) over (
            partition by experiment_id, person_id, period
            order by week_index
            rows between current row and {{ k - 1 }} following
        ) as selfsupport_next_k
    from {{ ref('int_employment_weeks_classified') }}
),

per_person as (
    select
        experiment_id,
        person_id,
        period,
        count(*) as n_weeks,
        count(*) filter (where is_selfsupport) as n_selfsupport_weeks,
        count(*) filter (where is_public_support_week) as n_benefit_weeks,
        arg_max(cast(is_selfsupport as integer), week_index) as selfsupport_end,
        min(week_index) filter (where selfsupport_next_k = {{ k }}) as first_run_week
    from weeks
    group by experiment_id, person_id, period
),

joined as (
    select
        p.experiment_id,
        p.person_id,
        p.municipality_code,
        p.arm,
        p.period,
        p.person_days / 365.25 as person_years,
        w.*
            exclude (experiment_id, person_id, period)
    from per_person as w
    inner join {{ ref('int_person_periods') }} as p
        on p.experiment_id = w.experiment_id
        and p.person_id = w.person_id
        and p.period = w.period
),

long as (
    select *, 'emp_selfsupport_end' as measure_code,
        cast(selfsupport_end as double) as value,
        cast(selfsupport_end as double) as numerator,
        1.0 as denominator,
        cast(null as boolean) as censored
    from joined
    union all
    select *, 'emp_selfsupport_degree',
        n_selfsupport_weeks / n_weeks, cast(n_selfsupport_weeks as double), cast(n_weeks as double),
        null
    from joined
    union all
    select *, 'emp_benefit_weeks',
        cast(n_benefit_weeks as double), cast(n_benefit_weeks as double), person_years, null
    from joined
    union all
    select *, 'emp_fulltime_persons',
        n_benefit_weeks / n_weeks, cast(n_benefit_weeks as double), cast(n_weeks as double), null
    from joined
    union all
    select *, 'emp_weeks_to_selfsupport',
        cast(coalesce(first_run_week, n_weeks) as double),
        case when first_run_week is null then 0.0 else 1.0 end,
        1.0,
        first_run_week is null
    from joined
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
