"""Claim tests for the Translate page: every outcome sentence it shows, with its defaults, seeds 0 to 4.

Training six date translators or the whole length grid takes many minutes, so the sentences are checked on the
shipped results (``rnn_core/translate/results/translate_*.csv``, written by ``regenerate_translate.sh`` with the page's
defaults), computed here independently of the page's own sentence builders, plus live replays of one seed that
show the shipped numbers are what the page's Train and Run live give.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from rnn_core.translate.shipped import shipped_results
from rnn_core.translate.figures import budget_finding, dates_finding, length_finding
from rnn_core.translate.model import (BUDGET_LENGTH, DATE_DEFAULTS, LARGER_BUDGET, LENGTHS, REVERSE_DEFAULTS,
                                      LengthSpec, bottleneck_length, train_translator)

SEEDS = (0, 1, 2, 3, 4)


def rows(kind: str) -> list[dict]:
    found = shipped_results(kind)
    assert found is not None, f"rnn_core/translate/results/translate_{kind}.csv is missing: run regenerate_translate.sh"
    return found[0]


def curves(kind: str) -> list[dict]:
    return shipped_results(kind)[1]


def pick(table: list[dict], model: str, seed: int, length: int | None = None) -> dict:
    found = [r for r in table if r["model"] == model and r["seed"] == seed and (length is None or r["length"] == length)]
    assert len(found) == 1, (model, seed, length)
    return found[0]


def test_the_shipped_date_runs_are_the_page_defaults_on_seeds_0_to_4():
    table = rows("dates")
    assert sorted((r["model"], r["seed"]) for r in table) == sorted((m, s) for m in ("attention", "plain")
                                                                    for s in SEEDS)
    assert all(r["steps"] == DATE_DEFAULTS.max_steps for r in table)


@pytest.mark.parametrize("seed", SEEDS)
def test_dates_with_attention_at_least_98_percent_and_without_fewer_but_learning(seed):
    """"After 800 steps (seeds 0, 1, 2, 3, 4), the translator with attention writes … of the held-out dates exactly
    right; without attention, trained just as long, …. Both learn; the one that can look back at the input learns
    faster.\" (the target: ≥ 0.98 with attention, on every seed)"""
    table = rows("dates")
    att, plain = pick(table, "attention", seed), pick(table, "plain", seed)
    assert att["exact_match"] >= 0.98
    assert 0.3 <= plain["exact_match"] < att["exact_match"]           # both learn; attention gets further
    first = lambda model: min((c["step"] for c in curves("dates") if c["model"] == model and c["seed"] == seed
                               and c["val_exact"] >= 0.3), default=10 ** 9)
    assert first("attention") < first("plain")                          # ... and gets there sooner
    assert "Both learn; the one that can look back at the input learns faster." in dates_finding(table)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_month_digits_look_at_the_months_name(seed):
    """Attention map: "the month's two digits look at the letters of the month's name\""""
    assert pick(rows("dates"), "attention", seed)["month_on_month_name"] >= 0.5


def test_training_the_defaults_replays_the_shipped_date_run_with_attention():
    """"Train both" with the defaults and seed 0 gives the shipped run (one live seed)."""
    run = train_translator(replace(DATE_DEFAULTS, seed=0))
    shipped = pick(rows("dates"), "attention", 0)
    assert run.metrics["steps"] == shipped["steps"]
    assert run.metrics["exact_match"] == pytest.approx(shipped["exact_match"], abs=0.003)
    assert run.metrics["exact_match"] >= 0.98
    assert run.metrics["month_on_month_name"] >= 0.5


def test_the_shipped_length_grid_is_the_page_defaults():
    table = rows("reverse")
    assert sorted({r["length"] for r in table}) == list(LENGTHS)
    assert len(table) == 2 * len(LENGTHS) * len(SEEDS)
    assert all(r["steps"] <= REVERSE_DEFAULTS.max_steps for r in table)


@pytest.mark.parametrize("seed", SEEDS)
def test_without_attention_exact_match_falls_with_length_with_attention_it_holds(seed):
    """"Without attention exact match falls as the sequences grow: …% of 5-letter sequences reversed right, …% at
    30 letters. With attention it holds: at least …% at every length, on every seed.\""""
    table = rows("reverse")
    plain = [pick(table, "plain", seed, n)["exact_match"] for n in LENGTHS]
    assert plain[0] >= 0.9 and plain[-1] <= 0.05
    assert all(a >= b for a, b in zip(plain, plain[1:])), plain          # falls, length after length
    assert all(pick(table, "attention", seed, n)["exact_match"] >= 0.9 for n in LENGTHS)
    assert "falls as the sequences grow" in length_finding(table, bottleneck_length(table))
    assert "**At an equal budget** (at most 600 steps per model" in length_finding(table, bottleneck_length(table))


def test_from_15_letters_on_attention_solves_at_least_90_percent_and_without_at_most_30():
    """"From 15 letters on, every seed with attention reverses at least 90% of the sequences and every seed
    without at most 30%.\" (the target: a length where, on every seed, ≥ 0.90 with attention, ≤ 0.30 without)"""
    table = rows("reverse")
    length = bottleneck_length(table)
    assert length is not None and length <= 20
    for n in (n for n in LENGTHS if n >= length):
        for seed in SEEDS:
            assert pick(table, "attention", seed, n)["exact_match"] >= 0.9
            assert pick(table, "plain", seed, n)["exact_match"] <= 0.3
    assert f"From {length} letters on" in length_finding(table, length)


