-- One row per DREAM benefit code in the employment extract that is not in seed
-- dream_benefit_codes. Unknown codes are never self-supporting and never public-support weeks;
-- this model makes them visible (weeks and persons affected, overall and inside measure windows)
-- so the code list can be completed. No person identifiers.
with status as (
    select person_id, iso_year, iso_week, nullif(trim(benefit_code), '') as benefit_code
    from {{ ref('stg_registry__employment_status') }}
),

unknown as (
    select s.*
    from status as s
    left join {{ ref('dream_benefit_codes') }} as c on c.benefit_code = s.benefit_code
    where s.benefit_code is not null and c.benefit_code is null
),

in_windows as (
    select benefit_code, count(*) as n_weeks_in_windows
    from {{ ref('int_employment_weeks_coded') }}
    where is_unknown_code
    group by benefit_code
)

select
    u.benefit_code,
    count(*) as n_weeks,
    count(distinct u.person_id) as n_persons,
    min(u.iso_year * 100 + u.iso_week) as first_iso_yearweek,
    max(u.iso_year * 100 + u.iso_week) as last_iso_yearweek,
    coalesce(any_value(w.n_weeks_in_windows), 0) as n_weeks_in_windows
from unknown as u
left join in_windows as w on w.benefit_code = u.benefit_code
group by u.benefit_code
