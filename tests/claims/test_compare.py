"""Claim tests for the Compare page: every outcome sentence it shows, on the shipped grids, seeds 0 to 4.

The page opens on the precomputed grids (``rnn_core/compare/results``, made with the page's defaults): each task's
result sentence comes from ``rnn_core.compare.shipped.finding`` and the forget-gate lesson from ``bias_finding``; their
numbers are read from the grid, so these tests check the words around them ("at the no-memory line", "hold on",
"never faster") against the grid, computed here independently, for each of the seeds 0 to 4. Training a
whole grid takes many minutes, so the claims are checked on the shipped runs, plus live replays of shipped runs
from the page's defaults (``PAGE_SPEC``, the grid the page's Run live starts from) to show that the shipped numbers
are what the page's Run live gives.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dataclasses import replace

from rnn_core.compare.experiments import PAGE_SPEC, TASK_LR, run_one
from rnn_core.compare.shipped import bias_finding, finding, load_shipped
from rnn_core.data.tasks import get_task
from rnn_core.workshop import STEPS

SEEDS = (0, 1, 2, 3, 4)
NEAR_LINE = 0.04      # "at or just above the no-memory line": within 4 points of a model without memory
NEAR_CHANCE_4 = 0.05  # the same for temporal order's 4 classes, whose 1,000 test sequences scatter more (a model
                      # that favours one class lands a few points under 25 %)


def grid(task: str) -> pd.DataFrame:
    found = load_shipped(task)
    assert found is not None, f"no shipped grid for {task}"
    return found[0]


def acc(frame: pd.DataFrame, cell: str, length: int, seed: int) -> float:
    picked = frame[(frame["cell"] == cell) & (frame["length"] == length) & (frame["seed"] == seed)]
    assert len(picked) == 1, (cell, length, seed)
    return float(picked["accuracy"].iloc[0])


def steps(frame: pd.DataFrame, cell: str, length: int, seed: int) -> int:
    picked = frame[(frame["cell"] == cell) & (frame["length"] == length) & (frame["seed"] == seed)]
    return int(picked["steps"].iloc[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_adding_rnn_solves_length_10_then_sits_on_the_no_memory_line_while_lstm_and_gru_hold(seed):
    """"the RNN solves 90–96 % of sequences at length 10, but from length 50 on it stays at or just above the
    no-memory line (6–11 % vs 7.8 %). The GRU solves 97–99 % at 100 and 200; the LSTM 92–98 % at 100 and 74–97 %
    at 200, its worst seed (3) at 74 %, the other four at 92–97 %.\""""
    g, base = grid("adding"), get_task("adding").baseline
    assert acc(g, "rnn", 10, seed) >= 0.9
    for n in (50, 100, 200):
        assert abs(acc(g, "rnn", n, seed) - base) <= NEAR_LINE, n
    assert acc(g, "gru", 100, seed) >= 0.95 and acc(g, "gru", 200, seed) >= 0.95
    assert acc(g, "lstm", 100, seed) >= 0.9 and acc(g, "lstm", 200, seed) >= 0.7   # far above the line


def test_the_adding_sentence_quotes_the_grid():
    g = grid("adding")
    text = finding("adding", g)
    gru = [acc(g, "gru", n, s) for n in (100, 200) for s in SEEDS]
    lstm_200 = sorted((acc(g, "lstm", 200, s), s) for s in SEEDS)
    assert "at or just above the no-memory line" in text
    assert f"The GRU solves {100 * min(gru):.0f}–{100 * max(gru):.0f} % at 100 and 200" in text
    assert f"its worst seed ({lstm_200[0][1]}) at {100 * lstm_200[0][0]:.0f} %" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_first_symbol_rnn_carries_25_mostly_50_then_falls_while_the_gru_solves_every_length(seed):
    """"the RNN carries the first symbol across 25 steps (100 %) and mostly across 50 (82–100 %), but at 100 and
    200 it gets only 0–59 %, nine of ten runs under 40 % (chance: 6.2 %). The GRU solves every length up to 200
    (100 %); the LSTM every length up to 100 (99–100 %) and 87–100 % at 200.\""""
    g = grid("first-symbol")
    assert acc(g, "rnn", 25, seed) >= 0.98 and acc(g, "rnn", 50, seed) >= 0.8
    assert acc(g, "rnn", 100, seed) < 0.65 and acc(g, "rnn", 200, seed) < 0.65
    for n in (10, 25, 50, 100, 200):
        assert acc(g, "gru", n, seed) >= 0.98, n
        assert acc(g, "lstm", n, seed) >= (0.98 if n <= 100 else 0.85), n


def test_the_first_symbol_sentence_quotes_the_grid():
    g = grid("first-symbol")
    text = finding("first-symbol", g)
    far = [acc(g, "rnn", n, s) for n in (100, 200) for s in SEEDS]
    assert "across 25 steps (100 %)" in text and "chance: 6.2 %" in text
    assert sum(a < 0.4 for a in far) >= len(far) - 2          # "only": most runs far down
    if max(far) >= 0.4:
        words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        assert f"{words[sum(a < 0.4 for a in far)]} of {words[len(far)]} runs under 40 %" in text


def test_forget_bias_0_is_a_modest_handicap_slower_at_50_similar_at_100_worse_worst_seed_at_200():
    """"Up to length 25 both LSTMs solve the task in about the same number of steps; at 50 the bias-0 LSTM needs
    more steps on four of five seeds (...), at 100 about as many (...); at 200 neither solves every seed within
    the 2,000-step budget, and the worst seed does worse with bias 0 (59 % vs 87 %).\""""
    g = grid("first-symbol")
    for seed in SEEDS:
        for n in (10, 25):
            assert abs(steps(g, "lstm-bias0", n, seed) - steps(g, "lstm", n, seed)) <= 100, (n, seed)
    slower = sum(steps(g, "lstm-bias0", 50, s) > steps(g, "lstm", 50, s) for s in SEEDS)
    assert slower >= len(SEEDS) - 1
    mean = lambda cell, n: sum(steps(g, cell, n, s) for s in SEEDS) / len(SEEDS)
    assert mean("lstm-bias0", 50) > mean("lstm", 50) + 50
    assert abs(mean("lstm-bias0", 100) - mean("lstm", 100)) <= 100
    worst0 = min(acc(g, "lstm-bias0", 200, s) for s in SEEDS)
    worst1 = min(acc(g, "lstm", 200, s) for s in SEEDS)
    assert worst0 < worst1 < 0.98
    text = bias_finding(g)
    assert f"({100 * worst0:.0f} % vs {100 * worst1:.0f} %)" in text and f"shipped grid, {len(SEEDS)} seeds" in text
    assert ("on every seed" in text) == (slower == len(SEEDS))


def test_temporal_order_rnn_holds_to_30_then_drops_to_chance_while_the_gru_solves_every_length():
    """"the RNN finds the order up to length 30 (97–100 %); at 40 only two of five seeds do (the others stay at
    chance, 25–26 %), and at 50 none does (21–28 %, chance 25.0 %). The GRU solves every length (100 %); the LSTM
    every run but two of 25 (27 % at 50, 74 % at 40).\""""
    g, base = grid("temporal-order"), get_task("temporal-order").baseline
    for seed in SEEDS:
        for n in (10, 20, 30):
            assert acc(g, "rnn", n, seed) >= 0.95, (n, seed)
        assert abs(acc(g, "rnn", 50, seed) - base) <= NEAR_CHANCE_4, seed
        for n in (10, 20, 30, 40, 50):
            assert acc(g, "gru", n, seed) >= 0.98, (n, seed)
    at_40 = [acc(g, "rnn", 40, s) for s in SEEDS]
    solved = sum(a >= 0.9 for a in at_40)
    assert 0 < solved < len(SEEDS) and all(abs(a - base) <= NEAR_CHANCE_4 for a in at_40 if a < 0.9)
    lstm = [acc(g, "lstm", n, s) for n in (10, 20, 30, 40, 50) for s in SEEDS]
    misses = sum(a < 0.9 for a in lstm)
    assert misses <= 2 and sum(a >= 0.97 for a in lstm) >= len(lstm) - misses   # the others: solved
    words = ("no", "one", "two", "three", "four", "five")
    text = finding("temporal-order", g)
    assert f"only {words[solved]} of {words[len(SEEDS)]} seeds" in text
    assert f"the LSTM every run but {words[misses]} of {len(lstm)}" in text


def test_reverse_every_cell_manages_short_sequences_and_every_line_falls_by_15():
    """"every cell reverses 3 and 5 letters (97–100 % of sequences entirely right); at 10 the LSTM gets 84–85 %,
    the RNN 49–58 % and the GRU 40–54 %; at 15 no cell gets more than 19 % right. The LSTM's gates help a little at
    10 (the GRU's do not), but every line falls.\""""
    g = grid("reverse")
    for seed in SEEDS:
        for cell in ("rnn", "lstm", "gru"):
            assert acc(g, cell, 3, seed) >= 0.95 and acc(g, cell, 5, seed) >= 0.95, (cell, seed)
            assert acc(g, cell, 15, seed) < 0.25 < acc(g, cell, 10, seed), (cell, seed)   # every line falls
        assert acc(g, "lstm", 10, seed) > max(acc(g, "rnn", 10, seed), acc(g, "gru", 10, seed))   # a little help
    assert sum(acc(g, "gru", 10, s) for s in SEEDS) < sum(acc(g, "rnn", 10, s) for s in SEEDS)   # the GRU's: none
    assert "every line falls" in finding("reverse", g)


def workshop_settings() -> dict:
    step = next(s for s in STEPS if s.page == "pages/compare.py")
    return dict(step.settings)


@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_the_rnn_falls_to_the_no_memory_line_as_the_lag_grows_the_lstm_and_gru_hold_on(seed):
    """Workshop step "Who remembers longer?": "The vanilla RNN falls to the no-memory line as the lag grows; the
    LSTM and GRU hold on, solving almost every sequence at length 100.\""""
    settings = workshop_settings()
    task = settings["compare.task"]
    g, base = grid(task), get_task(task).baseline
    lengths = sorted(set(g["length"]))
    assert lengths[-1] == 200
    assert acc(g, "rnn", 10, seed) >= 0.9
    for n in lengths:
        if n >= 50:
            assert abs(acc(g, "rnn", n, seed) - base) <= NEAR_LINE, n
        for cell in ("lstm", "gru"):
            assert acc(g, cell, n, seed) > (0.9 if n <= 100 else base + 0.5), (cell, n)   # "hold on"


@pytest.mark.parametrize("task, cell, length, seed", [("first-symbol", "lstm-bias0", 25, 0), ("reverse", "rnn", 3, 1)])
def test_run_live_with_the_page_defaults_replays_a_shipped_run(task, cell, length, seed):
    """"To reproduce any run, run it live below with the default settings, its length, 1 seed and its seed as the
    first seed: it is replayed step for step.\""""
    spec = replace(PAGE_SPEC, task=task, lengths=(length,), cells=(cell,), first_seed=seed,
                   lr=TASK_LR[task])   # the page sets the task's rate with the task
    shipped = grid(task).query("cell == @cell and length == @length and seed == @seed").iloc[0]
    row, curve = run_one(spec, cell, length, seed)
    assert row["steps"] == shipped["steps"] and row["stop_reason"] == shipped["stop_reason"]
    assert row["accuracy"] == pytest.approx(shipped["accuracy"], abs=0.002)


# --- the costs chart's caption and the learning curves' overlaps -------------------------------------------------

def _three(task: str) -> list[dict]:
    return [r for r in grid(task).to_dict("records") if r["cell"] in PAGE_SPEC.cells]


@pytest.mark.parametrize("task", ("adding", "first-symbol", "temporal-order", "reverse"))
def test_the_cost_caption_says_whether_time_per_step_grew_with_length_in_these_runs(task):
    """'Here they grow with the length for every cell' only where every cell's mean ms per step rises from each
    length to the next (adding); elsewhere 'Here they do not grow steadily with the length (…)', quoting a real
    fall from the grid."""
    from rnn_core.compare.experiments import summarise
    from rnn_core.compare.figures import cost_caption
    frame = grid(task)
    frame = frame[frame["cell"].isin(PAGE_SPEC.cells)]
    means = frame.groupby(["cell", "length"])["ms_per_step"].mean()
    grows = all(means[cell].is_monotonic_increasing for cell in PAGE_SPEC.cells)
    text = cost_caption(summarise(_three(task)))
    assert ("grow with the length for every cell" in text) == grows
    assert ("do not grow steadily" in text) == (not grows)
    assert grows == (task == "adding")


def test_the_cost_caption_quotes_the_largest_fall_of_time_per_step_from_the_grid():
    """'(LSTM: 41 ms at length 25, 17 ms at 50)': the audit's point (the GRU's 88 ms at 25 and 8 ms at 50 in the
    three-seed grid) read from the shipped grid: the caption names the largest fall of any cell's mean ms per step
    from one length to the next, with the grid's own numbers."""
    from rnn_core.compare.experiments import summarise
    from rnn_core.compare.figures import cost_caption
    g = grid("first-symbol")
    g = g[g["cell"].isin(("rnn", "lstm", "gru"))]
    means = g.groupby(["cell", "length"])["ms_per_step"].mean()
    falls = [(means[c, a] / means[c, b], c, a, b) for c in ("rnn", "lstm", "gru")
             for a, b in zip(sorted(set(g["length"])), sorted(set(g["length"]))[1:]) if means[c, a] > means[c, b]]
    assert falls, "the shipped first-symbol grid's times per step fall somewhere (the audit's point)"
    _, cell, a, b = max(falls)
    text = cost_caption(summarise(_three("first-symbol")))
    assert f"{cell.upper()}: {means[cell, a]:.0f} ms at length {a}, {means[cell, b]:.0f} ms at {b}" in text


def test_runs_that_end_on_the_same_point_are_counted_on_the_learning_curves():
    """'a label such as “9 runs” says how many lines end at that point': temporal order, length 10, where most
    cells and seeds solved the task at step 50 (the audit saw one red dot)."""
    from collections import Counter
    from rnn_core.compare.figures import learning_curves
    found = load_shipped("temporal-order")
    curves = [c for c in found[1].to_dict("records") if c["cell"] in PAGE_SPEC.cells]
    at_10 = [c for c in curves if c["length"] == 10]
    last = {}
    for c in sorted(at_10, key=lambda c: c["step"]):
        last[c["cell"], c["seed"]] = (c["step"], c["val_accuracy"])
    (point, _), = Counter(last.values()).most_common(1)
    runs = sum(step == point[0] and abs(value - point[1]) <= 0.03 for step, value in last.values())   # drawn as one
    assert point == (50, 1.0) and runs >= 2 * len(SEEDS)        # most runs end there, on top of each other
    labels = [a.text for a in learning_curves(at_10, 0.25).layout.annotations]
    assert f"{runs} runs" in labels


# --- was or were? (the agreement task, issue 23) ---------------------------------------------------------------

def _agreement_sentences(length: int):
    """The test sentences of ``length`` rebuilt from their seed and read as words, independently of the code
    that wrote the grid's baseline columns: (subject number, verb, the numbers of the nouns after the subject)."""
    import torch
    from rnn_core.compare.experiments import TEST_SEED, TEST_SIZE
    from rnn_core.data.agreement import NOUNS, VERBS, words
    number = {w: k for pair in NOUNS for k, w in enumerate(pair)}
    x, y = get_task("agreement").batch(TEST_SIZE, length, torch.Generator().manual_seed(TEST_SEED + length))
    out = []
    for ids, verb in zip(x, y):
        ws = words(ids)
        comma = ws.index(",")
        nouns = [number[w] for w in ws[comma + 1:] if w in number]      # the subject first, then the rest
        out.append((nouns[0], VERBS[int(verb)], nouns[1:]))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_agreement_gated_cells_get_the_verb_at_every_distance_the_rnn_at_chance_from_40_words(seed):
    """"the LSTM and the GRU choose the right verb in 96–100 % of the test sentences at every distance from 5 to 80
    words (95–100 % at 80 with no attractor). The RNN does as well up to 20 words (99–100 %) …; from 40 words on
    it gets 48–51 %, where answering without any memory of the subject lands too (49–51 %…)\""""
    g = grid("agreement")
    lengths = sorted(set(g["length"]))
    assert lengths == [5, 10, 20, 40, 80]
    row = lambda cell, n: g[(g["cell"] == cell) & (g["length"] == n) & (g["seed"] == seed)].iloc[0]
    for n in lengths:
        for cell in ("lstm", "gru"):
            assert row(cell, n)["accuracy"] >= 0.95, (cell, n)
    for cell in ("lstm", "gru"):
        assert row(cell, 80)["acc_a0"] >= 0.95, cell     # the goal: ≥ 0.95 at the longest, no attractor
    for n in (5, 10, 20):
        assert row("rnn", n)["accuracy"] >= 0.95, n
    for n in (40, 80):
        assert abs(row("rnn", n)["accuracy"] - 0.5) <= NEAR_LINE + 0.01, n   # at chance: two verbs
        assert row("rnn", n)["accuracy"] < min(row("lstm", n)["accuracy"], row("gru", n)["accuracy"]) - 0.4


def test_agreement_no_memory_answers_score_about_half_on_the_test_sentences():
    """The no-memory lines ("always the commoner verb", "agree with the nearest noun") are what those answers score
    on each distance's test sentences, recounted here from the words; both are near 50 % because the nouns between
    are coin flips, and the nearest noun is always right with no attractor and always wrong with three."""
    g = grid("agreement")
    for n in sorted(set(g["length"])):
        sentences = _agreement_sentences(n)
        were = sum(v == "were" for _, v, _ in sentences) / len(sentences)
        nearest = [("were" if (between or [subject])[-1] else "was") == v for subject, v, between in sentences]
        attractors = [sum(k != subject for k in between) for subject, _, between in sentences]
        first = g[g["length"] == n].iloc[0]
        assert first["base_majority"] == pytest.approx(max(were, 1 - were), abs=1e-3)
        assert first["base_nearest"] == pytest.approx(sum(nearest) / len(nearest), abs=1e-3)
        assert 0.45 <= first["base_majority"] <= 0.55 and 0.45 <= first["base_nearest"] <= 0.55, n
        assert (g[g["length"] == n]["base_nearest"] == first["base_nearest"]).all()   # the same for every run
        for a in range(4):
            picked = [ok for ok, k in zip(nearest, attractors) if k == a]
            if picked:
                assert first[f"nearest_a{a}"] == pytest.approx(sum(picked) / len(picked), abs=1e-3)
                assert first[f"acc_a{a}"] == first[f"acc_a{a}"]      # scored wherever such sentences exist
        if n >= 9:
            assert first["nearest_a0"] == 1.0 and first["nearest_a3"] == 0.0


def test_agreement_attractors_barely_show_where_the_subject_is_remembered():
    """"Attractors barely show where the subject is remembered: up to 20 words the runs get 100.0 % of the sentences
    without an attractor right and 99.4 % of those with three (the worst run 91 %, an LSTM at 20 words).\""""
    g = grid("agreement")
    near = g[g["length"] <= 20]
    a0, a3 = near["acc_a0"].dropna(), near["acc_a3"].dropna()
    assert len(a3) == 3 * 2 * len(SEEDS)                      # three attractors fit from 9 words: 10 and 20
    assert a3.mean() >= a0.mean() - 0.03 and a3.min() >= 0.9  # "barely": within 3 points on average
    worst = near.loc[near["acc_a3"].idxmin()]
    text = finding("agreement", g)
    assert (f"{100 * a0.mean():.1f} % of the sentences without an attractor right and {100 * a3.mean():.1f} % of "
            "those with three") in text
    assert f"the worst run {100 * worst['acc_a3']:.0f} %" in text and f"at {worst['length']} words" in text
    rnn_far = g[(g["cell"] == "rnn") & (g["length"] >= 40)]["accuracy"]
    assert f"from 40 words on it gets {100 * rnn_far.min():.0f}–{100 * rnn_far.max():.0f} %" in text
    gated_steps = near[near["cell"] != "rnn"]["steps"].max()
    assert f"up to {near[near['cell'] == 'rnn']['steps'].max():,}, against {gated_steps:,} at most" in text
    assert near[near["cell"] == "rnn"]["steps"].max() > 3 * gated_steps      # "many more"


def test_agreement_run_live_with_the_page_defaults_replays_a_shipped_run():
    """Run live on was-or-were, one shipped run replayed: the same steps; accuracy, accuracy by attractors and the
    examples' probabilities within a point or two (the grid was made with the machine's fastest kernels; under
    ATEN_CPU_CAPABILITY=default the rounding differs a little, and this LSTM run still stops at the same step)."""
    from rnn_core.compare.experiments import LIVE_LENGTHS
    from rnn_core.data.agreement import parse_examples
    task, cell, length, seed = "agreement", "lstm", 40, 3
    assert length in LIVE_LENGTHS[task]
    spec = replace(PAGE_SPEC, task=task, lengths=(length,), cells=(cell,), first_seed=seed, lr=TASK_LR[task])
    shipped = grid(task).query("cell == @cell and length == @length and seed == @seed").iloc[0]
    row, _ = run_one(spec, cell, length, seed)
    assert row["steps"] == shipped["steps"] and row["stop_reason"] == shipped["stop_reason"]
    assert row["accuracy"] == pytest.approx(shipped["accuracy"], abs=0.01)
    for column in ("acc_a0", "acc_a1", "acc_a2", "acc_a3"):
        assert row[column] == pytest.approx(shipped[column], abs=0.02), column
    live, kept = parse_examples(row["examples"]), parse_examples(shipped["examples"])
    assert live.keys() == kept.keys() and all(abs(live[i] - kept[i]) < 0.05 for i in live)
