-- One row per experiment x person x period x respondent|instrument: the FIT course of that
-- respondent on that instrument in that period (sessions assigned by int_fit_sessions_assigned).
-- First/last = the sessions with the lowest/highest session_number; change and reliable change
-- need at least two sessions. Reliable improvement / deterioration: last - first (first - last)
-- compared with the seed's reliable-change value by its rule (ge: >=).
with assigned as (
    select * from {{ ref('int_fit_sessions_assigned') }}
),

summarised as (
    select
        experiment_id,
        person_id,
        municipality_code,
        arm,
        period,
        person_days,
        stratum,
        respondent,
        instrument,
        any_value(clinical_cutoff) as clinical_cutoff,
        any_value(reliable_change) as reliable_change,
        any_value(reliable_change_rule) as reliable_change_rule,
        any_value(alliance_cutoff) as alliance_cutoff,
        count(*) as n_sessions,
        arg_min(total, session_number) as first_total,
        arg_max(total, session_number) as last_total,
        arg_min(is_clinical, session_number) as clinical_at_intake,
        arg_max(is_clinical, session_number) as clinical_at_last,
        count(*) filter (where is_below_alliance_cutoff) as n_below_alliance_cutoff
    from assigned
    group by all
)

select
    *,
    case when n_sessions >= 2 then last_total - first_total end as score_change,
    case
        when n_sessions < 2 then null
        when reliable_change_rule = 'ge' then last_total - first_total >= reliable_change
        when reliable_change_rule = 'gt' then last_total - first_total > reliable_change
    end as reliable_improvement,
    case
        when n_sessions < 2 then null
        when reliable_change_rule = 'ge' then first_total - last_total >= reliable_change
        when reliable_change_rule = 'gt' then first_total - last_total > reliable_change
    end as reliable_deterioration
from summarised
