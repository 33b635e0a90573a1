"""Every label, heading and generated sentence of a report, in Danish and English.

`t(key, lang, **fields)` raises KeyError for an unknown key, so a missing translation fails the
render instead of leaking a key into a report. Number formatting follows the language
(Danish: decimal comma, thousands point).
"""

from __future__ import annotations

import math
import re

LANGS = ("da", "en")

# key: (Danish, English)
TEXT: dict[str, tuple[str, str]] = {
    # document
    "title": ("Evalueringsrapport: {network}", "Evaluation report: {network}"),
    "subtitle": ("Frikommuneforsøg {programme} · netværk {network_id} · kørsel {run_id}",
                 "Free-municipality programme {programme} · network {network_id} · run {run_id}"),
    "toc": ("Indhold", "Contents"),
    "index_title": ("Evalueringsrapporter for frikommunenetværkene", "Evaluation reports for the free-municipality networks"),
    "index_intro": ("Én rapport pr. netværk. Alle tal er beregnet af frieval-pipelinen og diskretioneret (tællinger under {threshold} personer vises som \"<{threshold}\").",
                    "One report per network. Every number is computed by the frieval pipeline and disclosure-controlled (counts below {threshold} persons are shown as \"<{threshold}\")."),
    "index_docs": ("SQL-modellerne bag hvert tal (dbt-dokumentation)", "The SQL models behind every number (dbt documentation)"),
    "col_network": ("Netværk", "Network"),
    "col_programme": ("Program", "Programme"),
    "col_experiments": ("Forsøg", "Experiments"),
    "col_report": ("Rapport", "Report"),
    "open_report": ("Åbn rapport", "Open report"),
    # section headings
    "h_summary": ("Sammenfatning til styregruppen", "Summary for the steering group"),
    "h_triple_aim": ("Triple Aim: sundhed, oplevelse og omkostninger", "Triple Aim: health, experience and cost"),
    "h_programme_theory": ("Forandringsteori og evidens", "Programme theory and evidence"),
    "h_charts": ("Udvikling over tid", "Developments over time"),
    "h_methods": ("Metode og datakvalitet", "Methods and data quality"),
    "h_audit": ("Sporbarhed", "Audit trail"),
    "h_disclosure": ("Diskretionering", "Disclosure control"),
    "h_outside": ("Indikatorer uden for Triple Aim", "Indicators outside the Triple Aim"),
    "h_links": ("Led i forandringsteorien", "Links of the programme theory"),
    "h_grading_rule": ("Regel for evidensvurdering", "Evidence grading rule"),
    "h_run": ("Månedlige forløbsdiagrammer pr. gruppe", "Monthly run charts by arm"),
    "h_km": ("Tid til hændelse (Kaplan–Meier)", "Time to event (Kaplan–Meier)"),
    "h_fit": ("FIT-scorer pr. session", "FIT scores by session"),
    "h_reliable": ("Pålidelig ændring (FIT)", "Reliable change (FIT)"),
    "h_selfsupport": ("Selvforsørgelse pr. uge efter start", "Self-support by week since index"),
    "h_admissions": ("Indlæggelsesrater", "Admission rates"),
    "h_design": ("Design og model pr. mål", "Design and model per measure"),
    "h_multiple": ("Multipel testning", "Multiple testing"),
    "h_rows": ("Rækker læst, i karantæne og erstattet pr. udtræk", "Rows read, quarantined and superseded per extract"),
    "h_reasons": ("Årsager til karantæne", "Reasons for quarantine"),
    "h_absent": ("Manglende tabeller", "Absent tables"),
    "h_models": ("Indikatorer og SQL-modeller", "Indicators and their SQL models"),
    "h_provenance": ("Proveniens", "Provenance"),
    "h_inputs": ("Inputfiler og kontrolsummer", "Input files and checksums"),
    "h_packages": ("Pakkeversioner", "Package versions"),
    "h_counts": ("Antal personer pr. gruppe og periode", "Persons by arm and period"),
    # Triple Aim dimensions
    "dim_health": ("Sundhed", "Health"),
    "dim_experience": ("Borgernes oplevelse og kvalitet", "Citizens' experience and quality"),
    "dim_cost": ("Omkostninger", "Cost"),
    "dim_none": ("Uden for Triple Aim", "Outside the Triple Aim"),
    # verdicts and grades
    "v_better": ("Bedre", "Better"),
    "v_worse": ("Dårligere", "Worse"),
    "v_unclear": ("Ingen klar ændring", "No clear change"),
    "v_not_computable": ("Kan ikke beregnes", "Not computable"),
    "v_suppressed": ("Diskretioneret", "Suppressed"),
    "g_supported": ("Understøttet", "Supported"),
    "g_contradicted": ("Modsagt", "Contradicted"),
    "g_inconclusive": ("Uafklaret", "Inconclusive"),
    "g_not_measured": ("Ikke målt", "Not measured"),
    "no_cf_mark": ("før/efter uden sammenligning", "before/after, no comparison"),
    # node types
    "nt_input": ("Ressourcer", "Inputs"),
    "nt_activity": ("Aktiviteter", "Activities"),
    "nt_output": ("Leverancer", "Outputs"),
    "nt_short_term_outcome": ("Kortsigtede virkninger", "Short-term outcomes"),
    "nt_long_term_outcome": ("Langsigtede virkninger", "Long-term outcomes"),
    # arms and periods
    "arm_intervention": ("Forsøgsgruppe", "Intervention"),
    "arm_comparison": ("Sammenligningsgruppe", "Comparison"),
    "arm__all": ("I alt", "Total"),
    "per_baseline": ("Før", "Baseline"),
    "per_followup": ("Opfølgning", "Follow-up"),
    # designs and scales
    "design_did": ("forskel-i-forskelle (forsøgs- mod sammenligningskommuner)",
                   "difference-in-differences (intervention vs comparison municipalities)"),
    "design_paired": ("parret før/efter (samme personer, ingen sammenligningsgruppe)",
                      "paired before/after (same persons, no comparison group)"),
    "design_cohort_before_after": ("før/efter mellem to kohorter (ingen sammenligningsgruppe)",
                                   "before/after between two cohorts (no comparison group)"),
    "design_unknown": ("ukendt design", "unknown design"),
    "scale_difference": ("forskel", "difference"),
    "scale_log_odds_ratio": ("oddsratio", "odds ratio"),
    "scale_log_rate_ratio": ("rateratio", "rate ratio"),
    "scale_log_hazard_ratio": ("hazardratio", "hazard ratio"),
    "scale_risk_difference": ("risikoforskel", "risk difference"),
    "period_person": ("personbaseret: hver person har sin egen før- og opfølgningsperiode",
                      "person design: each person has own baseline and follow-up windows"),
    "period_cohort": ("kohortebaseret: faste kalenderperioder", "cohort design: fixed calendar periods"),
    # columns
    "col_indicator": ("Indikator", "Indicator"),
    "col_baseline": ("Før", "Baseline"),
    "col_followup": ("Opfølgning", "Follow-up"),
    "col_effect": ("Effekt (95 % KI)", "Effect (95% CI)"),
    "col_verdict": ("Vurdering", "Verdict"),
    "col_n": ("n", "n"),
    "col_link": ("Led", "Link"),
    "col_assumption": ("Antagelse", "Assumption"),
    "col_grade": ("Evidens", "Evidence"),
    "col_estimate": ("Estimat ± KI", "Estimate ± CI"),
    "col_measure": ("Mål", "Measure"),
    "col_design": ("Design", "Design"),
    "col_model": ("Model (teknisk betegnelse)", "Model"),
    "col_scale": ("Skala", "Scale"),
    "col_clusters": ("Kommuner (forsøg/sammenligning)", "Municipalities (intervention/comparison)"),
    "col_p": ("p", "p"),
    "col_p_adj": ("p (BH-justeret)", "p (BH-adjusted)"),
    "col_warnings": ("Advarsler og diagnostik", "Warnings and diagnostics"),
    "col_table": ("Tabel", "Table"),
    "col_wave": ("Bølge", "Wave"),
    "col_file": ("Fil", "File"),
    "col_rows_read": ("Læst", "Read"),
    "col_rows_staged": ("Godkendt", "Staged"),
    "col_rows_quarantined": ("Karantæne", "Quarantined"),
    "col_rows_superseded": ("Heraf erstattet", "Of which superseded"),
    "col_status": ("Status", "Status"),
    "col_reason": ("Årsag", "Reason"),
    "col_rows": ("Rækker", "Rows"),
    "col_sql_model": ("SQL-model", "SQL model"),
    "col_dimension": ("Dimension", "Dimension"),
    "col_sha": ("SHA-256", "SHA-256"),
    "col_package": ("Pakke", "Package"),
    "col_version": ("Version", "Version"),
    "col_arm": ("Gruppe", "Arm"),
    "col_experiment": ("Forsøg", "Experiment"),
    "col_what": ("Hvad", "What"),
    "col_count": ("Antal", "Count"),
    "wave_baseline": ("før", "baseline"),
    "wave_followup": ("opfølgning", "follow-up"),
    "status_present": ("til stede", "present"),
    "status_absent": ("mangler", "absent"),
    # value and effect formatting
    "ci": ("{lo} til {hi}", "{lo} to {hi}"),
    "per_1000py": ("pr. 1.000 personår", "per 1,000 person-years"),
    "median_of": ("median", "median"),
    "not_shown": ("–", "–"),
    "model_link": ("SQL", "SQL"),
    "model_link_title": ("Åbn SQL-modellen {model} i dbt-dokumentationen", "Open the SQL model {model} in the dbt docs"),
    "no_model": ("ingen SQL-model", "no SQL model"),
    "exposure_link": ("Denne rapport som dbt-exposure", "This report as a dbt exposure"),
    "nc_reason": ("Årsag: {reason}", "Reason: {reason}"),
    "nc_no_estimate": ("ingen estimation (for få data eller modellen kunne ikke estimeres)",
                       "no estimate (too little data or the model could not be fitted)"),
    "nc_not_in_extracts": ("ikke i registerudtrækkene", "not in the registry extracts"),
    "sup_small_cell": ("en eller flere celler har under {threshold} personer", "one or more cells hold fewer than {threshold} persons"),
    "sup_small_n_effect": ("estimatet bygger på under {threshold} personer i en gruppe", "the estimate rests on fewer than {threshold} persons in an arm"),
    "legend_verdict": ("Vurdering mod den forventede retning: farve og ord. Effekten er forskellen i ændring mellem forsøgs- og sammenligningsgruppe (eller før/efter, hvor der ingen sammenligningsgruppe er) med 95 % konfidensinterval.",
                       "Verdict against the expected direction: colour and word. The effect is the difference in change between intervention and comparison arm (or before/after where there is no comparison arm) with a 95% confidence interval."),
    "expected_up": ("forventet: højere", "expected: higher"),
    "expected_down": ("forventet: lavere", "expected: lower"),
    "expected_none": ("ingen forventet retning", "no expected direction"),
    "inferred_mark": ("udledt af analytiker", "inferred by analyst"),
    "none_in_dimension": ("Ingen indikatorer i denne dimension.", "No indicators in this dimension."),
    "no_experiments": ("Netværket har ingen forsøg i kataloget.", "The network has no experiments in the catalogue."),
    # summary sentences
    "sum_line": ("{title}: {n_ind} indikatorer – {parts}.", "{title}: {n_ind} indicators – {parts}."),
    "sum_part_better": ("{n} bedre", "{n} better"),
    "sum_part_worse": ("{n} dårligere", "{n} worse"),
    "sum_part_unclear": ("{n} uden klar ændring", "{n} with no clear change"),
    "sum_part_suppressed": ("{n} diskretioneret", "{n} suppressed"),
    "sum_part_not_computable": ("{n} kan ikke beregnes", "{n} not computable"),
    "sum_best": ("Tydeligste resultat: {indicator} ({verdict}, {effect}).", "Clearest result: {indicator} ({verdict}, {effect})."),
    "sum_design": ("Design: {design}.", "Design: {design}."),
    "sum_n": ("Personer ved opfølgning: {ni} i forsøgsgruppen, {nc} i sammenligningsgruppen.",
              "Persons at follow-up: {ni} in the intervention arm, {nc} in the comparison arm."),
    "sum_n_single": ("Personer ved opfølgning: {ni}.", "Persons at follow-up: {ni}."),
    "cav_no_cf": ("Forbehold: ingen sammenligningsgruppe – ændringen er ikke et effektestimat.",
                  "Caveat: no comparison group – the change is not an effect estimate."),
    "cav_small_n": ("Forbehold: få personer (under {n} i en gruppe) – usikre resultater.",
                    "Caveat: few persons (below {n} in an arm) – uncertain results."),
    "cav_few_clusters": ("Forbehold: få forsøgskommuner (under {n}) – klyngerobuste konfidensintervaller er usikre.",
                         "Caveat: few intervention municipalities (below {n}) – cluster-robust confidence intervals are fragile."),
    "sum_intro": ("Én linje pr. forsøg, genereret af pipelinen ud fra effektestimaterne. \"Bedre\" og \"dårligere\" betyder, at 95 %-konfidensintervallet udelukker ingen ændring i den retning.",
                  "One line per experiment, generated by the pipeline from the effect estimates. \"Better\" and \"worse\" mean that the 95% confidence interval excludes no change in that direction."),
    # programme theory
    "pt_intro": ("Diagrammet viser forandringsteorien fra ressourcer til langsigtede virkninger. Hver boks er farvet og mærket med evidensen fra dens indikatorer.",
                 "The diagram shows the programme theory from inputs to long-term outcomes. Each box is coloured and labelled with the evidence of its indicators."),
    "pt_rule": ("Et led (fra en boks til den næste) vurderes på indikatorerne for dets mål-boks. Understøttet: 95 %-konfidensintervallet for effekten udelukker ingen ændring i den forventede retning. Modsagt: det udelukker ingen ændring i den modsatte retning. Uafklaret: intervallet indeholder ingen ændring, indikatorerne peger i hver sin retning, eller tallet er diskretioneret. Ikke målt: ingen beregnelig indikator. For design uden sammenligningsgruppe mærkes vurderingen \"før/efter uden sammenligning\": den viser ændring, ikke effekt.",
                "A link (from one box to the next) is graded on the indicators of its target box. Supported: the 95% confidence interval of the effect excludes no change in the expected direction. Contradicted: it excludes no change in the opposite direction. Inconclusive: the interval includes no change, the indicators point different ways, or the number is suppressed. Not measured: no computable indicator. Under designs without a comparison group the grade carries the mark \"before/after, no comparison\": it shows change, not effect."),
    "pt_diagram_label": ("Forandringsteori for {title}", "Programme theory of {title}"),
    "pt_no_nodes": ("Forsøget har ingen forandringsteori i kataloget.", "The experiment has no programme theory in the catalogue."),
    "pt_indicators": ("{n} indikator(er)", "{n} indicator(s)"),
    "arrow": ("→", "→"),
    # charts
    "ch_month": ("Måned", "Month"),
    "ch_session": ("Session nr.", "Session number"),
    "ch_week": ("Uger siden start", "Weeks since index"),
    "ch_survival": ("Andel uden hændelse", "Share without the event"),
    "ch_time": ("Tid", "Time"),
    "ch_share": ("Andel", "Share"),
    "ch_value": ("Værdi", "Value"),
    "ch_centre": ("median", "median"),
    "ch_score": ("Gennemsnitlig score (0–40)", "Mean score (0–40)"),
    "ch_rate": ("Pr. 1.000 personår", "Per 1,000 person-years"),
    "ch_none": ("Ingen diagrammer for dette netværk (ingen serier med mindst {threshold} personer pr. punkt).",
                "No charts for this network (no series with at least {threshold} persons per point)."),
    "ch_points_note": ("Punkter med under {threshold} personer er udeladt; Kaplan–Meier-kurver stopper, når under {threshold} personer er i risiko.",
                       "Points with fewer than {threshold} persons are left out; Kaplan–Meier curves stop when fewer than {threshold} persons are at risk."),
    "ser_adm_admissions_rate_month": ("Indlæggelser pr. 1.000 personår", "Admissions per 1,000 person-years"),
    "ser_cost_per_person_month_total": ("Udgift pr. person pr. måned (kr.)", "Cost per person-month (DKK)"),
    "ser_emp_selfsupport_share_week": ("Andel selvforsørgende", "Share self-supporting"),
    "ser_fit_mean_score": ("Gennemsnitlig FIT-score", "Mean FIT score"),
    "ser_other": ("Serie {code}", "Series {code}"),
    # methods
    "m_intro": ("Design og model for hvert mål, som effektmotoren har estimeret dem. Modelbetegnelser er tekniske og står, som motoren skriver dem.",
                "Design and model of each measure as the effects engine estimated them."),
    "m_multiple": ("p-værdier er justeret for multipel testning med Benjamini–Hochberg på tværs af de primære estimater i hvert forsøg. Vurderingerne i rapporten bygger på 95 %-konfidensintervaller uden justering; med {n} primære estimater i netværket kan enkelte \"klare\" resultater være tilfældige.",
                   "p-values are adjusted for multiple testing with Benjamini–Hochberg across the primary estimates of each experiment. The verdicts use unadjusted 95% confidence intervals; with {n} primary estimates in the network, single \"clear\" results can be due to chance."),
    "m_rows_total": ("I alt læst {read}, godkendt {staged}, i karantæne {quarantined} (heraf erstattet af nyere levering {superseded}).",
                     "In total read {read}, staged {staged}, quarantined {quarantined} (of which superseded by a newer delivery {superseded})."),
    "m_none_absent": ("Alle tabeller i datakontrakten var til stede.", "Every table of the data contract was present."),
    "m_absent_intro": ("Disse tabeller fandtes ikke i udtrækket; mål, der bygger på dem, kan ikke beregnes.",
                       "These tables were not in the extract; measures built on them cannot be computed."),
    "m_no_quarantine": ("Ingen rækker i karantæne.", "No rows in quarantine."),
    "m_effect_suppressed": ("diskretioneret", "suppressed"),
    "m_secondary_term": ("sekundært", "secondary"),
    "reason_superseded_by_followup": ("erstattet af opfølgningsleverancen", "superseded by the follow-up delivery"),
    "reason_conflict_superseded_by_followup": ("i konflikt med og erstattet af opfølgningsleverancen", "conflicting and superseded by the follow-up delivery"),
    "reason_code": ("årsagskode", "reason code"),
    # audit
    "a_intro": ("Hver indikator er beregnet af en SQL-model (dbt). Ét klik fører til modellens SQL og afstamning i dbt-dokumentationen, som ligger ved siden af rapporterne.",
                "Every indicator is computed by a SQL model (dbt). One click leads to the model's SQL and lineage in the dbt documentation shipped beside the reports."),
    "a_revision": ("Kodeversion (git)", "Code revision (git)"),
    "a_dirty": ("med ikke-committede ændringer", "with uncommitted changes"),
    "a_run": ("Kørsel", "Run"),
    "a_run_started": ("Kørsel startet", "Run started"),
    "a_threshold": ("Diskretioneringsgrænse", "Disclosure threshold"),
    "a_python": ("Python", "Python"),
    "a_renderer": ("Renderet med", "Rendered with"),
    "a_unknown": ("ukendt", "unknown"),
    # disclosure
    "d_intro": ("Tællinger af personer under {threshold} vises som \"<{threshold}\". For at de ikke kan regnes tilbage fra totaler eller forskelle mellem grupper og perioder, er yderligere celler skjult og vist som \"x\" (sekundær diskretionering). Gennemsnit, andele, rater, medianer og diagrampunkter vises kun, når de bygger på mindst {threshold} personer, og kun når antallet bag dem vises. En effekt skjules, hvis en af de værdier, den bygger på, er skjult.",
                "Counts of persons below {threshold} are shown as \"<{threshold}\". So that they cannot be recovered from totals or from differences between arms and periods, further cells are hidden and shown as \"x\" (secondary suppression). Means, shares, rates, medians and chart points are shown only when they rest on at least {threshold} persons, and only when the count behind them is shown. An effect is hidden when a value it rests on is hidden."),
    "d_summary": ("I dette netværk: {primary} tællinger under grænsen, {secondary} tællinger skjult sekundært, {effects} effekter diskretioneret (af {cells} publicerede tællinger).",
                  "In this network: {primary} counts below the threshold, {secondary} counts hidden as secondary suppression, {effects} effects suppressed (of {cells} published counts)."),
    "d_points": ("Diagrampunkter udeladt i hele kørslen (under {threshold} personer): {n}.",
                 "Chart points left out in the whole run (fewer than {threshold} persons): {n}."),
    "d_col_primary": ("Under grænsen", "Below threshold"),
    "d_col_secondary": ("Sekundært skjult", "Secondary"),
    "d_col_effects": ("Effekter skjult", "Effects suppressed"),
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    # warnings from the effects engine (patterns in WARNINGS below)
    "w_small_n": ("få personer: {what}", "small n: {what}"),
    "w_not_converged": ("{what}: modellen konvergerede ikke", "{what}: model did not converge"),
    "w_one_cluster": ("én kommune: ingen klyngerobust standardfejl", "one cluster: no cluster-robust standard error"),
    "w_or_not_identified": ("en celle har ingen hændelser eller ingen ikke-hændelser: oddsratioen er ikke identificeret",
                            "a cell has no events or no non-events: the odds ratio is not identified"),
    "w_rr_not_identified": ("en celle har ingen hændelser: rateratioen er ikke identificeret",
                            "a cell has no events: the rate ratio is not identified"),
    "w_rows_dropped": ("{n} rækker med manglende værdier udeladt", "{n} rows with missing values dropped"),
    "w_cox_failed": ("Cox-modellen kunne ikke estimeres", "Cox model could not be fitted"),
    "w_few_clusters": ("få kommuner: {what}", "few clusters: {what}"),
    "w_only_both": ("kun {a} af {b} personer observeret i begge perioder: perioderne sammenlignet som kohorter",
                    "only {a} of {b} persons observed in both periods: periods compared as cohorts"),
    "w_left_out": ("{n} personer, der ikke er observeret i begge perioder, er udeladt af den parrede sammenligning",
                   "{n} persons not observed in both periods left out of the paired comparison"),
    "w_no_cf": ("før/efter-sammenligning uden sammenligningsgruppe: intet kontrafaktisk forløb, ikke et effektestimat",
                "before/after comparison without a comparison group: no counterfactual, not an effect estimate"),
    "w_few_munis": ("{n} kommuner (< 10): standardfejl på personniveau, som ser bort fra stød på kommuneniveau",
                    "{n} municipalities (< 10): person-level standard errors, which ignore municipality-level shocks"),
    "w_crve_narrow": ("KI fra den klyngerobuste t(G−1) og kan være for smalt", "CI from the cluster-robust t(G−1) and may be too narrow"),
    "w_per_dkk": ("effekt pr. 1.000 kr.: KI for udgiftsforskellen indeholder 0, så forholdet er ustabilt",
                  "effect per 1,000 DKK: the cost difference's CI includes 0, so the ratio is unstable"),
    "w_untranslated": ("besked fra effektmotoren (engelsk): {text}", "message from the effects engine: {text}"),
}

