"""The date generator, the encoder–decoder with and without attention, the length grid and the command."""

import datetime as dt
import json
import threading

import pytest
import torch

from rnn_core.__main__ import main
from rnn_core.translate.script import dates_script, length_script
from rnn_core.translate.shipped import shipped_results
from rnn_core.translate.dates import (FORMATS, INPUT_CHARS, MAX_INPUT_CHARS, N_DAYS, OUTPUT_CHARS, check_date_text, date_pairs,
                            day, held_out_days, is_held_out, training_days, translate_text)
from rnn_core.errors import RNNLabError
from rnn_core.translate.figures import (accuracy_vs_length, attention_heatmap, dates_finding, exact_match_curves,
                                        format_bars, length_finding)
from rnn_core.compare.experiments import RunFinished
from rnn_core.translate.model import (REVERSE_DEFAULTS, EncoderDecoder, LengthSpec, TranslateSettings,
                                bottleneck_length, run_length_grid, sequence_loss, summarise_lengths,
                                train_translator)


def test_at_least_ten_formats_all_read_back_to_the_same_iso_date():
    assert len(FORMATS) >= 10
    d = dt.date(2021, 3, 3)
    written = {name: f(d) for name, f in FORMATS.items()}
    assert written["ordinal of month"] == "3rd of March 2021" and written["short month"] == "Mar 3, 2021"
    assert written["dd/mm/yy"] == "03/03/21" and written["weekday"] == "wednesday 3 march 2021"
    assert len(set(written.values())) == len(FORMATS)
    for n, suffix in ((1, "1st"), (2, "2nd"), (11, "11th"), (12, "12th"), (13, "13th"), (22, "22nd"), (23, "23rd")):
        assert FORMATS["ordinal of month"](dt.date(2000, 1, n)).startswith(suffix + " ")
    assert all(c in INPUT_CHARS for f in FORMATS.values() for i in range(0, N_DAYS, 97) for c in f(day(i)).lower())


def test_held_out_days_never_appear_in_training_and_are_the_same_for_every_run():
    held, train = held_out_days(), training_days()
    assert len(held) == N_DAYS // 10 and len(held) + len(train) == N_DAYS
    assert not set(held.tolist()) & set(train.tolist())
    assert torch.equal(held, held_out_days())
    pairs = date_pairs(2000, train, torch.Generator().manual_seed(3))
    assert not {p for p in pairs.isos if is_held_out(p)}
    assert pairs.x.shape[0] == 2000 and pairs.y.shape == (2000, 10)
    assert all(len(t) == n for t, n in zip(pairs.texts, pairs.lengths.tolist()))
    assert "".join(OUTPUT_CHARS[i] for i in pairs.y[0].tolist()) == pairs.isos[0]
    again = date_pairs(2000, train, torch.Generator().manual_seed(3))
    assert again.texts == pairs.texts   # seeded
    assert is_held_out(day(int(held[0])).isoformat()) and is_held_out("1900-01-01") is None


def test_bad_dates_get_clear_messages():
    with pytest.raises(RNNLabError, match="Type a date"):
        check_date_text("   ")
    with pytest.raises(RNNLabError, match="at most 40"):
        check_date_text("1" * (MAX_INPUT_CHARS + 1))
    with pytest.raises(RNNLabError, match="never seen “@”"):
        check_date_text("3rd @ March")
    with pytest.raises(RNNLabError, match="“é”"):
        check_date_text("3 février 2021")
    assert check_date_text("  3rd   of March 2021 ") == "3rd of March 2021"


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("attention", [True, False])
def test_the_model_teacher_forces_decodes_greedily_and_masks_padding(cell, attention):
    torch.manual_seed(0)
    model = EncoderDecoder(len(INPUT_CHARS), len(OUTPUT_CHARS), 8, cell, True, attention)
    pairs = date_pairs(6, training_days(), torch.Generator().manual_seed(1))
    logits = model(pairs.x, pairs.y, lengths=pairs.lengths)
    assert logits.shape == (6, 10, len(OUTPUT_CHARS)) and torch.isfinite(sequence_loss(logits, pairs.y))
    greedy, weights = model(pairs.x, lengths=pairs.lengths, out_length=10, return_attention=True)
    assert greedy.shape == logits.shape
    if not attention:
        assert weights is None
        return
    assert weights.shape == (6, 10, pairs.x.shape[1])
    assert torch.allclose(weights.sum(-1), torch.ones(6, 10), atol=1e-5)
    for row, n in enumerate(pairs.lengths.tolist()):
        assert float(weights[row, :, n:].detach().abs().sum()) == 0.0       # padding is never looked at
    # A row alone gives the same answer as in a padded batch: padding changes nothing.
    shortest = int(pairs.lengths.argmin())
    n = int(pairs.lengths[shortest])
    alone = model(pairs.x[shortest:shortest + 1, :n], lengths=pairs.lengths[shortest:shortest + 1], out_length=10)
    assert torch.allclose(alone[0], greedy[shortest], atol=1e-5)


