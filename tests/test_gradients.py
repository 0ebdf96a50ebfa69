"""Gradients through time: the measurement is a true backward pass, the theory bounds it, bad input is refused."""

import json
import math

import numpy as np
import pytest
import torch

from rnn_core.__main__ import main
from rnn_core.errors import RNNLabError
from rnn_core.gradients.figures import (clipping_figure, forget_gate_figure, gradient_norms_figure, jacobian_figure,
                                        log_safe, training_heatmap)
from rnn_core.gradients.training import (MAX_TRAIN_LENGTH, WatchSettings, clipping_demo, train_and_watch,
                                        trained_report)
from rnn_core.gradients.measure import (MAX_LENGTH, GradientSettings, build_network, gradient_norms_through_time,
                                make_inputs, measure, pascanu_bound, rescale_to_radius_, rnn_jacobian_norms,
                                situations_at_init, spectrum)


def _finite_difference_norms(net, x, target, eps=1e-6):
    """‖∂L/∂h_t‖ by nudging each hidden unit of each step and re-running the network (no autograd at all)."""
    net = net.double()
    x = x.double()

    def loss_with(t, b, i, delta):
        state = net.cell.initial_state(x.shape[0])
        state = tuple(s.double() for s in state) if isinstance(state, tuple) else state.double()
        for s in range(x.shape[1]):
            h, state, _ = net.cell(x[:, s], state)
            if s == t:
                h = h.clone()
                h[b, i] += delta
                state = (h, state[1]) if isinstance(state, tuple) else h
        out = net.readout(h).squeeze(-1)
        return float(torch.nn.functional.mse_loss(out, target.double()))

    T, B, H = x.shape[1], x.shape[0], net.cell.hidden_size
    norms = []
    with torch.no_grad():
        for t in range(T):
            g = [(loss_with(t, b, i, eps) - loss_with(t, b, i, -eps)) / (2 * eps) for b in range(B) for i in range(H)]
            norms.append(math.sqrt(sum(v * v for v in g)))
    return norms


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_measured_norms_equal_a_finite_difference_check(cell):
    s = GradientSettings(cells=(cell,), length=6, hidden_size=3, batch=2, inputs="adding", seed=3)
    net = build_network(s, cell)
    x, y = make_inputs(s)
    measured = gradient_norms_through_time(net, x, y).grad_norms
    expected = _finite_difference_norms(net, x, y)
    assert np.allclose(measured, expected, rtol=1e-5, atol=1e-9)


def test_measuring_changes_neither_weights_nor_their_gradients():
    s = GradientSettings(cells=("lstm",), length=8, hidden_size=4)
    net = build_network(s, "lstm")
    before = [p.detach().clone() for p in net.parameters()]
    gradient_norms_through_time(net, *make_inputs(s))
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert all(p.grad is None for p in net.parameters())
    assert all(p.dtype == torch.float32 for p in net.parameters())


def test_rnn_jacobian_norms_match_autograd():
    s = GradientSettings(cells=("rnn",), length=5, hidden_size=4, batch=1, activation="tanh", seed=1)
    net = build_network(s, "rnn").double()
    x, _ = make_inputs(s)
    m = gradient_norms_through_time(net, x, _)
    norms = rnn_jacobian_norms(net.cell.weight_hh, m.pre_activations, "tanh")
    for t in range(5):
        def tail(h, t=t):
            for step in range(t + 1, 5):
                h, _, _ = net.cell(x[:, step].double(), h)
            return h[0]
        h_t = net.unroll(x.double())[0][t].detach()
        jac = torch.autograd.functional.jacobian(tail, h_t)[:, 0, :]
        assert norms[t] == pytest.approx(float(torch.linalg.matrix_norm(jac, ord=2)), rel=1e-9)


@pytest.mark.parametrize("activation,init,radius", [("tanh", "orthogonal", 0.9), ("tanh", "normal", 1.3),
                                                    ("sigmoid", "orthogonal", 3.0), ("relu", "identity", 1.2),
                                                    ("tanh", "default", None), ("relu", "normal", 1.0)])
