"""A small built-in catalogue for when seeds/catalogue/ is absent (development only).

The real experiments, municipalities and measures live in seeds/catalogue/; this mapping keeps
the generator usable on a checkout without them and is never preferred over the seeds."""

from __future__ import annotations

from .catalogue import Catalogue, Experiment, MeasureLink, day_number, pick_comparison

# DST municipality codes (Danmarks Statistik, kommunekoder) for the municipalities used below.
_MUNICIPALITIES = {
    "101": ("København", "Hovedstaden"), "151": ("Ballerup", "Hovedstaden"), "157": ("Gentofte", "Hovedstaden"),
    "159": ("Gladsaxe", "Hovedstaden"), "173": ("Lyngby-Taarbæk", "Hovedstaden"),
    "201": ("Allerød", "Hovedstaden"), "210": ("Fredensborg", "Hovedstaden"), "219": ("Hillerød", "Hovedstaden"),
    "230": ("Rudersdal", "Hovedstaden"), "163": ("Herlev", "Hovedstaden"), "175": ("Rødovre", "Hovedstaden"),
    "165": ("Albertslund", "Hovedstaden"), "223": ("Hørsholm", "Hovedstaden"), "240": ("Egedal", "Hovedstaden"),
    "376": ("Guldborgsund", "Sjælland"), "360": ("Lolland", "Sjælland"), "390": ("Vordingborg", "Sjælland"),
    "370": ("Næstved", "Sjælland"), "756": ("Ikast-Brande", "Midtjylland"), "657": ("Herning", "Midtjylland"),
    "791": ("Viborg", "Midtjylland"), "615": ("Horsens", "Midtjylland"), "851": ("Aalborg", "Nordjylland"),
    "813": ("Frederikshavn", "Nordjylland"), "860": ("Hjørring", "Nordjylland"), "787": ("Thisted", "Nordjylland"),
    "630": ("Vejle", "Syddanmark"), "621": ("Kolding", "Syddanmark"), "561": ("Esbjerg", "Syddanmark"),
    "461": ("Odense", "Syddanmark"),
}
_PARTICIPANTS = {"157", "159", "173", "230", "201", "151", "210", "219", "376", "756", "851", "813", "860", "787"}

_EXPERIMENTS = [
    # experiment_id, network_id, design, start, municipalities, [(measure_code, direction)]
    ("cross_municipal_acute_care_function", "acute_care", "person", "2018-01-01", ["157", "159", "173", "230"],
     [("adm_admission_rate", "down"), ("adm_preventable_rate_65", "down"), ("adm_readmission_30d", "down"),
      ("cost_per_person_month", "down"), ("exp_citizen_score", "up")]),
    ("fit_involvement_and_effect_gladsaxe", "children", "cohort", "2017-07-01", ["159"],
     [("fit_ors_change", "up"), ("fit_srs_below_cutoff", "down"), ("case_days_to_intervention", "down")]),
    ("documentation_to_involvement_ikast_brande_guldborgsund", "children", "person", "2018-01-01", ["376", "756"],
     [("case_days_to_assessment_end", "down"), ("case_assessment_within_4m", "up"),
      ("case_triage_within_24h", "up"), ("case_reopened_6m", "down")]),
    ("one_plan_single_action_plan", "one_plan", "person", "2017-09-01", ["201", "151", "210", "219"],
     [("emp_self_support_degree", "up"), ("emp_time_to_self_support", "down"), ("cost_per_person_month", "down"),
      ("exp_citizen_score", "up")]),
    ("flexible_mandatory_jobcentre_conversations", "employment", "person", "2017-04-01", ["851", "813", "860", "787"],
     [("emp_self_supporting_52w", "up"), ("emp_self_support_degree", "up")]),
]


def fallback_catalogue() -> Catalogue:
    municipalities = {code: {"municipality_code": code, "name": n, "region": r,
                             "comparison_candidate": "false" if code in _PARTICIPANTS else "true"}
                      for code, (n, r) in _MUNICIPALITIES.items()}
    candidates = sorted(c for c in municipalities if c not in _PARTICIPANTS)
    exps = []
    for exp_id, net, design, start, munis, measures in _EXPERIMENTS:
        comparison = pick_comparison(exp_id, munis, candidates, municipalities) if design == "person" else []
        exps.append(Experiment(exp_id, net, design, day_number(start), 365, 365, sorted(munis),
                               [MeasureLink(c, d) for c, d in measures], comparison))
    return Catalogue(exps, municipalities, {}, {}, "built-in fallback (seeds/catalogue absent)")
