-- One row per hospital stay (sygehusophold). LPR3 convention (eSundhed): physical contacts that
-- overlap in time or are at most `stay_merge_max_gap_hours` apart (discharge of the stay so far
-- to the next admission) form one stay. A stay is an admission (indlæggelse) when it lasts at
-- least `admission_min_duration_hours` from its earliest admission to its latest discharge.
-- Bed-days (DST IANTDG): discharge date - admission date, a same-day stay counting
-- `same_day_stay_bed_days`. Cut-offs come from seed measure_parameters.
-- A stay takes admission type, action diagnosis and department of its first contact.
with params as (
    select
        max(value) filter (where parameter = 'stay_merge_max_gap_hours') as merge_gap_hours,
        max(value) filter (where parameter = 'admission_min_duration_hours') as admission_min_hours,
        max(value) filter (where parameter = 'same_day_stay_bed_days') as same_day_bed_days
    from {{ ref('measure_parameters') }}
),

contacts as (
    select
        person_id,
        admission_ts,
        discharge_ts,
        admission_type,
        action_diagnosis,
        department_type
    from {{ ref('stg_registry__admissions') }}
    where person_id is not null
        and admission_ts is not null
        and discharge_ts is not null
        and discharge_ts >= admission_ts
),

ordered as (
    select
        c.*,
        max(c.discharge_ts) over (
            partition by c.person_id
            order by c.admission_ts, c.discharge_ts
            rows between unbounded preceding and 1 preceding
        ) as prev_max_discharge_ts
    from contacts as c
),

starts as (
    select
        o.*,
        case
            when o.prev_max_discharge_ts is null then 1
            when epoch(o.admission_ts) - epoch(o.prev_max_discharge_ts)
                > p.merge_gap_hours * 3600 then 1
            else 0
        end as is_new_stay
    from ordered as o
    cross join params as p
),

numbered as (
    select
        *,
        sum(is_new_stay) over (
            partition by person_id
            order by admission_ts, discharge_ts
            rows between unbounded preceding and current row
        ) as stay_seq
    from starts
),

stays as (
    select
        person_id,
        stay_seq,
        min(admission_ts) as stay_start_ts,
        max(discharge_ts) as stay_end_ts,
        arg_min(admission_type, admission_ts) as admission_type,
        arg_min(action_diagnosis, admission_ts) as action_diagnosis,
        arg_min(department_type, admission_ts) as department_type,
        count(*) as n_contacts
    from numbered
    group by person_id, stay_seq
)

select
    s.person_id || '#' || cast(s.stay_seq as varchar) as stay_id,
    s.person_id,
    cast(s.stay_seq as integer) as stay_seq,
    s.stay_start_ts,
    s.stay_end_ts,
    s.admission_type,
    s.action_diagnosis,
    s.department_type,
    s.n_contacts,
    (epoch(s.stay_end_ts) - epoch(s.stay_start_ts)) / 3600.0 as duration_hours,
    (epoch(s.stay_end_ts) - epoch(s.stay_start_ts)) / 3600.0 >= p.admission_min_hours as is_admission,
    coalesce(s.admission_type = 'acute', false) as is_acute,
    case
        when cast(s.stay_end_ts as date) = cast(s.stay_start_ts as date) then p.same_day_bed_days
        else date_diff('day', cast(s.stay_start_ts as date), cast(s.stay_end_ts as date))
    end as bed_days
from stays as s
cross join params as p
