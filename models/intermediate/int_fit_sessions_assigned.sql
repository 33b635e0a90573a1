-- One row per experiment x person x period x FIT session of the period's course. Cohort logic as
-- for cases: a case's sessions belong to the period whose window contains the case's
-- notification date (the first session date when the case has no notification in the case
-- extract), while the person is at risk ([window_start, at_risk_end)). As the case measures use
-- the index case, the course of a respondent on an instrument in a period is the sessions of the
-- first case anchored there that has sessions for that respondent|instrument (earliest anchor,
-- ties: lowest case_id); a later case in the same period (a re-notification) is not mixed in.
-- session_number counts the course's sessions (1 = intake).
with sessions as (
    select * from {{ ref('int_fit_sessions_scored') }}
),

case_anchor as (
    select
        s.case_id,
        s.person_id,
        coalesce(min(c.notification_date), min(s.session_date)) as anchor_date
    from sessions as s
    left join {{ ref('int_cases_timelines_pivoted') }} as c
        on c.case_id = s.case_id and c.person_id = s.person_id
    group by s.case_id, s.person_id
),

course_cases as (
    -- The course's case per experiment x person x period x respondent|instrument: the case with
    -- the earliest anchor (ties: lowest case_id) among the cases anchored in the period that have
    -- sessions for that respondent|instrument. Chosen on one row per case and stratum, before
    -- the sessions are joined (ranking every session row was the largest step of this model).
    select
        p.experiment_id,
        p.person_id,
        p.period,
        cs.stratum,
        arg_min(a.case_id, (a.anchor_date, a.case_id)) as case_id
    from (select distinct case_id, person_id, stratum from sessions) as cs
    inner join case_anchor as a
        on a.case_id = cs.case_id and a.person_id = cs.person_id
    inner join {{ ref('int_person_periods') }} as p
        on p.person_id = cs.person_id
        and a.anchor_date >= p.window_start
        and a.anchor_date < p.at_risk_end
    group by p.experiment_id, p.person_id, p.period, cs.stratum
),

anchored as (
    select
        p.experiment_id,
        p.person_id,
        p.municipality_code,
        p.arm,
        p.period,
        p.person_days,
        s.case_id,
        s.session_date,
        s.respondent,
        s.instrument,
        s.stratum,
        s.session_in_case,
        s.total,
        s.clinical_cutoff,
        s.clinical_rule,
        s.reliable_change,
        s.reliable_change_rule,
        s.alliance_cutoff,
        s.is_clinical,
        s.is_below_alliance_cutoff
    from course_cases as c
    inner join {{ ref('int_person_periods') }} as p
        on p.experiment_id = c.experiment_id
        and p.person_id = c.person_id
        and p.period = c.period
    inner join sessions as s
        on s.case_id = c.case_id
        and s.person_id = c.person_id
        and s.stratum = c.stratum
)

select
    *,
    row_number() over (
        partition by experiment_id, person_id, period, stratum
        order by session_date, session_in_case
    ) as session_number
from anchored
