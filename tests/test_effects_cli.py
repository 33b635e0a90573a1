"""`frieval estimate`: JSON shape, every design, one-line errors with exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(1)
    n = 600
    g = rng.integers(0, 20, n)
    t = (g < 8).astype(int)
    p = rng.integers(0, 2, n)
    d = pd.DataFrame(dict(kommune=g, treated=t, post=p,
                          y=2 + t + p + 1.5 * t * p + rng.normal(0, 1, n),
                          b=(rng.random(n) < 0.3 + 0.2 * t * p).astype(int),
                          e=rng.uniform(0.5, 1, n), age=rng.normal(50, 10, n),
                          before=rng.normal(10, 2, n)))
    d["c"] = rng.poisson(d.e * np.exp(0.2 + 0.4 * t * p))
    d["after"] = d.before + 1 + rng.normal(0, 1, n)
    d["dur"] = np.ceil(rng.exponential(100, n))
    d["ev"] = (d.dur < 150).astype(int)
    d["dur"] = d.dur.clip(upper=150)
    d["word"] = "x"
    d["one"] = 1
    d["ev0"] = 0
    path = tmp_path_factory.mktemp("cli") / "d.csv"
    d.to_csv(path, index=False)
    m = pd.DataFrame({"month": np.arange(36), "post": (np.arange(36) >= 18).astype(int)})
    m["y"] = 50 + 0.2 * m.month + 5 * m.post + rng.normal(0, 1, 36)
    m["pop"] = 10000
    m["cnt"] = rng.poisson(m["pop"] * 0.01 * np.exp(0.2 * m.post))
    series = path.parent / "m.parquet"
    m.to_parquet(series)
    return path, series


DESIGNS = {
    "paired": ["--before", "before", "--after", "after"],
    "did": ["--outcome", "y", "--treated", "treated", "--post", "post", "--cluster", "kommune"],
    "binary": ["--outcome", "b", "--treated", "treated", "--post", "post", "--covariates", "age"],
    "count": ["--outcome", "c", "--exposure", "e", "--treated", "treated", "--post", "post"],
    "survival": ["--duration", "dur", "--event", "ev", "--group", "treated", "--covariates", "age"],
}


@pytest.mark.parametrize("design", list(DESIGNS))
def test_each_design_json(data, design, capsys):
    path, _ = data
    assert main(["estimate", str(path), "--design", design, "--json", "--bootstrap", "199", *DESIGNS[design]]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"design", "method", "n", "effect", "terms", "warnings"} <= set(out)
    assert set(out["effect"]) == {"term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "ratio"}
    assert out["effect"]["ci_low"] < out["effect"]["estimate"] < out["effect"]["ci_high"]
    assert out["n"] == 600
    if design in {"binary", "count", "survival"}:
        assert out["effect"]["ratio"] == pytest.approx(np.exp(out["effect"]["estimate"]))
    else:
        assert out["effect"]["ratio"] is None
    if design == "binary":
        assert any(t["term"] == "risk_difference" for t in out["terms"])
    if design == "did":  # 8 treated clusters: the wild bootstrap p-value is reported
        assert any("wild cluster" in w for w in out["warnings"])
        assert out["effect"]["term"] == "treated:post"
        assert out["effect"]["estimate"] == pytest.approx(1.5, abs=0.5)


def test_its_poisson_and_gaussian(data, capsys):
    _, series = data
    assert main(["estimate", str(series), "--design", "its", "--outcome", "y", "--time", "month", "--post", "post",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["effect"]["term"] == "level_change"
    assert out["effect"]["ci_low"] < 5 < out["effect"]["ci_high"]
    assert main(["estimate", str(series), "--design", "its", "--outcome", "cnt", "--time", "month", "--post", "post",
                 "--family", "poisson", "--offset", "pop", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["effect"]["ratio"] == pytest.approx(np.exp(out["effect"]["estimate"]))


def test_table_output(data, capsys):
    path, _ = data
    assert main(["estimate", str(path), "--design", "paired", "--before", "before", "--after", "after"]) == 0
    out = capsys.readouterr().out
    assert "after_minus_before" in out and "paired" in out


BAD = [
    (["--design", "did", "--outcome", "nope", "--treated", "treated", "--post", "post"], "'nope' not found"),
    (["--design", "did", "--outcome", "word", "--treated", "treated", "--post", "post"], "must be numeric"),
    (["--design", "did", "--outcome", "y", "--treated", "one", "--post", "post"], "one level"),
    (["--design", "survival", "--duration", "dur", "--event", "ev0", "--group", "treated"], "censored"),
    (["--design", "survival", "--duration", "dur", "--event", "ev", "--group", "one"], "one level"),
    (["--design", "count", "--outcome", "c", "--treated", "treated", "--post", "post"], "--exposure"),
    (["--design", "binary", "--outcome", "y", "--treated", "treated", "--post", "post"], "0/1"),
]


@pytest.mark.parametrize("args,needle", BAD)
def test_bad_input_one_line_exit_2(data, args, needle, capsys):
    path, _ = data
    assert main(["estimate", str(path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("frieval: error:")
    assert needle in err


def test_missing_file(tmp_path, capsys):
    assert main(["estimate", str(tmp_path / "x.csv"), "--design", "paired", "--before", "a", "--after", "b"]) == 2
    assert "not found" in capsys.readouterr().err
