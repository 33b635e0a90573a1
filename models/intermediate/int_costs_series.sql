-- Cost chart series: one row per experiment x arm x calendar month.
--   series_code 'cost_per_person_month_total', time_unit 'month', t = yyyymm (as the admissions
--   series in fct_series); value = DKK allocated to the month (int_costs_months_allocated, all
--   categories, both periods) / person-months at risk in that month (days in
--   [window_start, at_risk_end) x 12 / 365.25); n_persons = persons at risk in the month.
-- Only experiments linked to cost_per_person_month in the catalogue.
with linked as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where measure_code = 'cost_per_person_month'
),

periods as (
    select *
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from linked)
),

person_months as (
    select
        p.experiment_id,
        p.person_id,
        p.arm,
        p.window_start,
        p.at_risk_end,
        cast(unnest(generate_series(
            cast(date_trunc('month', p.window_start) as timestamp),
            cast(p.at_risk_end - 1 as timestamp),
            interval 1 month
        )) as date) as month_start
    from periods as p
),

exposure as (
    select
        experiment_id,
        arm,
        month_start,
        count(distinct person_id) as n_persons,
        sum(date_diff(
            'day',
            greatest(month_start, window_start),
            least(cast(month_start + interval 1 month as date), at_risk_end)
        )) * 12 / 365.25 as person_months
    from person_months
    group by all
),

costs as (
    select
        p.experiment_id,
        p.arm,
        a.month_start,
        {{ exact_sum('a.allocated_dkk') }} as cost_dkk
    from {{ ref('int_costs_months_allocated') }} as a
    inner join periods as p
        on p.experiment_id = a.experiment_id
        and p.person_id = a.person_id
        and p.period = a.period
    group by all
)

select
    e.experiment_id,
    e.arm,
    'cost_per_person_month_total' as series_code,
    'month' as time_unit,
    year(e.month_start) * 100 + month(e.month_start) as t,
    e.n_persons,
    coalesce(c.cost_dkk, 0) / nullif(e.person_months, 0) as value
from exposure as e
left join costs as c
    on c.experiment_id = e.experiment_id
    and c.arm = e.arm
    and c.month_start = e.month_start
