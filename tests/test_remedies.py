"""The remedies grid's machinery: one change per remedy, truncated backpropagation that really truncates, the
gradient ratio of a fused model equal to the equation cells', findings read off the rows, the command line."""

import json
import math

import pytest
import torch

from rnn_core.__main__ import main
from rnn_core.compare.experiments import ExperimentSpec, TaskModel
from rnn_core.compare.remedies import (REMEDIES, REMEDY_SPEC, findings, gradient_ratio, hidden_gradient_norms, load,
                                       parse_remedies, probe, spec_for, summarise)
from rnn_core.data.tasks import get_task
from rnn_core.errors import RNNLabError
from rnn_core.gradients.figures import remedies_figure
from rnn_core.gradients.measure import LastStepNetwork, gradient_norms_through_time


def test_every_remedy_is_the_reference_with_one_change():
    base = REMEDY_SPEC.to_dict()
    for r in REMEDIES:
        spec = spec_for(r.key).to_dict()
        changed = {k for k in base if base[k] != spec[k]} - {"cells"}
        assert changed == set(r.changes), r.key
        assert spec["cells"] == (r.cell,)
    assert REMEDY_SPEC.clip == 0 and REMEDY_SPEC.rnn_init == "default" and REMEDY_SPEC.nonlinearity == "tanh"


def test_bad_remedies_and_settings_are_user_errors():
    with pytest.raises(RNNLabError):
        parse_remedies("tanh,magic")
    with pytest.raises(RNNLabError):
        parse_remedies(" , ")
    with pytest.raises(RNNLabError):
        ExperimentSpec(nonlinearity="sigmoid")
    with pytest.raises(RNNLabError):
        ExperimentSpec(task="reverse", lengths=(5,), truncate=3)
    with pytest.raises(RNNLabError):
        ExperimentSpec(truncate=-1)


def test_truncation_keeps_the_forward_pass_and_cuts_the_backward_pass():
    task = get_task("adding")
    torch.manual_seed(0)
    full = TaskModel(task, "rnn", 8)
    cut = TaskModel(task, "rnn", 8, truncate=5)
    cut.load_state_dict(full.state_dict())
    x, _ = task.batch(4, 30, torch.Generator().manual_seed(1))
    x = x.clone().requires_grad_(True)
    assert torch.allclose(full(x), cut(x), atol=1e-6)
    cut(x).sum().backward()
    assert float(x.grad[:, :25].abs().sum()) == 0.0     # nothing before the last 5 steps
    assert float(x.grad[:, 25:].abs().sum()) > 0.0
    x.grad = None
    full(x).sum().backward()
    assert float(x.grad[:, :25].abs().sum()) > 0.0


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_fused_models_ratio_equals_the_equation_cells(cell):
    task = get_task("adding")
    torch.manual_seed(3)
    model = TaskModel(task, cell, 8)
    net = LastStepNetwork(cell, 2, 8)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(net.cell, name).copy_(getattr(model.encoder, f"{name}_l0"))
        net.readout.load_state_dict(model.head.state_dict())
    x, y = probe(20)
    ours = hidden_gradient_norms(model, x, y)
    theirs = gradient_norms_through_time(net, x, y).grad_norms
    assert len(ours) == 20
    for a, b in zip(ours, theirs):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-300)
    assert math.isclose(gradient_ratio(model, x, y), ours[0] / ours[-1])
    assert all(p.dtype == torch.float32 for p in model.parameters())   # the model itself is left as it was


def _rows():
    rows = []
    for r in REMEDIES:
        for seed in range(3):
            solved = r.cell != "rnn"
            rows.append({"remedy": r.key, "label": r.label, "cell": r.cell, "length": 100, "seed": seed,
                         "accuracy": 0.97 if solved else 0.06, "loss": 0.0003 if solved else 0.17,
                         "baseline": 0.0784, "baseline_mse": 0.167, "ratio": 0.5 if solved else 1e-40,
                         "ratio_init": 1e-20, "steps": 500, "seconds": 3.0, "stop_reason": "finished",
                         "message": ""})
    return rows


def test_findings_follow_the_rows():
    rows = _rows()
    lines = findings(rows)
    assert len(lines) == 1 + len(REMEDIES)
    assert lines[0].startswith("Within this one budget of steps, LSTM and GRU learn the task on every seed; tanh RNN")
    lines = lines[1:]
    assert "stays at the no-memory baseline on all 3 seeds" in lines[0]
    assert "the same outcome as the reference" in lines[1]
    assert "learns the task on all 3 seeds" in lines[-1]
    rows[3]["accuracy"], rows[3]["loss"] = 0.95, 0.001      # clipping learns the task on seed 0: the sentence changes
    assert "unexpected" in findings(rows)[2]
    assert [s.key for s in summarise(rows)] == [r.key for r in REMEDIES]


def test_the_chart_draws_every_remedy_and_the_baseline():
    fig = remedies_figure(_rows(), {r.key: r.label for r in REMEDIES})
    names = {y for trace in fig.data if trace.type == "bar" for y in trace.y}
    assert names == {r.label for r in REMEDIES}
    assert fig.layout.xaxis2.type == "log"
    assert any((trace.name or "").startswith("no memory") and trace.line.dash == "dash" for trace in fig.data)


def test_the_shipped_grid_loads_typed():
    rows = load()
    assert rows and isinstance(rows[0]["accuracy"], float) and isinstance(rows[0]["seed"], int)


@pytest.mark.slow
def test_cli_runs_a_small_grid_and_refuses_bad_input(capsys, tmp_path):
    out = tmp_path / "r.csv"
    assert main(["remedies", "--remedies", "truncated,gru", "--seeds", "1", "--length", "8", "--csv", str(out)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["remedy"] for r in result["results"]] == ["truncated", "gru"] and len(result["findings"]) == 2
    assert len(load(out)) == 2
    assert main(["remedies", "--remedies", "magic"]) == 2
    assert "Unknown remedy" in capsys.readouterr().err
    assert main(["remedies", "--length", "1"]) == 2