def test_jacobian_products_never_exceed_the_bound(activation, init, radius):
    for seed in range(3):
        s = GradientSettings(cells=("rnn",), length=60, hidden_size=16, activation=activation, init=init,
                             radius=radius, seed=seed)
        report = measure(s)
        assert len(report.bound) == len(report.jacobian_norms) == 60
        for j, b in zip(report.jacobian_norms, report.bound):
            assert j <= b * (1 + 1e-9) + 1e-300
        # the gradient itself obeys the bound scaled by the last step's gradient
        g = report.measurements["rnn"].grad_norms
        assert g[0] <= g[-1] * report.bound[0] * (1 + 1e-9)


def test_rescaling_sets_the_spectral_radius_and_orthogonal_gain_sets_every_singular_value():
    w = torch.randn(10, 10)
    rescale_to_radius_(w, 0.7)
    assert spectrum(w).spectral_radius == pytest.approx(0.7, rel=1e-5)
    net = build_network(GradientSettings(cells=("rnn",), init="orthogonal", gain=0.9, hidden_size=16), "rnn")
    assert np.allclose(spectrum(net.cell.weight_hh).singular_values, 0.9, atol=1e-5)
    assert pascanu_bound(0.9, "sigmoid", 3) == pytest.approx([0.225 ** 2, 0.225, 1.0])


def test_the_issues_honesty_targets_at_length_100():
    rows = situations_at_init(100, 64, "random", 0)
    rnn, lstm1, lstm3 = (r["ratio ‖∂L/∂h_0‖/‖∂L/∂h_T−1‖"] for r in rows[:3])
    assert rnn < 0.9 ** 99
    assert lstm1 < 100 * rnn            # bias 1: no better than the RNN at initialisation
    assert lstm3 > 0.1 and lstm3 > 1e6 * rnn
    explode = measure(GradientSettings(cells=("rnn",), activation="relu", init="identity", radius=1.2))
    assert explode.measurements["rnn"].ratio > 1000


def test_overflow_gives_inf_or_nan_and_charts_still_draw():
    s = GradientSettings(cells=("rnn", "lstm"), length=400, activation="relu", init="identity", radius=3.0)
    report = measure(s)
    norms = report.measurements["rnn"].grad_norms
    assert not all(math.isfinite(v) for v in norms)
    assert report.jacobian_norms[0] <= report.bound[0] * (1 + 1e-9)   # the forward pass itself is still finite
    worse = measure(GradientSettings(cells=("rnn",), length=500, activation="relu", init="identity", radius=10.0))
    assert not all(math.isfinite(v) for v in worse.jacobian_norms + worse.bound)
    jacobian_figure(worse)
    fig = gradient_norms_figure(report)
    assert any("Not drawn" in a.text for a in fig.layout.annotations)
    jacobian_figure(report)
    forget_gate_figure(report.measurements["lstm"])
    ys, left_out = log_safe([1.0, 0.0, math.nan, math.inf, 2.0])
    assert ys == [1.0, None, None, None, 2.0] and left_out == {"zero": 1, "inf": 1, "nan": 1}


@pytest.mark.parametrize("changes,limit", [({"length": MAX_LENGTH + 1}, str(MAX_LENGTH)), ({"hidden_size": 10_000}, "256"),
                                          ({"length": 1}, "2"), ({"radius": -1.0}, "radius"),
                                          ({"cells": ()}, "cell"), ({"gain": math.nan}, "scale")])
def test_bad_settings_are_refused_with_the_limit(changes, limit):
    with pytest.raises(RNNLabError, match=limit):
        GradientSettings(**changes)


def test_text_input_is_one_hot_characters():
    s = GradientSettings(cells=("gru",), length=20, inputs="text")
    x, y = make_inputs(s)
    assert x.shape[:2] == (8, 20) and torch.all(x.sum(-1) == 1) and y.dtype == torch.long
    assert all(math.isfinite(v) and v > 0 for v in measure(s).measurements["gru"].grad_norms)


