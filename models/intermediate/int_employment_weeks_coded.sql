-- One row per experiment x person x period x ISO week at risk that carries a DREAM benefit code
-- (one code per week). Weeks without a code (no row, or a NULL code) are not stored: they are
-- self-supporting ('no_benefit'), and the measures and the weekly series count them from the
-- period's dates (int_employment_measures, fct_series); int_employment_weeks_classified (a view)
-- adds them back for inspection.
-- Weeks of a period: the ISO weeks whose Monday falls in [window_start, at_risk_end) (person-time
-- censored at death and emigration); week_index 0 = the first Monday on or after window_start.
-- ISO year/week <-> date with DuckDB: isoyear()/week() of the Monday, and Monday of (Y, W) =
-- date_trunc('week', Y-01-04) + 7 * (W - 1) days; a (Y, W) that does not round-trip (e.g. week 53
-- of a 52-week year) never matches a week.
-- Status: a code of seed dream_benefit_codes -> its category (education grant self-supporting
-- only when var education_grant_is_selfsupport); a code not in the seed -> 'unknown', never
-- self-supporting and never a public-support week (counted in
-- int_employment_unknown_codes_counted).
with linked_experiments as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'emp_')
),

periods as (
    select
        experiment_id,
        person_id,
        period,
        arm,
        window_start,
        at_risk_end,
        cast(date_trunc('week', window_start + 6) as date) as first_monday,
        cast(date_trunc('week', index_date) as date) as index_monday
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from linked_experiments)
),

status as (
    -- DREAM stores one code per week, and staging keeps one row per person and week: repeats
    -- within a wave are quarantined and a follow-up wave supersedes the baseline
    -- (stg_registry__employment_status is tested unique on person_id x iso_year x iso_week, and
    -- dbt build runs that test before this model). So no GROUP BY here: it was the largest step
    -- of this model (a hash aggregate over every coded week on a string key). Rows without a code
    -- (NULL or blank) are dropped: a week without a code is self-supporting whether or not it
    -- has a row.
    select person_id, iso_year, iso_week, nullif(trim(benefit_code), '') as benefit_code
    from {{ ref('stg_registry__employment_status') }}
    where person_id is not null
        and iso_year is not null
        and iso_week between 1 and 53
        and nullif(trim(benefit_code), '') is not null
),

status_valid as (
    select *
    from (
        select
            *,
            cast(date_trunc('week', make_date(iso_year, 1, 4)) as date) + 7 * (iso_week - 1)
                as week_start
        from status
    )
    -- the (year, week) pair must exist: week 53 only in years that have one
    where isoyear(week_start) = iso_year and week(week_start) = iso_week
),

codes as (
    select benefit_code, category, is_public_support, is_education_grant
    from {{ ref('dream_benefit_codes') }}
),

classified as (
    select
        p.experiment_id,
        p.person_id,
        p.period,
        p.arm,
        st.week_start,
        st.iso_year,
        st.iso_week,
        cast(date_diff('day', p.first_monday, st.week_start) / 7 as integer) as week_index,
        cast(floor(date_diff('day', p.index_monday, st.week_start) / 7) as integer)
            as week_since_index,
        st.benefit_code,
        c.category as benefit_category,
        case
            when c.benefit_code is null then 'unknown'
            when c.is_education_grant then 'education_grant'
            when c.is_public_support then 'public_support'
            else 'other_benefit'
        end as week_status
    from status_valid as st
    inner join periods as p
        on p.person_id = st.person_id
        -- week_start is a Monday: >= window_start <=> >= first_monday
        and st.week_start >= p.window_start
        and st.week_start < p.at_risk_end
    left join codes as c on c.benefit_code = st.benefit_code
)

select
    *,
    week_status = 'education_grant' and {{ var('education_grant_is_selfsupport') }}
        as is_selfsupport,
    week_status = 'public_support' as is_public_support_week,
    week_status = 'unknown' as is_unknown_code
from classified
