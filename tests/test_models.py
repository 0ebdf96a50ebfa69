"""The language model: fused training path and equation-cell replay must agree."""

import pytest
import torch

from rnn_core.errors import RNNLabError
from rnn_core.language_model.model import LanguageModel, ModelConfig


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("encoding", ["embedding", "onehot"])
def test_replay_matches_the_fused_forward(cell, encoding):
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=11, cell=cell, hidden_size=8, num_layers=2, encoding=encoding))
    idx = torch.randint(0, 11, (3, 9))
    logits, _, state = model(idx)
    replay = model.replay(idx)
    torch.testing.assert_close(replay.logits, logits, rtol=1e-5, atol=1e-5)
    assert len(replay.hidden) == 2 and replay.hidden[1].shape == (3, 9, 8)
    last_h = state[0] if cell == "lstm" else state
    torch.testing.assert_close(replay.hidden[1][:, -1], last_h[1], rtol=1e-5, atol=1e-5)
    expected_gates = {"rnn": {"pre_activation"}, "lstm": {"input", "forget", "candidate", "output", "cell"},
                      "gru": {"reset", "update", "candidate"}}[cell]
    assert set(replay.gates[0]) == expected_gates


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_carrying_state_equals_one_long_pass(cell):
    torch.manual_seed(1)
    model = LanguageModel(ModelConfig(vocab_size=7, cell=cell, hidden_size=6))
    idx = torch.randint(0, 7, (2, 10))
    whole, _, _ = model(idx)
    first, _, state = model(idx[:, :4])
    second, _, _ = model(idx[:, 4:], state=state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole, rtol=1e-5, atol=1e-6)


def test_sigmoid_rnn_uses_the_equation_cells_and_learns():
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=5, cell="rnn", hidden_size=8, activation="sigmoid"))
    assert not model.fused
    idx = torch.tensor([[0, 1, 2, 3, 4] * 4])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        _, loss, _ = model(idx[:, :-1], idx[:, 1:])
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first


def test_loss_is_cross_entropy_of_the_logits():
    torch.manual_seed(0)
    model = LanguageModel(ModelConfig(vocab_size=6, hidden_size=4))
    idx, targets = torch.randint(0, 6, (2, 5)), torch.randint(0, 6, (2, 5))
    logits, loss, _ = model(idx, targets)
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 6), targets.reshape(-1))
    torch.testing.assert_close(loss, expected)


def test_absurd_configurations_are_refused_with_a_message():
    with pytest.raises(RNNLabError, match="Hidden size"):
        ModelConfig(vocab_size=10, hidden_size=0)
    with pytest.raises(RNNLabError, match="One-hot"):
        ModelConfig(vocab_size=50_000, encoding="onehot")
    with pytest.raises(RNNLabError, match="Layers"):
        ModelConfig(vocab_size=10, num_layers=9)