def test_attention_can_see_what_the_bottleneck_cannot():
    """A property a model without attention lacks: its output at step t depends on every input through c_t."""
    torch.manual_seed(0)
    with_att = EncoderDecoder(26, 26, 8, "lstm", True, True)
    x = torch.randint(0, 26, (1, 12))
    _, weights = with_att(x, return_attention=True)
    assert weights.shape == (1, 12, 12) and bool((weights > 0).all())


def test_a_short_date_run_learns_and_reports_a_curve_and_formats():
    settings = TranslateSettings(max_steps=60, eval_every=30, hidden=16, seed=0)
    run = train_translator(settings)
    m = run.metrics
    assert m["steps"] == 60 and [c["step"] for c in run.curve] == [30, 60]
    assert run.curve[-1]["val_loss"] < 2.2                         # below chance (ln 11 ≈ 2.40) after 60 steps
    assert set(m["by_format"]) == set(FORMATS) and 0 <= m["exact_match"] <= 1
    again = train_translator(settings)
    assert again.curve == run.curve and again.metrics["exact_match"] == m["exact_match"]   # seeded
    t = translate_text(run.model, "Mar 3, 2021")
    assert len(t.output) == 10 and len(t.attention) == 10 and len(t.attention[0]) == len("Mar 3, 2021")
    with pytest.raises(RNNLabError):
        translate_text(run.model, "")


def test_a_stopped_run_keeps_its_model():
    stop = threading.Event()
    stop.set()
    run = train_translator(TranslateSettings(max_steps=50, hidden=8), stop=stop)
    assert run.metrics["stop_reason"] == "stopped" and run.metrics["steps"] == 0


def test_bad_settings_get_clear_messages():
    with pytest.raises(RNNLabError, match="LSTM or a GRU"):
        TranslateSettings(cell="rnn")
    with pytest.raises(RNNLabError, match="2 to 60 letters"):
        TranslateSettings(task="reverse", length=100)
    with pytest.raises(RNNLabError, match="Steps"):
        TranslateSettings(max_steps=0)
    with pytest.raises(RNNLabError, match="at least one"):
        LengthSpec(lengths=())
    with pytest.raises(RNNLabError, match="2 to 60"):
        LengthSpec(lengths=(1,))
    with pytest.raises(RNNLabError, match="Seeds"):
        LengthSpec(seeds=9)


def test_the_length_grid_streams_rows_in_order_and_summarises():
    from dataclasses import replace
    spec = LengthSpec(lengths=(6, 3), seeds=1, base=replace(REVERSE_DEFAULTS, max_steps=20, eval_every=10, hidden=8))
    seen = []
    rows = run_length_grid(spec, on_result=seen.append)
    assert [(r["length"], r["model"]) for r in rows] == [(3, "attention"), (3, "plain"), (6, "attention"), (6, "plain")]
    assert all(isinstance(f, RunFinished) for f in seen) and [f.row for f in seen] == rows
    summary = summarise_lengths(rows)
    assert [(s["model"], s["length"]) for s in summary] == [("attention", 3), ("attention", 6), ("plain", 3),
                                                            ("plain", 6)]


