-- One row per staged case event, with the milestone its event_type maps to in seed
-- case_event_types. Unknown event types keep milestone NULL (a warn-level test counts them);
-- they never feed a measure.
select
    e.case_id,
    e.person_id,
    e.event_type,
    e.event_date,
    t.milestone
from {{ ref('stg_registry__case_events') }} as e
left join {{ ref('case_event_types') }} as t
    on t.event_type = e.event_type
