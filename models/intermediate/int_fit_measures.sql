-- FIT measures: one row per experiment x person x period x measure_code x stratum
-- (stratum = respondent|instrument). Outcome instruments are those with a clinical cut-off in
-- seed fit_cutoffs (ORS, CORS); alliance instruments those with an alliance cut-off (SRS).
-- Change, reliable-change and recovered need at least two sessions. fit_recovered is the
-- Jacobson & Truax 'recovered' category: a reliable improvement that crosses the cut-off (intake
-- in the clinical range, last session not); every course with >= 2 sessions is in the
-- denominator (a course starting outside the clinical range cannot recover: 0).
with linked as (
    select experiment_id, measure_code
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'fit_')
),

episodes as (
    select * from {{ ref('int_fit_episodes_summarised') }}
),

outcome as (
    select * from episodes where clinical_cutoff is not null
),

long as (
    select *, 'fit_sessions' as measure_code, cast(n_sessions as double) as value,
        cast(n_sessions as double) as numerator, cast(null as double) as denominator
    from episodes
    union all
    select *, 'fit_ors_first', first_total, null, null from outcome
    union all
    select *, 'fit_ors_last', last_total, null, null from outcome
    union all
    select *, 'fit_ors_change', score_change, null, null from outcome
    union all
    select *, 'fit_clinical_at_intake', cast(clinical_at_intake as double),
        cast(clinical_at_intake as double), cast(1 as double)
    from outcome
    union all
    select *, 'fit_reliable_improvement', cast(reliable_improvement as double),
        cast(reliable_improvement as double), cast(1 as double)
    from outcome
    union all
    select *, 'fit_reliable_deterioration', cast(reliable_deterioration as double),
        cast(reliable_deterioration as double), cast(1 as double)
    from outcome
    union all
    select *, 'fit_recovered',
        cast(reliable_improvement and clinical_at_intake and not clinical_at_last as double),
        cast(reliable_improvement and clinical_at_intake and not clinical_at_last as double),
        cast(1 as double)
    from outcome
    where n_sessions >= 2
    union all
    select *, 'fit_srs_below_cutoff_share', n_below_alliance_cutoff / n_sessions,
        cast(n_below_alliance_cutoff as double), cast(n_sessions as double)
    from episodes
    where alliance_cutoff is not null
)

select
    l.experiment_id,
    l.person_id,
    l.municipality_code,
    l.arm,
    l.period,
    l.measure_code,
    l.stratum,
    l.value,
    l.numerator,
    l.denominator,
    l.person_days / 365.25 as person_years,
    cast(null as boolean) as censored
from long as l
inner join linked as k
    on k.experiment_id = l.experiment_id
    and k.measure_code = l.measure_code
where l.value is not null
