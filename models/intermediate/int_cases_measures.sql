-- Children's-case measures: one row per experiment x person x period x measure_code.
-- Cohort logic: a case belongs to the period whose window contains its notification date (while
-- the child is at risk: [window_start, at_risk_end)); a person's index case in a period is their
-- first notification there (ties: lowest case_id). Time-to-event rows carry days and `censored`;
-- binary rows carry 0/1 with numerator = value and denominator = 1, and exist only when the
-- outcome can be decided. Only catalogue-linked case_* pairs.
with linked as (
    select experiment_id, measure_code
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'case_')
),

periods as (
    select * from {{ ref('int_person_periods') }}
    where experiment_id in (select experiment_id from linked)
),

index_cases as (
    select
        p.experiment_id,
        p.person_id,
        p.municipality_code,
        p.arm,
        p.period,
        p.person_days,
        o.*
            exclude (person_id)
    from periods as p
    inner join {{ ref('int_cases_outcomes_derived') }} as o
        on o.person_id = p.person_id
        and o.notification_date >= p.window_start
        and o.notification_date < p.at_risk_end
    qualify row_number() over (
        partition by p.experiment_id, p.person_id, p.period
        order by o.notification_date, o.case_id
    ) = 1
),

long as (
    select *, 'case_days_to_triage' as measure_code,
        cast(days_to_triage as double) as value, triage_censored as censored, true as is_duration
    from index_cases
    union all
    select *, 'case_days_to_assessment_end', cast(days_to_assessment_end as double),
        assessment_end_censored, true
    from index_cases
    union all
    select *, 'case_days_to_intervention', cast(days_to_intervention as double),
        intervention_censored, true
    from index_cases
    union all
    select *, 'case_triage_within_24h', cast(triage_within_limit as double), null, false
    from index_cases
    union all
    select *, 'case_assessment_within_4m', cast(assessment_within_limit as double), null, false
    from index_cases
    union all
    select *, 'case_reopened_6m', cast(reopened as double), null, false
    from index_cases
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
    case when l.is_duration then null else l.value end as numerator,
    case when l.is_duration then null else cast(1 as double) end as denominator,
    l.person_days / 365.25 as person_years,
    cast(l.censored as boolean) as censored
from long as l
inner join linked as k
    on k.experiment_id = l.experiment_id
    and k.measure_code = l.measure_code
where l.value is not null
