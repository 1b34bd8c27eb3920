"""`TANHUI_FAULTS=… make run` (infra/local/run.py): the faults of the spec are on once the stack
runs, its banner says which, and a spec that does not parse stops it before anything starts."""

from __future__ import annotations

import pytest

from infra.local import run


def test_given_a_fault_spec_when_make_run_reads_it_then_the_banner_names_each_rate(monkeypatch):
    monkeypatch.setenv("TANHUI_FAULTS", "conflict:0.2,throttle:0.05,lost_reply:0.02")
    rates = run._faults_from_env()
    assert rates == {"conflict": 0.2, "throttle": 0.05, "lost_reply": 0.02}
    assert run.faults_line(rates) == (
        "conflict 20%, throttle 5%, lost_reply 2% of the calls that can take them (TANHUI_FAULTS)"
    )
    assert run.faults_line({}).startswith("none (TANHUI_FAULTS=")


def test_given_a_spec_that_does_not_parse_when_make_run_starts_then_it_stops_saying_why(monkeypatch):
    monkeypatch.setenv("TANHUI_FAULTS", "conflict:0.2,earthquake:1")
    with pytest.raises(SystemExit) as stopped:
        run.main([])
    assert "unknown fault 'earthquake'" in str(stopped.value)
