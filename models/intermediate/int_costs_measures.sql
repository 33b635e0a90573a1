-- cost_per_person_month: one row per experiment x person x period x stratum, stratum = 'total'
-- or a cost_category seen in the cost extract. value = allocated DKK in the window / person-months
-- at risk, person-months = person_days (censored at death and emigration) x 12 / 365.25.
-- A person at risk with no cost in a stratum gets value 0; person-periods with no days at risk
-- get no row.
with linked as (
    select experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where measure_code = 'cost_per_person_month'
),

periods as (
    select * from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from linked)
),

categories as (
    select distinct cost_category from {{ ref('stg_registry__costs') }}
    where cost_category is not null
),

strata as (
    select 'total' as stratum
    union all
    select cost_category from categories
),

by_category as (
    -- exact (DECIMAL) sums per person-period and category, as exact_sum does before its cast
    select
        experiment_id,
        person_id,
        period,
        cost_category,
        sum(cast(allocated_dkk as decimal(38, 10))) as cost_dkk
    from {{ ref('int_costs_months_allocated') }}
    group by all
),

allocated as (
    -- The total is the sum of the category sums: exact, so the same number as summing the
    -- months, and the allocated months are read and grouped once (joining them to the strata
    -- with "total or same category" was a nested-loop join over every month).
    select experiment_id, person_id, period, cost_category as stratum, cast(cost_dkk as double) as cost_dkk
    from by_category
    where cost_category is not null
    union all
    -- a month without a category counts in the total only
    select experiment_id, person_id, period, 'total', cast(sum(cost_dkk) as double)
    from by_category
    group by all
)

select
    p.experiment_id,
    p.person_id,
    p.municipality_code,
    p.arm,
    p.period,
    'cost_per_person_month' as measure_code,
    s.stratum,
    coalesce(a.cost_dkk, 0) / (p.person_days * 12 / 365.25) as value,
    coalesce(a.cost_dkk, 0) as numerator,
    p.person_days * 12 / 365.25 as denominator,
    p.person_days / 365.25 as person_years,
    cast(null as boolean) as censored
from periods as p
cross join strata as s
left join allocated as a
    on a.experiment_id = p.experiment_id
    and a.person_id = p.person_id
    and a.period = p.period
    and a.stratum = s.stratum