def test_training_measures_snapshots_and_goes_through_the_training_loop():
    s = GradientSettings(cells=("lstm",), length=12, hidden_size=8, seed=1)
    run = train_and_watch(s, "lstm", WatchSettings(steps=6, batch=4, probe_every=2))
    assert [snap.step for snap in run.snapshots] == [0, 2, 4, 6]
    assert run.result.steps == 6 and len(run.result.history) == 6
    assert run.snapshots[0].grad_norms != run.snapshots[-1].grad_norms   # the weights did change
    report = trained_report({"lstm": run}, s)
    assert report.measurements["lstm"].grad_norms == pytest.approx(run.final.grad_norms)
    training_heatmap(run.snapshots, 12)
    with pytest.raises(RNNLabError, match=str(MAX_TRAIN_LENGTH)):
        train_and_watch(GradientSettings(length=MAX_TRAIN_LENGTH + 1), "rnn", WatchSettings(steps=2, probe_every=1))


def test_clipping_demo_trains_the_same_network_with_and_without_clipping():
    from dataclasses import replace
    from rnn_core.gradients.training import EXPLODING
    runs = clipping_demo(replace(EXPLODING, length=20, hidden_size=8), steps=4, clip=1.0)
    assert [r.clip for r in runs] == [None, 1.0]
    first = [r.history[0] for r in runs]
    assert first[0]["train_loss"] == first[1]["train_loss"]   # same weights, same data
    assert first[0]["grad_norm"] > 1.0
    fig = clipping_figure(runs, 1.0)
    clipped = [t for t in fig.data if t.name == "after clipping"][0]
    assert max(v for v in clipped.y if v is not None) <= 1.0


def test_cli_prints_the_json_the_issue_asks_for(capsys):
    assert main(["gradients", "--cell", "rnn", "--length", "30", "--radius", "0.9"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(out["grad_norms"]) == 30 and len(out["bound"]) == 30
    assert out["max_singular_value"] == pytest.approx(0.9, rel=1e-4)
    assert out["spectral_radius"] == pytest.approx(0.9, rel=1e-4)
    assert out["ratio"] < 0.9 ** 29
    assert main(["gradients", "--cell", "lstm", "--length", "15", "--train-steps", "3", "--hidden", "8"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["trained"] and out["steps"] == 3 and len(out["grad_norms"]) == 15
    assert main(["gradients", "--length", "100000"]) == 2
    assert str(MAX_LENGTH) in capsys.readouterr().err


@pytest.mark.parametrize("cell,activation", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")])
def test_the_fused_twin_computes_what_the_equation_cells_compute_and_copies_back(cell, activation):
    from rnn_core.gradients.training import FusedNetwork
    s = GradientSettings(cells=(cell,), length=9, hidden_size=5, activation=activation, inputs="adding", seed=2,
                         forget_bias=3.0)
    net = build_network(s, cell)
    fused = FusedNetwork(net)
    x, _ = make_inputs(s)
    assert torch.allclose(fused(x), net(x), atol=1e-6)
    with torch.no_grad():
        for p in fused.parameters():
            p.add_(0.1 * torch.randn_like(p))
    other = build_network(s, cell)
    fused.copy_to(other)
    assert torch.allclose(fused(x), other(x), atol=1e-6) and not torch.allclose(other(x), net(x), atol=1e-3)
    assert not FusedNetwork.supports(build_network(GradientSettings(cells=("rnn",), activation="sigmoid"), "rnn"))


def test_lstm_loop_gains_read_the_right_step_and_the_cli_reports_them(capsys):
    from rnn_core.gradients.measure import lstm_loop_gains
    s = GradientSettings(cells=("lstm",), length=30, hidden_size=8, forget_bias=3.0, seed=1)
    net = build_network(s, "lstm")
    x, y = make_inputs(s)
    m = gradient_norms_through_time(net, x, y)
    gains = lstm_loop_gains(net, x, [1, 15, 29, 0, 99])
    assert [g.step for g in gains] == [1, 15, 29]             # steps outside 1..T−1 are left out
    for g in gains:
        assert g.max_forget == pytest.approx(float(m.forget_gates[g.step].max()), rel=1e-6)
    assert main(["gradients", "--cell", "lstm", "--length", "20", "--hidden", "8", "--forget-bias", "3"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out["step_jacobian_radius"]) == {"1", "10", "19"}
    assert out["cell_state_ratio"] > out["forget_path"] > 0
    assert main(["gradients", "--cell", "gru", "--length", "20", "--update-bias", "3"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["mean_update_gate"] > 0.9
