"""The project's GRU (rnn_core/nets/gru.py) must compute what torch.nn.GRU computes, outputs, final states and
every gradient, up to rounding, in every configuration the subjects use. Its speed is measured by
benchmarks/gru_speed.py, not here."""

import pytest
import torch

from rnn_core.nets.gru import GRU, GRUSequence

CONFIGS = [  # (layers, bidirectional, batch_first, initial state given)
    (1, False, True, True),
    (1, False, True, False),
    (1, True, True, True),
    (2, False, True, True),
    (2, True, True, False),
    (1, False, False, True),
    (3, True, False, True),
]


def _pair(layers, bidirectional, batch_first, dtype=torch.float32, size=(5, 7)):
    torch.manual_seed(0)
    theirs = torch.nn.GRU(*size, layers, batch_first=batch_first, bidirectional=bidirectional).to(dtype)
    ours = GRU(*size, layers, batch_first=batch_first, bidirectional=bidirectional).to(dtype)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _run(module, x, h0):
    x = x.clone().requires_grad_()
    h0 = None if h0 is None else h0.clone().requires_grad_()
    out, state = module(x, h0)
    weights = torch.Generator().manual_seed(1)   # a loss that reads every output and the final state unevenly
    loss = (out * torch.randn(out.shape, generator=weights, dtype=out.dtype)).sum() \
        + (state * torch.randn(state.shape, generator=weights, dtype=out.dtype)).sum()
    loss.backward()
    grads = {"input": x.grad, **{name: p.grad for name, p in module.named_parameters()}}
    if h0 is not None:
        grads["initial state"] = h0.grad
    return out, state, grads


def _took_hand_written_path(out) -> bool:
    seen, todo = set(), [out.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        if "GRUSequence" in type(fn).__name__:
            return True
        seen.add(fn)
        todo.extend(f for f, _ in fn.next_functions)
    return False


@pytest.mark.parametrize("layers, bidirectional, batch_first, with_state", CONFIGS)
def test_matches_torch_gru_outputs_states_and_gradients(layers, bidirectional, batch_first, with_state):
    ours, theirs = _pair(layers, bidirectional, batch_first)
    torch.manual_seed(2)
    batch, steps = 4, 9
    x = torch.randn((batch, steps, 5) if batch_first else (steps, batch, 5))
    h0 = torch.randn(layers * (2 if bidirectional else 1), batch, 7) if with_state else None
    out, state, grads = _run(ours, x, h0)
    assert _took_hand_written_path(out), "the hand-written path was not taken"
    ref_out, ref_state, ref_grads = _run(theirs, x, h0)
    torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(state, ref_state, rtol=1e-5, atol=1e-5)
    assert grads.keys() == ref_grads.keys()
    for name in grads:
        torch.testing.assert_close(grads[name], ref_grads[name], rtol=1e-4, atol=1e-5, msg=name)


def test_language_model_sizes_match_torch_gru():
    """The Quick preset's shape (hidden 128, embedding 32, 32 steps, batch 32), where the products are large."""
    ours, theirs = _pair(1, False, True, size=(32, 128))
    torch.manual_seed(3)
    x, h0 = torch.randn(32, 32, 32), torch.randn(1, 32, 128) * 0.5
    out, state, grads = _run(ours, x, h0)
    ref_out, ref_state, ref_grads = _run(theirs, x, h0)
    torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(state, ref_state, rtol=1e-5, atol=1e-5)
    for name in grads:
        torch.testing.assert_close(grads[name], ref_grads[name], rtol=1e-4, atol=2e-5, msg=name)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_are_exact_in_float64(reverse):
    torch.manual_seed(4)
    size, features, batch, steps = 3, 2, 2, 4
    args = (torch.randn(steps, batch, features, dtype=torch.float64), torch.randn(batch, size, dtype=torch.float64),
            torch.randn(3 * size, features, dtype=torch.float64), torch.randn(3 * size, size, dtype=torch.float64),
            torch.randn(3 * size, dtype=torch.float64), torch.randn(3 * size, dtype=torch.float64))
    args = tuple(a.requires_grad_() for a in args)
    assert torch.autograd.gradcheck(lambda *a: GRUSequence.apply(*a, reverse), args)


def test_float64_matches_torch_gru_closely():
    ours, theirs = _pair(2, True, True, dtype=torch.float64)
    torch.manual_seed(5)
    x, h0 = torch.randn(3, 6, 5, dtype=torch.float64), torch.randn(4, 3, 7, dtype=torch.float64)
    out, state, grads = _run(ours, x, h0)
    ref_out, ref_state, ref_grads = _run(theirs, x, h0)
    torch.testing.assert_close(out, ref_out, rtol=1e-12, atol=1e-12)
    for name in grads:
        torch.testing.assert_close(grads[name], ref_grads[name], rtol=1e-10, atol=1e-10, msg=name)


def test_without_gradients_it_is_torch_gru_bit_for_bit():
    ours, theirs = _pair(2, False, True)
    x = torch.randn(3, 6, 5)
    with torch.no_grad():
        a, b = ours(x), theirs(x)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_falls_back_to_torch_for_packed_sequences_and_dropout():
    ours, theirs = _pair(2, False, True)
    x, lengths = torch.randn(3, 6, 5), torch.tensor([6, 2, 4])
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    a, b = ours(packed), theirs(packed)
    assert torch.equal(a[0].data, b[0].data) and torch.equal(a[1], b[1])
    ours.dropout = theirs.dropout = 0.5
    ours.train(), theirs.train()
    torch.manual_seed(6)
    a = ours(x)[0]
    torch.manual_seed(6)
    b = theirs(x)[0]
    assert torch.equal(a, b)   # the same random draws: torch's own path


def test_keeps_torch_gru_state_dict():
    ours, theirs = _pair(2, True, True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(ours.state_dict()[k].shape == v.shape for k, v in theirs.state_dict().items())
    assert isinstance(ours, torch.nn.GRU)


def test_bad_state_shape_is_refused_as_torch_refuses_it():
    ours, _ = _pair(1, False, True)
    with pytest.raises(RuntimeError):
        ours(torch.randn(3, 6, 5, requires_grad=True), torch.randn(2, 3, 7))