def test_each_attention_run_of_the_grid_is_solved_within_its_budget():
    """The target's "within 60 s per model", as a step budget: every model with attention stops, solved, within
    600 steps (the longest, 30 letters, needs 400-450; measured at 9-15 steps/s on one thread with the 2-core box's
    load average at 1.5-3, i.e. 30-50 s; see benchmarks/translate_quality.py)."""
    table = rows("reverse")
    assert all(r["stop_reason"] == "solved" for r in table if r["model"] == "attention")


def test_run_live_with_the_page_defaults_replays_a_shipped_point():
    """"On the machine that made them, any point replays step for step under Run live (its length and budget, its
    seed as the first seed, 1 seed); another CPU rounds differently and can end a run a few evaluations earlier or
    later." Checked as another CPU would: the same ending, within two evaluations (100 steps), and an exact match
    within 3 points (measured on an AVX-512 box: attention solved at 300 steps against the shipped 350)."""
    from rnn_core.translate.model import run_length_grid
    spec = LengthSpec(lengths=(20,), seeds=1, first_seed=0)
    for row in run_length_grid(spec):
        shipped = pick(rows("reverse"), row["model"], 0, 20)
        assert row["stop_reason"] == shipped["stop_reason"] and abs(row["steps"] - shipped["steps"]) <= 100
        assert row["exact_match"] == pytest.approx(shipped["exact_match"], abs=0.03)


# --- what more steps buy: the longer runs (translate_budget.csv) ------------------------------------------------

def test_the_shipped_longer_runs_are_the_defaults_with_five_times_the_budget():
    table = rows("budget")
    assert {int(r["length"]) for r in table} == {BUDGET_LENGTH}
    assert {int(r["budget"]) for r in table} == {LARGER_BUDGET} == {5 * REVERSE_DEFAULTS.max_steps}
    assert {int(r["seed"]) for r in table if r["model"] == "attention"} == {0, 1, 2, 3, 4}
    assert {int(r["seed"]) for r in table if r["model"] == "plain"} >= {0, 1}


def test_without_attention_more_steps_buy_a_model_that_reverses_15_letters():
    """"without attention the model does learn, slowly. At step 600 of this longer run it reverses …% of the
    validation sequences; after 3,000 steps, …% of the test ones." (every shipped seed: at most 5 % at step 600,
    at least 30 % after 3,000)"""
    table, found = rows("budget"), curves("budget")
    text = budget_finding(table, found, REVERSE_DEFAULTS.max_steps)
    assert "without attention** the model does learn, slowly" in text
    for r in (r for r in table if r["model"] == "plain"):
        at_equal = [c["val_exact"] for c in found if c["model"] == "plain" and c["seed"] == r["seed"]
                    and c["step"] == REVERSE_DEFAULTS.max_steps]
        assert at_equal and at_equal[0] <= 0.05
        assert r["exact_match"] >= 0.30 and r["steps"] == LARGER_BUDGET


def test_with_attention_every_seed_is_solved_within_the_equal_budget():
    """"With attention every seed is solved (98% of the validation sequences) within … steps." (within 600 steps,
    the budget of the first chart: the longer budget buys attention nothing)"""
    table = rows("budget")
    attention = [r for r in table if r["model"] == "attention"]
    assert all(r["stop_reason"] == "solved" and r["steps"] <= REVERSE_DEFAULTS.max_steps for r in attention)
    assert all(r["exact_match"] >= 0.95 for r in attention)
    assert "**With attention** every seed is solved" in budget_finding(table, curves("budget"),
                                                                       REVERSE_DEFAULTS.max_steps)


def test_one_live_seed_of_the_longer_runs_replays_with_attention():
    """One live seed: attention at 15 letters with a 3,000-step budget, seed 0, as Run live trains it."""
    from rnn_core.translate.model import run_length_grid
    spec = LengthSpec(lengths=(BUDGET_LENGTH,), models=("attention",), seeds=1, first_seed=0,
                      base=replace(REVERSE_DEFAULTS, max_steps=LARGER_BUDGET))
    [row] = run_length_grid(spec)
    shipped = pick(rows("budget"), "attention", 0, BUDGET_LENGTH)
    assert row["stop_reason"] == "solved" and row["steps"] <= REVERSE_DEFAULTS.max_steps
    assert abs(row["steps"] - shipped["steps"]) <= 100          # another CPU may solve an evaluation or two apart


@pytest.mark.slow
def test_one_live_seed_of_the_longer_runs_replays_without_attention():
    """One live seed without attention: 3,000 steps at 15 letters (about 100 s on a quiet core)."""
    run = train_translator(replace(REVERSE_DEFAULTS, attention=False, length=BUDGET_LENGTH, max_steps=LARGER_BUDGET,
                                   seed=0))
    assert run.metrics["exact_match"] >= 0.30
    assert run.metrics["exact_match"] == pytest.approx(pick(rows("budget"), "plain", 0, BUDGET_LENGTH)["exact_match"],
                                                       abs=0.15)
