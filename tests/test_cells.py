"""The equation cells must compute exactly what PyTorch's cells compute, values and gradients."""

import pytest
import torch

from rnn_core.nets.cells import GRUCell, LSTMCell, RNNCell, init_recurrent_, make_cell, set_forget_bias_
from rnn_core.errors import RNNLabError

PAIRS = [
    (lambda: RNNCell(5, 7, "tanh"), lambda: torch.nn.RNNCell(5, 7, nonlinearity="tanh")),
    (lambda: RNNCell(5, 7, "relu"), lambda: torch.nn.RNNCell(5, 7, nonlinearity="relu")),
    (lambda: LSTMCell(5, 7), lambda: torch.nn.LSTMCell(5, 7)),
    (lambda: GRUCell(5, 7), lambda: torch.nn.GRUCell(5, 7)),
]


def _unroll(cell, xs, state, torch_cell):
    outs = []
    for x in xs:
        if torch_cell:
            state = cell(x, state)
            outs.append(state[0] if isinstance(state, tuple) else state)
        else:
            h, state, _ = cell(x, state)
            outs.append(h)
    return torch.stack(outs)


@pytest.mark.parametrize("ours_factory, theirs_factory", PAIRS)
def test_cells_match_torch_values_and_gradients(ours_factory, theirs_factory):
    torch.manual_seed(0)
    ours, theirs = ours_factory(), theirs_factory()
    theirs.load_state_dict(ours.state_dict())
    xs = torch.randn(6, 3, 5)
    state = ours.initial_state(3)
    torch_state = state if not isinstance(state, tuple) else tuple(s.clone() for s in state)
    a = _unroll(ours, xs, state, torch_cell=False)
    b = _unroll(theirs, xs, torch_state, torch_cell=True)
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    a.square().sum().backward()
    b.square().sum().backward()
    for name, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, dict(theirs.named_parameters())[name].grad, rtol=1e-4, atol=1e-6)


def test_sigmoid_rnn_follows_its_equation():
    torch.manual_seed(0)
    cell = RNNCell(3, 4, "sigmoid")
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    expected = torch.sigmoid(x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
    out, _, gates = cell(x, h)
    torch.testing.assert_close(out, expected)
    assert set(gates) == {"pre_activation"}


def test_lstm_gates_are_exposed_and_in_range():
    torch.manual_seed(0)
    cell = LSTMCell(3, 4, forget_bias=1.0)
    h, (h2, c), gates = cell(torch.randn(5, 3), cell.initial_state(5))
    assert set(gates) == {"input", "forget", "candidate", "output", "cell"}
    for name in ("input", "forget", "output"):
        assert gates[name].min() >= 0 and gates[name].max() <= 1
    torch.testing.assert_close(h, gates["output"] * torch.tanh(gates["cell"]))


def test_forget_bias_sets_the_total_forget_bias():
    cell = LSTMCell(3, 4, forget_bias=0.0)
    set_forget_bias_(cell.bias_ih, cell.bias_hh, 3.0)
    total = (cell.bias_ih + cell.bias_hh)[4:8]
    torch.testing.assert_close(total, torch.full((4,), 3.0))


@pytest.mark.parametrize("scheme, gain", [("orthogonal", 0.9), ("identity", 1.0), ("normal", 1.0)])
def test_recurrent_initialisation(scheme, gain):
    torch.manual_seed(0)
    w = torch.empty(64, 64)
    init_recurrent_(w, scheme, gain)
    singular = torch.linalg.svdvals(w)
    if scheme == "orthogonal":
        torch.testing.assert_close(singular, torch.full((64,), gain), rtol=1e-4, atol=1e-4)
    elif scheme == "identity":
        torch.testing.assert_close(w, torch.eye(64))
    else:   # a Gaussian matrix with variance gain²/H has spectral radius close to gain
        radius = torch.linalg.eigvals(w).abs().max().item()
        assert 0.8 < radius < 1.2


def test_unknown_names_are_user_errors():
    with pytest.raises(RNNLabError):
        make_cell("transformer", 2, 2)
    with pytest.raises(RNNLabError):
        RNNCell(2, 2, "softplus")
    with pytest.raises(RNNLabError):
        init_recurrent_(torch.empty(2, 2), "xavier")
