-- One row per case (case_id x person_id) that has a notification: the notification date and the
-- first date each later milestone was reached, plus the date observation of the case stops.
--   notification_date  = first notification event of the case
--   <milestone>_date   = first event of that milestone on or after the notification date
--   closed_date        = first case_closed event on or after the notification date ("closed")
--   end_of_data_date   = latest event_date in the whole case extract (the data cut-off)
--   observed_until     = least(end_of_data_date, death_date, emigration_date)
with events as (
    select * from {{ ref('int_cases_events_classified') }}
    where milestone is not null and event_date is not null
),

notified as (
    select case_id, person_id, min(event_date) as notification_date
    from events
    where milestone = 'notification'
    group by case_id, person_id
),

reached as (
    select
        n.case_id,
        n.person_id,
        min(e.event_date) filter (where e.milestone = 'triage') as triage_date,
        min(e.event_date) filter (where e.milestone = 'assessment_end') as assessment_end_date,
        min(e.event_date) filter (where e.milestone = 'intervention') as intervention_date,
        min(e.event_date) filter (where e.milestone = 'closed') as closed_date
    from notified as n
    inner join events as e
        on e.case_id = n.case_id
        and e.person_id = n.person_id
        and e.event_date >= n.notification_date
    group by n.case_id, n.person_id
),

data_end as (
    select max(event_date) as end_of_data_date from {{ ref('stg_registry__case_events') }}
)

select
    n.case_id,
    n.person_id,
    n.notification_date,
    r.triage_date,
    r.assessment_end_date,
    r.intervention_date,
    r.closed_date,
    d.end_of_data_date,
    least(d.end_of_data_date, p.death_date, p.emigration_date) as observed_until
from notified as n
inner join reached as r
    on r.case_id = n.case_id and r.person_id = n.person_id
cross join data_end as d
left join {{ ref('stg_registry__persons') }} as p
    on p.person_id = n.person_id
