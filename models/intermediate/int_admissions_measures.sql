-- Admissions measures (LPR conventions): one row per experiment x person x period x measure_code
-- for every catalogue-linked adm_* pair and every person with person-time in the period (0 when
-- no stays). A stay belongs to the period whose window contains its start, and only while the
-- person is at risk ([window_start, at_risk_end)). Count measures: value = numerator = count,
-- denominator = person_years (aggregated as rate per 1,000 person-years). adm_readmit_30d:
-- numerator = index admissions readmitted, denominator = index admissions, value = share (NULL
-- when the person has no index admission). adm_preventable: only persons aged >= the seed's
-- preventable_min_age_years at index (the population of the official indicator).
with linked as (
    select experiment_id, measure_code
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'adm_')
),

params as (
    select max(value) filter (where parameter = 'preventable_min_age_years') as preventable_min_age
    from {{ ref('measure_parameters') }}
),

periods as (
    select *
    from {{ ref('int_person_periods') }}
    where person_days > 0
        and experiment_id in (select experiment_id from linked)
),

stays as (
    select * from {{ ref('int_admissions_readmissions_flagged') }}
),

per_person as (
    select
        p.experiment_id,
        p.person_id,
        p.municipality_code,
        p.arm,
        p.period,
        p.age_at_index,
        p.person_days / 365.25 as person_years,
        count(s.stay_id) as n_stays,
        count(s.stay_id) filter (where s.is_admission) as n_admissions,
        count(s.stay_id) filter (where s.is_admission and s.is_acute) as n_acute_admissions,
        coalesce(sum(s.bed_days) filter (where s.is_admission), 0) as n_bed_days,
        count(s.stay_id) filter (where s.is_admission and s.readmitted_30d) as n_readmitted,
        count(s.stay_id) filter (
            where s.is_admission and s.is_acute and s.is_preventable_dx
        ) as n_preventable
    from periods as p
    left join stays as s
        on s.person_id = p.person_id
        and s.stay_start_ts >= cast(p.window_start as timestamp)
        and s.stay_start_ts < cast(p.at_risk_end as timestamp)
    group by all
),

long as (
    select *, 'adm_stays' as measure_code, cast(n_stays as double) as numerator,
        person_years as denominator
    from per_person
    union all
    select *, 'adm_admissions', cast(n_admissions as double), person_years
    from per_person
    union all
    select *, 'adm_acute_admissions', cast(n_acute_admissions as double), person_years
    from per_person
    union all
    select *, 'adm_bed_days', cast(n_bed_days as double), person_years
    from per_person
    union all
    select *, 'adm_readmit_30d', cast(n_readmitted as double), cast(n_admissions as double)
    from per_person
    union all
    select pp.*, 'adm_preventable', cast(pp.n_preventable as double), pp.person_years
    from per_person as pp
    cross join params as pr
    where pp.age_at_index >= pr.preventable_min_age
)

select
    l.experiment_id,
    l.person_id,
    l.municipality_code,
    l.arm,
    l.period,
    l.measure_code,
    '' as stratum,
    case
        when l.measure_code = 'adm_readmit_30d' then l.numerator / nullif(l.denominator, 0)
        else l.numerator
    end as value,
    l.numerator,
    l.denominator,
    l.person_years,
    cast(null as boolean) as censored
from long as l
inner join linked as k
    on k.experiment_id = l.experiment_id
    and k.measure_code = l.measure_code
