"""The step-through's numbers: forward through the equation cells, hand-written BPTT against autograd."""

import json

import numpy as np
import pytest
import torch

from rnn_core.__main__ import main
from rnn_core.errors import RNNLabError
from rnn_core.stepthrough.recording import PARAM_NAMES, autograd_gradients, check_word, step_through


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("train_steps", [0, 10])
def test_hand_computed_bptt_equals_autograd(cell, train_steps):
    run = step_through("hello", cell, hidden_size=4, seed=3, train_steps=train_steps)
    auto = autograd_gradients(run)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(run.grads[name], auto[name], atol=1e-12, err_msg=name)
        assert np.abs(run.grads[name]).sum() > 0, name
    for b in run.backward:
        np.testing.assert_allclose(b.dh, auto["dh"][b.t], atol=1e-12)
    assert run.autograd_difference() < 1e-12


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_forward_numbers_are_the_cells_own(cell):
    run = step_through("gradient", cell, hidden_size=3, seed=1)
    assert run.vocab == sorted(set("gradient"))
    assert [f.char for f in run.forward] == list("gradien") and [f.target for f in run.forward] == list("radient")
    net = run.network
    with torch.no_grad():
        reference = getattr(torch.nn, cell.upper())(len(run.vocab), 3).double()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, f"{name}_l0").copy_(getattr(net.cell, name))
        x = torch.tensor(np.stack([f.x for f in run.forward]))
        out, _ = reference(x)
    np.testing.assert_allclose(np.stack([f.h for f in run.forward]), out.numpy(), atol=1e-12)
    for f in run.forward:
        assert f.x.sum() == 1 and f.x[run.vocab.index(f.char)] == 1
        np.testing.assert_allclose(f.input_part + f.recurrent_part + f.bias, f.pre_activation)
        np.testing.assert_allclose(f.probs.sum(), 1.0)
        np.testing.assert_allclose(f.loss, -np.log(f.probs[run.vocab.index(f.target)]))
        np.testing.assert_allclose(f.logits, run.params["W_hy"] @ f.h)
        if cell == "rnn":
            np.testing.assert_allclose(np.tanh(f.pre_activation), f.h)
    np.testing.assert_allclose(run.loss, sum(f.loss for f in run.forward))
    if cell == "lstm":
        assert set(run.forward[0].gates) == {"input", "forget", "candidate", "output"}
        assert run.forward[-1].c is not None


def test_backward_pieces_add_up_and_the_last_error_fades():
    run = step_through("hello", "rnn", hidden_size=3, seed=0)
    for b in run.backward:
        np.testing.assert_allclose(b.dh, b.dh_from_output + b.dh_from_future)
        f = run.forward[b.t]
        np.testing.assert_allclose(b.d_pre_activation, (1 - f.h ** 2) * b.dh)
        later = run.backward[b.t + 1] if b.t + 1 < run.steps else None
        np.testing.assert_allclose(b.dh_from_future, later.dh_prev if later else 0.0)
    norms = [b.last_loss_dh_norm for b in run.backward]
    assert all(earlier < later for earlier, later in zip(norms, norms[1:]))   # untrained: the signal shrinks
    assert run.walk()[0] == ("forward", 0) and run.walk()[-1] == ("backward", 0) and len(run.walk()) == 8


def test_training_on_the_word_makes_the_predictions_right():
    before = step_through("hello", "lstm", hidden_size=4, seed=0)
    after = step_through("hello", "lstm", hidden_size=4, seed=0, train_steps=100)
    assert after.loss < 0.3 * before.loss
    assert [f.prediction for f in after.forward] == list("ello")
    assert len(after.training_losses) == 100
    again = step_through("hello", "lstm", hidden_size=4, seed=0, train_steps=100)
    assert again.loss == after.loss   # the seed reproduces


@pytest.mark.parametrize("word, message", [
    ("", "Type a short word"), ("   ", "Type a short word"), ("a", "at least 2"), ("aaaa", "two different"),
    ("hello world", "letters only"), ("héllo", "letters only"), ("x" * 11 + "y", "at most 10"),
    ("h3llo", "'3'"),
])
def test_bad_words_get_clear_messages(word, message):
    with pytest.raises(RNNLabError, match=message):
        check_word(word)


def test_bad_settings_are_refused():
    assert check_word("  HeLLo ") == "hello"
    with pytest.raises(RNNLabError, match="between 2 and 8"):
        step_through("hello", "rnn", hidden_size=9)
    with pytest.raises(RNNLabError, match="Unknown cell"):
        step_through("hello", "transformer")


