"""The output folder's lock and atomic publication (issue 7: crash safety, concurrency)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pipeline import outdir
from pipeline.errors import FrievalError


def _fake_run(out, run_id, content):
    run_dir = outdir.new_run_dir(out, run_id)
    (run_dir / "reports").mkdir()
    (run_dir / "reports" / "index.html").write_text(content)
    (run_dir / "manifest.json").write_text(json.dumps({"run_id": run_id}))
    return run_dir


def test_publish_switches_current_and_keeps_fixed_links(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    first = _fake_run(out, "r1", "one")
    outdir.publish(out, first, ("reports", "manifest.json"))
    assert (out / "reports" / "index.html").read_text() == "one"
    second = _fake_run(out, "r2", "two")
    # Before publication the reader still sees the first run.
    assert (out / "reports" / "index.html").read_text() == "one"
    outdir.publish(out, second, ("reports", "manifest.json"))
    assert (out / "reports" / "index.html").read_text() == "two"
    assert json.loads((out / "manifest.json").read_text())["run_id"] == "r2"
    assert not first.exists(), "the previous run is dropped after the switch"


def test_leftovers_of_killed_runs_are_cleaned_but_published_run_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    done = _fake_run(out, "r1", "one")
    outdir.publish(out, done, ("reports",))
    _fake_run(out, "r2-killed", "half")
    removed = outdir.clean_leftovers(out)
    assert removed == ["r2-killed"]
    assert (out / "reports" / "index.html").read_text() == "one"


def test_refuses_to_replace_a_foreign_file(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "reports").mkdir()  # a user's own folder, not frieval's link
    run = _fake_run(out, "r1", "one")
    with pytest.raises(FrievalError, match="not frieval's link"):
        outdir.publish(out, run, ("reports",))


def test_second_run_is_refused_with_the_holder_named(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pipeline.outdir import OutputLock
            with OutputLock({str(out)!r}, "holder-run"):
                print("locked", flush=True)
                time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FrievalError) as err:
            with outdir.OutputLock(out, "second"):
                pass
        msg = str(err.value)
        assert f"pid {holder.pid}" in msg and "holder-run" in msg
        assert "\n" not in msg
    finally:
        holder.kill()
        holder.wait()
    # The holder died without unlocking (SIGKILL): its stale lock must not block.
    with outdir.OutputLock(out, "third"):
        pass
