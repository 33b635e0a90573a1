-- exp_score: one row per experiment x person x period x respondent_type. Each answer is scaled to
-- 0-100 (score / scale_max x 100); value = mean of the person's scaled answers whose survey_date
-- falls in the window while the person is at risk ([window_start, at_risk_end)); numerator = sum
-- of scaled answers, denominator = number of answers. Only catalogue-linked experiments.
with answers as (
    select
        person_id,
        survey_date,
        respondent_type,
        score / scale_max * 100 as score_pct
    from {{ ref('stg_registry__experience') }}
    where scale_max > 0 and score is not null and survey_date is not null
)

select
    p.experiment_id,
    p.person_id,
    p.municipality_code,
    p.arm,
    p.period,
    'exp_score' as measure_code,
    a.respondent_type as stratum,
    {{ exact_avg('a.score_pct') }} as value,
    {{ exact_sum('a.score_pct') }} as numerator,
    cast(count(*) as double) as denominator,
    any_value(p.person_days) / 365.25 as person_years,
    cast(null as boolean) as censored
from {{ ref('int_person_periods') }} as p
inner join answers as a
    on a.person_id = p.person_id
    and a.survey_date >= p.window_start
    and a.survey_date < p.at_risk_end
where p.experiment_id in (
    select experiment_id from {{ ref('int_experiment_measures_linked') }}
    where measure_code = 'exp_score'
)
group by p.experiment_id, p.person_id, p.municipality_code, p.arm, p.period, a.respondent_type
