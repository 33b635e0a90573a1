-- One row per experiment x person x period x ISO week at risk (DREAM: one code per week).
-- Weeks of a period: the ISO weeks whose Monday falls in [window_start, at_risk_end) (person-time
-- censored at death and emigration). ISO year/week <-> date with DuckDB: isoyear()/week() of the
-- Monday, and Monday of (Y, W) = date_trunc('week', Y-01-04) + 7 * (W - 1) days; a (Y, W) that
-- does not round-trip (e.g. week 53 of a 52-week year) never matches a week.
-- Status: no code -> self-supporting; a code of seed dream_benefit_codes -> its category
-- (education grant self-supporting only when var education_grant_is_selfsupport); a code not in
-- the seed -> 'unknown', never self-supporting and never a public-support week (counted in
-- int_employment_unknown_codes_counted).
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
),

status as (
    select
        person_id,
        iso_year,
        iso_week,
        cast(date_trunc('week', make_date(iso_year, 1, 4)) as date) + 7 * (iso_week - 1)
            as week_start,
        nullif(trim(benefit_code), '') as benefit_code
    from {{ ref('stg_registry__employment_status') }}
    where person_id is not null
        and iso_year is not null
        and iso_week between 1 and 53
),

status_valid as (
    select person_id, week_start, benefit_code
    from status
    -- the (year, week) pair must exist: week 53 only in years that have one
    where isoyear(week_start) = iso_year and week(week_start) = iso_week
    -- DREAM stores one code per week; should a delivery repeat a week, keep one row
    -- deterministically (a code before no code, then the lowest code)
    qualify row_number() over (
        partition by person_id, week_start order by benefit_code nulls last
    ) = 1
),

codes as (
    select benefit_code, category, is_public_support, is_education_grant
    from {{ ref('dream_benefit_codes') }}
),

classified as (
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
        st.benefit_code,
        c.category as benefit_category,
        case
            when st.benefit_code is null then 'no_benefit'
            when c.benefit_code is null then 'unknown'
            when c.is_education_grant then 'education_grant'
            when c.is_public_support then 'public_support'
            else 'other_benefit'
        end as week_status
    from spine as s
    left join status_valid as st
        on st.person_id = s.person_id
        and st.week_start = s.week_start
    left join codes as c on c.benefit_code = st.benefit_code
)

select
    *,
    week_status = 'no_benefit'
        or (week_status = 'education_grant' and {{ var('education_grant_is_selfsupport') }})
        as is_selfsupport,
    week_status = 'public_support' as is_public_support_week,
    week_status = 'unknown' as is_unknown_code
from classified
