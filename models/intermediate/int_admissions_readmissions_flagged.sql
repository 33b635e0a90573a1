-- One row per stay (from int_admissions_merged_to_stays) with the readmission and
-- preventable-diagnosis flags.
-- readmitted_30d (admissions only, else NULL): an acute admission of the same person starts
-- after this admission's discharge and at most `readmission_window_days` calendar days after the
-- discharge date (day 30 counts, day 31 does not). Planned admissions never count as
-- readmissions. Any admission can be an index admission (eSundhed 30-dages genindlæggelser).
-- is_preventable_dx: the action diagnosis (SKS form, a leading 'D' added to a bare ICD-10 code)
-- starts with a prefix of seed preventable_admission_icd10.
with params as (
    select max(value) filter (where parameter = 'readmission_window_days') as readmission_days
    from {{ ref('measure_parameters') }}
),

stays as (
    select
        *,
        case
            when action_diagnosis is null then null
            when regexp_matches(upper(replace(trim(action_diagnosis), '.', '')), '^D[A-Z][0-9]')
                then upper(replace(trim(action_diagnosis), '.', ''))
            else 'D' || upper(replace(trim(action_diagnosis), '.', ''))
        end as action_diagnosis_sks
    from {{ ref('int_admissions_merged_to_stays') }}
),

readmissions as (
    select
        a.stay_id,
        count(b.stay_id) > 0 as readmitted_30d,
        min(b.stay_start_ts) as first_readmission_ts
    from stays as a
    cross join params as p
    left join stays as b
        on b.person_id = a.person_id
        and b.is_admission
        and b.is_acute
        and b.stay_start_ts > a.stay_end_ts
        and date_diff('day', cast(a.stay_end_ts as date), cast(b.stay_start_ts as date))
            <= p.readmission_days
    where a.is_admission
    group by a.stay_id
),

preventable as (
    select distinct s.stay_id
    from stays as s
    inner join {{ ref('preventable_admission_icd10') }} as icd
        on starts_with(s.action_diagnosis_sks, upper(icd.icd10_prefix))
)

select
    s.*,
    r.readmitted_30d,
    r.first_readmission_ts,
    pv.stay_id is not null as is_preventable_dx
from stays as s
left join readmissions as r on r.stay_id = s.stay_id
left join preventable as pv on pv.stay_id = s.stay_id