def test_the_bottleneck_length_is_where_every_longer_length_separates_the_models():
    rows = [{"model": m, "length": n, "seed": s, "exact_match": e, "stop_reason": "solved"}
            for m, n, e in (("attention", 5, 1.0), ("plain", 5, 0.99), ("attention", 10, 0.95), ("plain", 10, 0.2),
                            ("attention", 20, 0.85), ("plain", 20, 0.1), ("attention", 30, 0.99), ("plain", 30, 0.0))
            for s in (0, 1)]
    assert bottleneck_length(rows) == 30                          # 20 fails (0.85), so 10 does not count
    assert "From 30 letters on" in length_finding(rows, 30)
    assert bottleneck_length([r for r in rows if r["length"] != 30]) is None


def test_figures_are_built_from_plain_rows():
    fig = exact_match_curves({"attention": [{"step": 50, "val_exact": 0.5}], "plain": []})
    assert len(fig.data) == 1 and fig.data[0].name == "with attention"
    heat = attention_heatmap("3 mar", "2021-03-03", [[0.2] * 5] * 10)
    assert heat.data[0].z is not None and len(heat.data[0].x) == 5 and heat.data[0].x[1].startswith("␣")
    summary = [{"model": "plain", "length": 5, "mean": 0.5, "min": 0.4, "max": 0.6, "seeds": 3}]
    fig = accuracy_vs_length(summary, [{"model": "plain", "length": 5, "seed": 0, "exact_match": 0.4}])
    assert [t.name for t in fig.data] == ["without attention (precomputed)", "without attention (your runs)"]
    assert len(format_bars({"attention": {"iso": 1.0}}).data) == 1
    text = dates_finding([{"model": "attention", "seed": 0, "exact_match": 0.99, "steps": 800},
                          {"model": "plain", "seed": 0, "exact_match": 0.6, "steps": 800}])
    assert "99.0%" in text and "60.0%" in text


@pytest.mark.slow
def test_the_command_prints_exact_match_per_model_and_length(capsys):
    assert main(["translate", "--task", "reverse", "--lengths", "3,4", "--max-steps", "10", "--hidden", "8"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out["exact_match"]) == {"attention", "plain"} and set(out["exact_match"]["plain"]) == {"3", "4"}
    assert main(["translate", "--task", "dates", "--attention", "off", "--max-steps", "5", "--hidden", "8"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(out["exact_match"]) == ["plain"] and out["task"] == "dates"
    assert main(["translate", "--task", "reverse", "--lengths", "500"]) == 2


def test_exported_scripts_compile_and_name_the_command():
    assert "python -m rnn_core translate --task dates --attention on" in dates_script(TranslateSettings())
    script = length_script(LengthSpec(lengths=(20,), seeds=1))
    assert "--task reverse --attention both --lengths 20" in script
    compile(script, "<script>", "exec")


def test_shipped_results_exist_with_the_defaults():
    for kind in ("dates", "reverse"):
        found = shipped_results(kind)
        assert found is not None, f"rnn_core/translate/results/translate_{kind}.csv is missing"


def test_every_training_format_is_read_back_and_what_is_not_a_date_is_said():
    from rnn_core.translate.dates import FORMATS, day
    from rnn_core.translate.typed_dates import mark, read_typed_date
    for index in range(0, 36524, 97):
        for name, write in FORMATS.items():
            typed = read_typed_date(write(day(index)).upper())
            assert typed.kind == "date" and typed.iso == day(index).isoformat() and typed.format is not None, name
    for text, kind, fragment in (("31 February 2020", "no such day", "29 days"),
                                 ("29 February 2021", "no such day", "not a leap year"),
                                 ("tomorrow", "not a date", "not a date"),
                                 ("1st January 2050", "out of range", "1950 to 2049"),
                                 ("12/25/2020", "no such day", "day first"),
                                 ("monday 3 march 2021", "wrong weekday", "wednesday")):
        typed = read_typed_date(text)
        assert typed.kind == kind and fragment in typed.reason, text
    assert mark("2020-02-31", read_typed_date("31 February 2020")).startswith("✗")
    assert mark("1950-01-01", read_typed_date("1st January 2050")) == "✗ wrong (it is 2050-01-01)"
    assert mark("2021-03-03", read_typed_date("Mar 3, 2021")) == "✓ right"
    assert read_typed_date("03/04/21").iso == "2021-04-03"          # day first, as the models learnt
