-- One row per experiment x person x period x cost month x cost_category: the part of a monthly
-- amount that falls in the period window. A monthly amount is spread evenly over the days of its
-- calendar month and the window [window_start, window_end) gets the share of days it covers.
-- Costs are not cut at death or emigration (the registry books no cost for months after them);
-- the denominator, person-months at risk, is. Only experiments linked to cost_per_person_month.
with periods as (
    select * from {{ ref('int_person_periods') }}
    where experiment_id in (
        select experiment_id from {{ ref('int_experiment_measures_linked') }}
        where measure_code = 'cost_per_person_month'
    )
),

costs as (
    select
        person_id,
        month_start,
        cast(month_start + interval 1 month as date) as month_end,
        cost_category,
        amount_dkk
    from {{ ref('stg_registry__costs') }}
    where month_start is not null and amount_dkk is not null
),

month_overlaps as (
    select
        p.experiment_id,
        p.person_id,
        p.period,
        c.month_start,
        c.cost_category,
        c.amount_dkk,
        date_diff('day', greatest(c.month_start, p.window_start), least(c.month_end, p.window_end))
            as days_in_window,
        date_diff('day', c.month_start, c.month_end) as days_in_month
    from periods as p
    inner join costs as c
        on c.person_id = p.person_id
        and c.month_start < p.window_end
        and c.month_end > p.window_start
)

select
    *,
    amount_dkk * days_in_window / days_in_month as allocated_dkk
from month_overlaps
