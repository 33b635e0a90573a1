-- One row per case: the three time-to-event durations (days, censored when the milestone was not
-- reached by observed_until) and the three binary outcomes against the limits in seed
-- legal_benchmarks. A binary outcome is NULL while it cannot be decided yet (limit not passed,
-- milestone not reached); such cases get no row for that measure downstream.
with cases as (
    select * from {{ ref('int_cases_timelines_pivoted') }}
    where notification_date <= observed_until
),

benchmarks as (
    select * from {{ ref('legal_benchmarks') }}
),

-- Each case x benchmark: the date the clock starts and the last date that still meets the limit.
-- Dates carry no time of day, so a limit in hours is rounded down to whole days: 24 hours means
-- the milestone is dated no later than the day after the notification.
anchors as (
    select
        c.case_id,
        c.person_id,
        b.measure_code,
        b.limit_value,
        b.limit_unit,
        case b.from_milestone
            when 'notification' then c.notification_date
            when 'closed' then c.closed_date
        end as from_date
    from cases as c
    cross join benchmarks as b
),

deadlines as (
    select
        case_id,
        person_id,
        measure_code,
        case limit_unit
            when 'hour' then from_date + cast(floor(limit_value / 24) as integer)
            when 'day' then from_date + cast(limit_value as integer)
            when 'month' then cast(from_date + to_months(cast(limit_value as integer)) as date)
        end as deadline_date
    from anchors
),

limits as (
    select
        case_id,
        person_id,
        max(deadline_date) filter (where measure_code = 'case_triage_within_24h') as triage_deadline,
        max(deadline_date) filter (where measure_code = 'case_assessment_within_4m') as assessment_deadline,
        max(deadline_date) filter (where measure_code = 'case_reopened_6m') as reopen_deadline
    from deadlines
    group by case_id, person_id
),

-- A case counts as reopened when the same child has a new notification (in any case) after the
-- closed date and no later than the reopen deadline.
renotified as (
    select l.case_id, l.person_id
    from limits as l
    inner join cases as c
        on c.case_id = l.case_id and c.person_id = l.person_id
    inner join {{ ref('int_cases_events_classified') }} as e
        on e.person_id = l.person_id
        and e.milestone = 'notification'
        and e.event_date > c.closed_date
        and e.event_date <= l.reopen_deadline
        and e.event_date <= c.observed_until
    group by l.case_id, l.person_id
),

observed as (
    select
        c.*,
        l.triage_deadline,
        l.assessment_deadline,
        l.reopen_deadline,
        c.triage_date <= c.observed_until as triage_seen,
        c.assessment_end_date <= c.observed_until as assessment_seen,
        c.intervention_date <= c.observed_until as intervention_seen,
        c.closed_date <= c.observed_until as closed_seen,
        r.case_id is not null as is_renotified
    from cases as c
    inner join limits as l
        on l.case_id = c.case_id and l.person_id = c.person_id
    left join renotified as r
        on r.case_id = c.case_id and r.person_id = c.person_id
)

select
    case_id,
    person_id,
    notification_date,
    triage_date,
    assessment_end_date,
    intervention_date,
    closed_date,
    observed_until,
    date_diff('day', notification_date, case when triage_seen then triage_date else observed_until end)
        as days_to_triage,
    not coalesce(triage_seen, false) as triage_censored,
    date_diff('day', notification_date,
        case when assessment_seen then assessment_end_date else observed_until end)
        as days_to_assessment_end,
    not coalesce(assessment_seen, false) as assessment_end_censored,
    date_diff('day', notification_date,
        case when intervention_seen then intervention_date else observed_until end)
        as days_to_intervention,
    not coalesce(intervention_seen, false) as intervention_censored,
    triage_deadline,
    case
        when triage_seen then cast(triage_date <= triage_deadline as integer)
        when observed_until >= triage_deadline then 0
    end as triage_within_limit,
    assessment_deadline,
    case
        when assessment_seen then cast(assessment_end_date <= assessment_deadline as integer)
        when observed_until >= assessment_deadline then 0
    end as assessment_within_limit,
    reopen_deadline,
    case
        when not coalesce(closed_seen, false) then null
        when is_renotified then 1
        when observed_until >= reopen_deadline then 0
    end as reopened
from observed
