-- Chart series, computed once in SQL. One row per experiment x arm x series_code x time_unit x t.
--   adm_admissions_rate_month  admissions (stays >= 12 h) starting in the calendar month per
--                              1,000 person-years at risk in that month (both periods);
--                              time_unit 'month', t = yyyymm (e.g. 202103)
--   emp_selfsupport_share_week share of persons self-supporting in the ISO week, by weeks since
--                              the index week (negative = before index); time_unit
--                              'week_since_index'
-- Only experiments linked to adm_admissions / any emp_* measure in the catalogue.
{%- set series_models = ['int_fit_series', 'int_costs_series'] %}
{#- Other series (FIT, cost) are added by union below as simple refs with the same columns. #}
with adm_experiments as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where measure_code = 'adm_admissions'
),

adm_periods as (
    select *
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from adm_experiments)
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
    from adm_periods as p
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
        )) / 365.25 as person_years
    from person_months
    group by all
),

admissions as (
    select
        p.experiment_id,
        p.arm,
        cast(date_trunc('month', s.stay_start_ts) as date) as month_start,
        count(*) as n_admissions
    from adm_periods as p
    inner join {{ ref('int_admissions_merged_to_stays') }} as s
        on s.person_id = p.person_id
        and s.is_admission
        and s.stay_start_ts >= cast(p.window_start as timestamp)
        and s.stay_start_ts < cast(p.at_risk_end as timestamp)
    group by all
),

adm_series as (
    select
        e.experiment_id,
        e.arm,
        'adm_admissions_rate_month' as series_code,
        'month' as time_unit,
        year(e.month_start) * 100 + month(e.month_start) as t,
        e.n_persons,
        coalesce(a.n_admissions, 0) / nullif(e.person_years, 0) * 1000 as value
    from exposure as e
    left join admissions as a
        on a.experiment_id = e.experiment_id
        and a.arm = e.arm
        and a.month_start = e.month_start
),

-- Weekly self-supporting share without a row per person-week: per experiment x arm x week
-- since index, n_persons = periods with that week at risk (each period covers one contiguous
-- range of weeks; a person has at most one period at risk in a given week) and the
-- self-supporting persons = n_persons - persons with a not-self-supporting code that week.
emp_experiments as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'emp_')
),

emp_periods as (
    select
        experiment_id,
        arm,
        -- weeks at risk: the Mondays in [window_start, at_risk_end); t of the first one
        cast(date_trunc('week', window_start + 6) as date) as first_monday,
        cast(date_trunc('week', index_date) as date) as index_monday,
        at_risk_end
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from emp_experiments)
),

emp_ranges as (
    select
        experiment_id,
        arm,
        cast(floor(date_diff('day', index_monday, first_monday) / 7) as integer) as t_first,
        cast(floor(date_diff('day', index_monday, first_monday) / 7) as integer)
            + cast(date_diff('day', first_monday, at_risk_end - 1) // 7 as integer) as t_last
    from emp_periods
    where first_monday < at_risk_end
),

emp_changes as (
    -- +1 person from t_first, -1 after t_last
    select experiment_id, arm, t, cast(sum(change) as bigint) as change
    from (
        select experiment_id, arm, t_first as t, 1 as change from emp_ranges
        union all
        select experiment_id, arm, t_last + 1 as t, -1 as change from emp_ranges
    )
    group by all
),

emp_weeks as (
    select experiment_id, arm, unnest(generate_series(min(t), max(t))) as t
    from emp_changes
    group by experiment_id, arm
),

emp_at_risk as (
    select
        w.experiment_id,
        w.arm,
        w.t,
        cast(sum(coalesce(c.change, 0)) over (
            partition by w.experiment_id, w.arm order by w.t rows unbounded preceding
        ) as bigint) as n_persons
    from emp_weeks as w
    left join emp_changes as c
        on c.experiment_id = w.experiment_id
        and c.arm = w.arm
        and c.t = w.t
),

emp_not_selfsupport as (
    select experiment_id, arm, week_since_index as t, count(*) as n_not_selfsupport
    from {{ ref('int_employment_weeks_coded') }}
    where not is_selfsupport
    group by all
),

emp_series as (
    select
        r.experiment_id,
        r.arm,
        'emp_selfsupport_share_week' as series_code,
        'week_since_index' as time_unit,
        r.t,
        r.n_persons,
        (r.n_persons - coalesce(n.n_not_selfsupport, 0)) / r.n_persons as value
    from emp_at_risk as r
    left join emp_not_selfsupport as n
        on n.experiment_id = r.experiment_id
        and n.arm = r.arm
        and n.t = r.t
    where r.n_persons > 0
)

select {{ run_stamp() }}, experiment_id, arm, series_code, time_unit, cast(t as integer) as t,
    n_persons, cast(value as double) as value
from adm_series
union all
select {{ run_stamp() }}, experiment_id, arm, series_code, time_unit, cast(t as integer) as t,
    n_persons, cast(value as double) as value
from emp_series
{%- for m in series_models %}
union all
select {{ run_stamp() }}, experiment_id, arm, series_code, time_unit, cast(t as integer) as t,
    n_persons, cast(value as double) as value
from {{ ref(m) }}
{%- endfor %}
