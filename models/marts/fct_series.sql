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

emp_series as (
    select
        w.experiment_id,
        p.arm,
        'emp_selfsupport_share_week' as series_code,
        'week_since_index' as time_unit,
        w.week_since_index as t,
        count(distinct w.person_id) as n_persons,
        avg(cast(w.is_selfsupport as double)) as value
    from {{ ref('int_employment_weeks_classified') }} as w
    inner join {{ ref('int_person_periods') }} as p
        on p.experiment_id = w.experiment_id
        and p.person_id = w.person_id
        and p.period = w.period
    group by all
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