# Units of seed measure_definitions.unit (English) -> key.
UNITS: dict[str, tuple[str, str]] = {
    "stays": ("ophold", "stays"),
    "admissions": ("indlæggelser", "admissions"),
    "bed-days": ("sengedage", "bed-days"),
    "share of index admissions": ("andel af indlæggelser", "share of index admissions"),
    "share of persons": ("andel af personer", "share of persons"),
    "share of weeks": ("andel af uger", "share of weeks"),
    "weeks": ("uger", "weeks"),
    "full-time persons": ("fuldtidspersoner", "full-time persons"),
    "days": ("dage", "days"),
    "share of cases": ("andel af sager", "share of cases"),
    "sessions": ("sessioner", "sessions"),
    "ORS points (0-40)": ("ORS-point (0–40)", "ORS points (0–40)"),
    "ORS points": ("ORS-point", "ORS points"),
    "share of sessions": ("andel af sessioner", "share of sessions"),
    "DKK per person-month": ("kr. pr. person pr. måned", "DKK per person-month"),
    "share of scale maximum": ("andel af skalaens maksimum", "share of scale maximum"),
    "percent of scale maximum (0-100)": ("procent af skalaens maksimum (0–100)", "percent of scale maximum (0–100)"),
}

# Catalogue seed indicators.not_computable_reason (English) -> (da, en).
NC_REASONS: dict[str, tuple[str, str]] = {
    "no registry extract in the data contract": ("intet registerudtræk i datakontrakten", "no registry extract in the data contract"),
    "interviews / qualitative evaluation": ("interviews / kvalitativ evaluering", "interviews / qualitative evaluation"),
    "time registration: no registry extract in the data contract": (
        "tidsregistrering: intet registerudtræk i datakontrakten", "time registration: no registry extract in the data contract"),
    "business register / project records: no registry extract in the data contract": (
        "virksomhedsregister / projektdata: intet registerudtræk i datakontrakten",
        "business register / project records: no registry extract in the data contract"),
    "case audits (qualitative)": ("sagsgennemgange (kvalitative)", "case audits (qualitative)"),
    "no_estimate": ("ingen estimation (for få data eller modellen kunne ikke estimeres)",
                    "no estimate (too little data or the model could not be fitted)"),
}

