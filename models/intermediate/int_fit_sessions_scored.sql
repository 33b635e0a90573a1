-- One row per staged FIT session (one respondent filling one instrument on one date): the total
-- score and the cut-offs that apply to this respondent and instrument (seed fit_cutoffs).
-- Staging has already quarantined sessions with a missing item or an item outside 0-10; nothing is
-- imputed here. A cut-off row for the exact respondent wins over the respondent '*' row.
with sessions as (
    select
        case_id,
        person_id,
        session_date,
        respondent,
        instrument,
        item1,
        item2,
        item3,
        item4,
        item1 + item2 + item3 + item4 as total,
        row_number() over (
            partition by case_id, person_id, respondent, instrument
            order by session_date, source_file, source_row
        ) as session_in_case
    from {{ ref('stg_registry__fit_sessions') }}
),

pairs as (
    select distinct respondent, instrument from sessions
),

applicable as (
    select
        p.respondent,
        p.instrument,
        c.cutoff_type,
        c.value,
        c.rule
    from pairs as p
    inner join {{ ref('fit_cutoffs') }} as c
        on c.instrument = p.instrument
        and c.respondent in (p.respondent, '*')
    qualify row_number() over (
        partition by p.respondent, p.instrument, c.cutoff_type
        order by case when c.respondent = '*' then 1 else 0 end
    ) = 1
),

cutoffs as (
    select
        respondent,
        instrument,
        max(value) filter (where cutoff_type = 'clinical') as clinical_cutoff,
        max(rule) filter (where cutoff_type = 'clinical') as clinical_rule,
        max(value) filter (where cutoff_type = 'reliable_change') as reliable_change,
        max(rule) filter (where cutoff_type = 'reliable_change') as reliable_change_rule,
        max(value) filter (where cutoff_type = 'alliance') as alliance_cutoff,
        max(rule) filter (where cutoff_type = 'alliance') as alliance_rule
    from applicable
    group by respondent, instrument
)

select
    s.case_id,
    s.person_id,
    s.session_date,
    s.respondent,
    s.instrument,
    s.respondent || '|' || s.instrument as stratum,
    s.session_in_case,
    s.item1,
    s.item2,
    s.item3,
    s.item4,
    s.total,
    c.clinical_cutoff,
    c.clinical_rule,
    c.reliable_change,
    c.reliable_change_rule,
    c.alliance_cutoff,
    c.alliance_rule,
    case c.clinical_rule
        when 'lt' then s.total < c.clinical_cutoff
        when 'le' then s.total <= c.clinical_cutoff
    end as is_clinical,
    case c.alliance_rule
        when 'lt' then s.total < c.alliance_cutoff
        when 'le' then s.total <= c.alliance_cutoff
    end as is_below_alliance_cutoff
from sessions as s
left join cutoffs as c
    on c.respondent = s.respondent and c.instrument = s.instrument
