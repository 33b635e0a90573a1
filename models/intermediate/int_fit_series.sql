-- FIT chart series: one row per experiment x arm x series_code x session number.
--   series_code = 'fit_mean_score_<period>|<respondent>|<instrument>' for the outcome instruments
--   (those with a clinical cut-off in seed fit_cutoffs: ORS, CORS); time_unit 'session',
--   t = session number in the person's course in that period (1 = intake, as in
--   int_fit_episodes_summarised), n_persons = persons with a t-th session, value = their mean
--   total score (0-40).
-- Only experiments linked to a fit_* measure in the catalogue.
with linked as (
    select distinct experiment_id
    from {{ ref('int_experiment_measures_linked') }}
    where starts_with(measure_code, 'fit_')
)

select
    s.experiment_id,
    s.arm,
    'fit_mean_score_' || s.period || '|' || s.stratum as series_code,
    'session' as time_unit,
    s.session_number as t,
    count(distinct s.person_id) as n_persons,
    {{ exact_avg('s.total') }} as value
from {{ ref('int_fit_sessions_assigned') }} as s
where s.clinical_cutoff is not null
    and s.experiment_id in (select experiment_id from linked)
group by s.experiment_id, s.arm, s.period, s.stratum, s.session_number
