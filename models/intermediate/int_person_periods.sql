-- One row per experiment x person x period (baseline, followup).
-- person design: baseline = [index_date - baseline_days, index_date),
--                followup = [index_date, index_date + followup_days)
-- cohort design: the same windows anchored on the experiment's start_date instead of the
--                person's index_date; events (admissions, weeks, cases ...) belong to the period
--                whose window contains them.
-- Person-time: from window_start to at_risk_end (exclusive), where at_risk_end is the window end
-- or the day after death / emigration, whichever is first: the day of death or emigration is
-- the last day at risk (events on that day still count). person_days = at_risk_end - window_start,
-- never negative.
with enrolment as (
    select
        person_id,
        experiment_id,
        municipality_code,
        arm,
        index_date
    from {{ ref('stg_registry__enrolment') }}
    where person_id is not null
        and experiment_id is not null
        and index_date is not null
    -- one enrolment per experiment x person: the earliest index date
    qualify row_number() over (
        partition by experiment_id, person_id
        order by index_date, municipality_code, arm
    ) = 1
),

designs as (
    select
        cast(experiment_id as varchar) as experiment_id,
        cast(period_design as varchar) as period_design,
        cast(start_date as date) as start_date,
        cast(baseline_days as integer) as baseline_days,
        cast(followup_days as integer) as followup_days
    from {{ ref('experiment_periods') }}
),

anchored as (
    select
        e.experiment_id,
        e.person_id,
        e.municipality_code,
        e.arm,
        e.index_date,
        d.period_design,
        d.baseline_days,
        d.followup_days,
        case when d.period_design = 'cohort' then d.start_date else e.index_date end as anchor_date
    from enrolment as e
    inner join designs as d on d.experiment_id = e.experiment_id
),

periods as (
    select
        *,
        'baseline' as period,
        cast(anchor_date - baseline_days as date) as window_start,
        anchor_date as window_end
    from anchored
    union all
    select
        *,
        'followup' as period,
        anchor_date as window_start,
        cast(anchor_date + followup_days as date) as window_end
    from anchored
),

censored as (
    select
        p.*,
        pe.birth_date,
        pe.sex,
        pe.death_date,
        pe.emigration_date,
        least(
            p.window_end,
            coalesce(cast(pe.death_date + 1 as date), p.window_end),
            coalesce(cast(pe.emigration_date + 1 as date), p.window_end)
        ) as censor_end
    from periods as p
    left join {{ ref('stg_registry__persons') }} as pe on pe.person_id = p.person_id
)

select
    experiment_id,
    person_id,
    municipality_code,
    arm,
    period,
    index_date,
    window_start,
    window_end,
    greatest(date_diff('day', window_start, censor_end), 0) as person_days,
    case
        when birth_date is null then null
        else date_diff('year', birth_date, index_date)
            - case when strftime(index_date, '%m%d') < strftime(birth_date, '%m%d') then 1 else 0 end
    end as age_at_index,
    sex,
    -- beyond the contract: the design and the exclusive end of person-time at risk
    period_design,
    greatest(censor_end, window_start) as at_risk_end
from censored
