"""The project's Adam is torch.optim.Adam's update, bit for bit, and training never loads torch._dynamo."""

import subprocess
import sys

import pytest
import torch

from rnn_core.runs.adam import Adam


def _model(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Embedding(7, 5), torch.nn.LSTM(5, 6, batch_first=True))


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_the_same_weights_as_torch_adam_step_for_step(weight_decay):
    ours, theirs = _model(0), _model(0)
    opt_ours = Adam(ours.parameters(), lr=0.02, weight_decay=weight_decay)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=0.02, weight_decay=weight_decay)
    draw = torch.Generator().manual_seed(1)
    for step in range(60):
        idx = torch.randint(0, 7, (4, 9), generator=draw)
        lr = 0.02 * (1 - step / 60)   # the schedule sets the rate before every step, as the loop does
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.param_groups[0]["lr"] = lr
            opt.zero_grad(set_to_none=True)
            out, _ = model[1](model[0](idx))
            out.pow(2).mean().backward()
            if step % 7 == 3:   # a parameter without a gradient at a step: left alone, its count held
                model[0].weight.grad = None
            opt.step()
        for a, b in zip(ours.parameters(), theirs.parameters()):
            assert torch.equal(a, b), step
    assert not torch.equal(ours[0].weight, _model(0)[0].weight)   # it did train


def test_zero_grad_without_none_zeroes_the_gradients():
    model = _model(0)
    opt = Adam(model.parameters(), lr=0.1)
    model[1](model[0](torch.zeros(1, 3, dtype=torch.long)))[0].sum().backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())


@pytest.mark.slow
def test_a_training_never_loads_torch_dynamo():
    """Importing it cost the first training of every server 0.8 s and about 100 MB (torch.optim's optimisers
    load it): a fresh interpreter trains a language model without it."""
    code = ("import sys, dataclasses\n"
            "from rnn_core.data.corpora import load_builtin\n"
            "from rnn_core.language_model.training import preset, train_language_model\n"
            "s = dataclasses.replace(preset('quick', cell='gru'), max_steps=20, eval_every_steps=10)\n"
            "train_language_model(load_builtin('python-docs'), s)\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
