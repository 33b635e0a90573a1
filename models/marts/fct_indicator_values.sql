-- One row per experiment x municipality_code x arm x period x measure_code x stratum.
-- value by the measure's aggregation (seed measure_definitions):
--   mean   average of the person values
--   share  sum(numerator) / sum(denominator)
--   rate   sum(numerator) / sum(person_years) * 1,000  (also in rate_per_1000py)
--   sum    sum of the person values (Jobindsats full-time persons)
--   median Kaplan-Meier median of the time-to-event values (censored rows are censored): the
--          smallest time t with S(t) <= 0.5; NULL when the survival curve never reaches 0.5
with pm as (
    select * from {{ ref('fct_person_measures') }}
),

defs as (
    select measure_code, measure_type, unit, aggregation
    from {{ ref('measure_definitions') }}
),

cells as (
    select
        pm.experiment_id,
        pm.municipality_code,
        pm.arm,
        pm.period,
        pm.measure_code,
        pm.stratum,
        -- the grain of fct_person_measures (one row per experiment x person x period x measure x
        -- stratum, tested) makes count(*) the number of distinct persons of a cell, without a
        -- distinct-hash of every person id
        count(*) as n_persons,
        {{ exact_sum('pm.numerator') }} as numerator,
        {{ exact_sum('pm.denominator') }} as denominator,
        {{ exact_sum('pm.person_years') }} as person_years,
        {{ exact_avg('pm.value') }} as mean_value,
        {{ exact_sum('pm.value') }} as sum_value,
        count(*) filter (where pm.censored) as n_censored
    from pm
    group by all
),

-- Kaplan-Meier per cell for time-to-event measures
tte as (
    select pm.*
    from pm
    inner join defs as d on d.measure_code = pm.measure_code
    where d.measure_type = 'time_to_event' and pm.value is not null
),

km_times as (
    select
        experiment_id, municipality_code, arm, period, measure_code, stratum,
        value as t,
        count(*) filter (where not coalesce(censored, false)) as n_events,
        count(*) as n_leaving
    from tte
    group by all
),

km_risk as (
    select
        *,
        sum(n_leaving) over (
            partition by experiment_id, municipality_code, arm, period, measure_code, stratum
            order by t desc
            rows between unbounded preceding and current row
        ) as n_at_risk
    from km_times
),

km_curve as (
    select
        *,
        exp(sum(ln(greatest(1.0 - n_events / n_at_risk, 1e-300))) over (
            partition by experiment_id, municipality_code, arm, period, measure_code, stratum
            order by t
            rows between unbounded preceding and current row
        )) as survival
    from km_risk
),

km_median as (
    select
        experiment_id, municipality_code, arm, period, measure_code, stratum,
        min(t) filter (where survival <= 0.5 + 1e-12) as median_t
    from km_curve
    group by all
)

select
    {{ run_stamp() }},
    c.experiment_id,
    c.municipality_code,
    c.arm,
    c.period,
    c.measure_code,
    c.stratum,
    c.n_persons,
    c.numerator,
    c.denominator,
    case d.aggregation
        when 'mean' then c.mean_value
        when 'share' then c.numerator / nullif(c.denominator, 0)
        when 'rate' then c.numerator / nullif(c.person_years, 0) * 1000
        when 'sum' then c.sum_value
        when 'median' then k.median_t
    end as value,
    d.unit,
    c.person_years,
    case when d.aggregation = 'rate' then c.numerator / nullif(c.person_years, 0) * 1000 end
        as rate_per_1000py,
    case when d.measure_type = 'time_to_event' then c.n_censored end as n_censored,
    d.measure_type
from cells as c
inner join defs as d on d.measure_code = c.measure_code
left join km_median as k
    on k.experiment_id = c.experiment_id
    and k.municipality_code = c.municipality_code
    and k.arm = c.arm
    and k.period = c.period
    and k.measure_code = c.measure_code
    and k.stratum = c.stratum