def test_command_line_prints_the_numbers(capsys):
    assert main(["step-through", "--word", "hello", "--cell", "gru", "--hidden", "2"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["vocab"] == ["e", "h", "l", "o"] and len(out["steps"]) == 4
    assert out["autograd_difference"] < 1e-12
    assert len(out["steps"][0]["h"]) == 2 and "update" in out["steps"][0]["gates"]
    assert main(["step-through", "--word", "hello", "--cell", "lstm"]) == 0
    steps = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps"]
    run = step_through("hello", "lstm")
    assert [s["last_loss_grad_c_norm"] for s in steps] == [round(b.last_loss_dc_norm, 6) for b in run.backward]
    assert main(["step-through", "--word", "hi there"]) == 2


def _red_arrows(fig):
    from rnn_core.stepthrough.figures import GRADIENT
    return [a for a in fig.layout.annotations if a.showarrow and a.arrowcolor == GRADIENT]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_backward_arrows_are_drawn_between_the_h_boxes(cell):
    """Each recurrent link going back is a visible arrow from h_s's box to h_{s−1}'s (it once ran 0.02 wide)."""
    from rnn_core.stepthrough.figures import unrolled_diagram
    run = step_through("hello", cell, hidden_size=3, seed=0)
    fig = unrolled_diagram(run, "backward", 0)
    links = [a for a in _red_arrows(fig) if a.y == a.ay]                 # horizontal: the recurrent links
    assert len(links) == run.steps * (2 if cell == "lstm" else 1)
    for a in links:
        assert a.ax - a.x >= 0.25                                       # points left, and long enough to see
        col = round(a.ax + 0.36)
        assert abs(a.ax - (col - 0.34)) < 0.05 and abs(a.x - (col - 1 + 0.34)) < 0.05   # box edge to box edge
    labels = {a.text for a in fig.layout.annotations if not a.showarrow}
    sent = {f"{np.linalg.norm(b.dh_prev):.2g}" for b in run.backward if b.t > 0}
    assert sent <= labels                                               # the arrows carry what is sent back
    assert f"{np.linalg.norm(run.backward[-1].dh):.2g}" in " ".join(labels)   # and ‖∂L/∂h_T‖ is under h_T


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("phase", ["forward", "backward"])
def test_the_cell_diagram_carries_the_steps_values(cell, phase):
    from rnn_core.stepthrough.figures import cell_diagram
    run = step_through("hello", cell, hidden_size=4, seed=2, train_steps=10)
    t = 2
    text = " ".join(a.text or "" for a in cell_diagram(run, t, phase).layout.annotations)
    f = run.forward[t]
    for name, values in f.gates.items():
        assert " ".join(f"{v:.2f}" for v in values) in text, name
    assert " ".join(f"{v:.2f}" for v in f.h) in text
    if cell == "lstm":
        assert " ".join(f"{v:.2f}" for v in f.c) in text and "c₃" in text
    if phase == "backward":
        b = run.backward[t]
        shown = b.dc_prev if cell == "lstm" else b.dh_direct
        assert " ".join(f"{v:.2f}" for v in shown) in text
    else:
        assert "∂L" not in text
    with pytest.raises(ValueError):
        cell_diagram(step_through("hello", "rnn"), 0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_diagrams_pictures_show_what_their_figures_show(cell):
    """The page shows its diagrams as SVG pictures drawn straight from their parts: the same picture as the
    plotly figure's, with every label, box and arrow of it."""
    import re
    import xml.etree.ElementTree as ET
    from html import unescape

    from rnn_core.stepthrough.figures import (ARCHITECTURES, architecture_diagram, architecture_svg, cell_diagram,
                                              cell_svg, diagram_svg, unrolled_diagram, unrolled_svg)
    run = step_through("hello", cell, hidden_size=3, seed=0)
    pairs = [(unrolled_diagram(run, phase, t), unrolled_svg(run, phase, t, 940), 940)
             for phase in ("forward", "backward") for t in (0, 2)]
    if cell != "rnn":
        pairs += [(cell_diagram(run, 1, phase), cell_svg(run, 1, phase, 940), 940) for phase in ("forward", "backward")]
    if cell == "gru":
        pairs += [(architecture_diagram(key), architecture_svg(key, 191), 191) for key in ARCHITECTURES]
    for fig, svg, width in pairs:
        assert svg == diagram_svg(fig, width)
        root = ET.fromstring(svg)                                       # well-formed
        shown = unescape(re.sub(r"<[^>]+>", "", svg))
        words = re.sub(r"<[^>]+>", " ", " ".join(a.text or "" for a in fig.layout.annotations)).split()
        assert all(w in shown for w in words)
        if fig.layout.title.text:
            assert fig.layout.title.text in shown
        tags = [e.tag.split("}")[-1] for e in root.iter()]
        assert tags.count("rect") + tags.count("ellipse") + tags.count("line") >= len(fig.layout.shapes)
        assert tags.count("polygon") == sum(1 for a in fig.layout.annotations if a.showarrow)