# Parts of a stratum code (FIT: respondent|instrument; experience: respondent type; cost: category).
STRATA: dict[str, tuple[str, str]] = {
    "citizen": ("borger", "citizen"), "total": ("i alt", "total"), "staff": ("medarbejder", "staff"),
    "relative": ("pårørende", "relative"), "parent": ("forælder", "parent"), "child": ("barn", "child"),
    "adult": ("voksen", "adult"), "youth": ("ung", "youth"),
}

N = r"((?:<|≈)?\d+)"  # a count as data.py publishes it: "<T" or rounded "≈80" (disclosure control)
WARNINGS = [
    (re.compile(rf"^only {N} of {N} persons observed in both periods: periods compared as cohorts$"), "w_only_both",
     ("a", "b")),
    (re.compile(rf"^{N} persons not observed in both periods left out of the paired comparison$"), "w_left_out", ("n",)),
    (re.compile(r"^before/after comparison without a comparison group: no counterfactual, not an effect estimate$"),
     "w_no_cf", ()),
    (re.compile(rf"^{N} municipalities \(< 10\): person-level standard errors, which ignore municipality-level shocks$"),
     "w_few_munis", ("n",)),
    (re.compile(r"^CI from the cluster-robust t\(G.1\) and may be too narrow$"), "w_crve_narrow", ()),
    (re.compile(r"^effect per 1,000 DKK: the cost difference's CI includes 0, so the ratio is unstable$"), "w_per_dkk", ()),
    (re.compile(r"^small n: (.+)$"), "w_small_n", ("what",)),
    (re.compile(r"^(.+): model did not converge$"), "w_not_converged", ("what",)),
    (re.compile(r"^one cluster: no cluster-robust standard error$"), "w_one_cluster", ()),
    (re.compile(r"no events or no non-events.*odds ratio is not identified$"), "w_or_not_identified", ()),
    (re.compile(r"has no events: the rate ratio is not identified$|^no events in a period: the rate ratio"),
     "w_rr_not_identified", ()),
    (re.compile(rf"^{N} rows with missing values dropped$"), "w_rows_dropped", ("n",)),
    (re.compile(r"^Cox model could not be fitted"), "w_cox_failed", ()),
    (re.compile(r"^few clusters \((.+)\)$|^few clusters: (.+)$"), "w_few_clusters", ("what",)),
]


