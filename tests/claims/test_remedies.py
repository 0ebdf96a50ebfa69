"""Claim tests for section 7 of the Vanishing gradients page, "The remedies, measured side by side".

The page reads the shipped grid (rnn_core/compare/results/remedies.csv, written by regenerate_remedies.sh: nine
remedies × seeds 0–4 on the adding problem at length 100, 2,000 steps each, about 15 minutes of one core) and says
what it shows through :func:`rnn_core.compare.remedies.findings`, so every sentence is read off the rows. These
tests check that the rows are complete, that every verdict holds with a margin (no seed sits near a threshold,
so the sentences would not flip on a slightly different run), the sentences that hold whatever the rows say
(the intro's premise, truncation's cut), and that a live run replays a shipped row (the GRU on seed 0, the
cheapest: about 10–20 s of one core) within the tolerances stated below.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

from rnn_core.compare.experiments import TaskModel
from rnn_core.compare.remedies import (AT_BASELINE, HEALTHY_RATIO, REMEDIES, REMEDY_LENGTH, SECOND_ONLY, SOLVED,
                                       TRUNCATE_STEPS, findings, load, run_remedy, spec_for, summarise)
from rnn_core.data.tasks import get_task

SEEDS = (0, 1, 2, 3, 4)
ROWS = load()
SUMMARY = {s.key: s for s in summarise(ROWS)}
ADDING = Path(__file__).resolve().parents[2] / "rnn_core" / "compare" / "results" / "adding.csv"
# Margins around the verdicts' thresholds, on the test MSE as a share of the no-memory MSE: learned at 5 % or less
# (a seed must be at half that or twice that), at the baseline from 80 % (a seed must be 10 points away).
LEARNED_FACTOR, MSE_MARGIN = 2.0, 0.1
# A live run against its shipped row (other CPU kernels round differently): accuracy within 0.03 of it, the same
# verdict, and for a solved network a ratio within a factor of 10 (measured on 2026-12-05: accuracy 0.971,
# ratio 0.373, 650 steps under avx512, avx2 and default alike, the shipped row's figures exactly).
LIVE_ACCURACY, LIVE_RATIO_FACTOR = 0.03, 10.0


def test_the_shipped_grid_holds_every_remedy_on_seeds_0_to_4_at_length_100():
    assert {(r["remedy"], r["seed"]) for r in ROWS} == {(r.key, s) for r in REMEDIES for s in SEEDS}
    assert all(r["length"] == REMEDY_LENGTH and r["stop_reason"] in ("finished", "solved") for r in ROWS)
    assert all(math.isfinite(r["ratio"]) and math.isfinite(r["ratio_init"]) for r in ROWS)


def test_the_premise_the_compare_grid_has_the_tanh_rnn_at_the_baseline_at_length_100():
    with ADDING.open(newline="") as f:
        rnn = [r for r in csv.DictReader(f) if r["cell"] == "rnn" and int(r["length"]) == REMEDY_LENGTH]
    assert {int(r["seed"]) for r in rnn} == set(SEEDS)
    for r in rnn:   # the no-memory MSE is about 1/6 (0.167); the accuracy within twice the no-memory 0.078
        assert float(r["loss"]) >= 0.5 * (1 / 6) and float(r["accuracy"]) < 2 * float(r["baseline"])


@pytest.mark.parametrize("key", [r.key for r in REMEDIES])
def test_every_verdict_holds_with_a_margin(key):
    """No seed sits near a threshold: each seed is clearly solved, clearly at the baseline, or clearly between."""
    s = SUMMARY[key]
    for mse in s.mse:
        share = mse / s.baseline_mse
        assert share <= SOLVED / LEARNED_FACTOR or share >= SOLVED * LEARNED_FACTOR, (key, mse)
        assert abs(share - AT_BASELINE) >= MSE_MARGIN, (key, mse)


def test_clipping_does_not_rescue_the_vanishing_gradient():
    """'Clipping only shortens gradients that are too long … the same outcome as the reference.'"""
    ref, clip = SUMMARY["tanh"], SUMMARY["clipping"]
    assert ref.at_baseline == len(SEEDS) and clip.shares == ref.shares
    assert any("the same outcome as the reference" in line for line in findings(ROWS))


def test_truncation_cuts_the_gradient_to_the_last_k_steps_by_design():
    """'no gradient ever reaches the first marked number (50 or more steps back)'."""
    task = get_task("adding")
    spec = spec_for("truncated")
    torch.manual_seed(0)
    model = TaskModel(task, "rnn", spec.hidden, truncate=spec.truncate)
    x, y = task.batch(16, REMEDY_LENGTH, torch.Generator().manual_seed(5))
    x = x.clone().requires_grad_(True)
    model.loss(model(x), y).backward()
    assert float(x.grad[:, :REMEDY_LENGTH - TRUNCATE_STEPS].abs().sum()) == 0.0
    first_marker = x.detach()[:, :, 1].argmax(dim=1)
    assert int(first_marker.max()) < REMEDY_LENGTH // 2 <= REMEDY_LENGTH - TRUNCATE_STEPS
    s = SUMMARY["truncated"]
    assert s.solved == 0 and min(s.mse) >= SOLVED * LEARNED_FACTOR * s.baseline_mse


def test_the_conditional_sentences_hold_with_a_margin():
    """The sentences findings() adds only when the rows bear them out are said with room to spare."""
    lines = " ".join(findings(ROWS))
    s = SUMMARY["truncated"]
    if "sits near 1/12" in lines:
        assert s.learned_mse and all(abs(m - SECOND_ONLY) <= 0.2 * SECOND_ONLY for m in s.learned_mse)
    for key, summary in SUMMARY.items():
        if summary.cell == "rnn" and summary.solved == 0 and summary.ratio_range()[0] >= HEALTHY_RATIO:
            assert summary.ratio_range()[0] >= 5 * HEALTHY_RATIO, key     # 'its gradient does reach step 0'


def test_the_initialisations_start_with_far_more_gradient_at_step_0_and_training_lowers_it():
    """'At the start its ratio is … against the reference's …' (orthogonal and IRNN far above the reference, a
    million times at least) and, where said, 'Training lowers it again, on every seed by a factor of N or more'."""
    ref = SUMMARY["tanh"]
    lines = findings(ROWS)
    for key in ("orthogonal", "irnn"):
        s = SUMMARY[key]
        assert s.ratio_range(at_init=True)[0] >= 1e6 * ref.ratio_range(at_init=True)[1]
        line = next(line for line in lines if line.startswith(f"**{s.label}**"))
        if "Training lowers it again" in line:
            assert all(after * 2 < start for after, start in zip(s.ratio, s.ratio_init))


def test_one_live_seed_replays_its_shipped_row():
    shipped = next(r for r in ROWS if r["remedy"] == "gru" and r["seed"] == 0)
    live = run_remedy("gru", 0)
    assert abs(live["accuracy"] - shipped["accuracy"]) <= LIVE_ACCURACY, (live, shipped)
    verdict = lambda r: (r["loss"] <= SOLVED * r["baseline_mse"], r["loss"] >= AT_BASELINE * r["baseline_mse"])  # noqa: E731
    assert verdict(live) == verdict(shipped)
    assert shipped["ratio"] / LIVE_RATIO_FACTOR <= live["ratio"] <= shipped["ratio"] * LIVE_RATIO_FACTOR