def t(key: str, lang: str, **fields) -> str:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {LANGS}")
    da, en = TEXT[key]
    text = da if lang == "da" else en
    return text.format(**fields) if fields else text


def has(key: str) -> bool:
    return key in TEXT


def unit(text, lang: str) -> str:
    if not isinstance(text, str) or not text:
        return ""
    pair = UNITS.get(text)
    return (pair[0] if lang == "da" else pair[1]) if pair else text


def reason(text, lang: str) -> tuple[str, bool]:
    """A not-computable reason from the catalogue in the language; (text, translated?)."""
    pair = NC_REASONS.get(text if isinstance(text, str) else "no_estimate")
    if pair:
        return (pair[0] if lang == "da" else pair[1]), True
    return str(text), lang == "en"


def stratum(code, lang: str) -> str:
    """FIT 'child|CORS' -> 'barn · CORS'; unknown parts (instruments, cost categories) stay as codes."""
    if not isinstance(code, str) or not code:
        return ""
    parts = []
    for p in code.split("|"):
        pair = STRATA.get(p)
        parts.append((pair[0] if lang == "da" else pair[1]) if pair else p)
    return " · ".join(parts)


def warning(text: str, lang: str) -> tuple[str, bool]:
    """Translate one engine warning; returns (text, translated?)."""
    text = text.strip()
    for pattern, key, names in WARNINGS:
        m = pattern.search(text)
        if m:
            groups = [g for g in m.groups() if g is not None]
            return t(key, lang, **dict(zip(names, groups))), True
    return t("w_untranslated", lang, text=text), False


def number(x, lang: str, digits: int = 1, sign: bool = False) -> str:
    """Format a number for the language; '–' for a missing value."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "–"
    s = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    if lang == "da":
        s = s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return s.replace("-", "−")


def check_complete() -> list[str]:
    """Keys whose Danish or English text is empty (should be none)."""
    bad = [k for k, (da, en) in TEXT.items() if not da.strip() or not en.strip()]
    for name, table in (("unit", UNITS), ("reason", NC_REASONS), ("stratum", STRATA)):
        bad += [f"{name}:{k}" for k, (da, en) in table.items() if not da.strip() or not en.strip()]
    return bad
