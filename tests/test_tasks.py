"""The task generators: right targets, right shapes, the baselines they claim, and clear length errors."""

import pytest
import torch

from rnn_core.errors import RNNLabError
from rnn_core.data.tasks import (ADDING_TOLERANCE, FIRST_SYMBOLS, TASKS, adding_baseline, adding_batch, check_length,
                            describe_example, first_symbol_batch, get_task, parse_lengths, reverse_batch, success,
                            temporal_order_batch)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_adding_target_is_the_sum_of_the_two_marked_values():
    x, y = adding_batch(64, 30, gen())
    assert x.shape == (64, 30, 2) and y.shape == (64,)
    assert torch.all(x[:, :, 1].sum(dim=1) == 2)
    first = x[:, :15, 1].argmax(dim=1)
    second = 15 + x[:, 15:, 1].argmax(dim=1)   # one marker in each half
    rows = torch.arange(64)
    assert torch.allclose(y, x[rows, first, 0] + x[rows, second, 0])


def test_adding_baseline_matches_the_best_constant_answer():
    _, y = adding_batch(200_000, 10, gen(1))
    measured = float(((y - 1.0).abs() < ADDING_TOLERANCE).float().mean())
    assert abs(measured - adding_baseline()) < 0.005
    assert TASKS["adding"].baseline == pytest.approx(adding_baseline())


def test_first_symbol_target_is_the_first_symbol_and_distractors_never_are_classes():
    x, y = first_symbol_batch(500, 40, gen())
    assert torch.equal(x[:, 0], y)
    assert torch.all(x[:, 1:] >= FIRST_SYMBOLS) and torch.all(y < FIRST_SYMBOLS)
    counts = torch.bincount(y, minlength=FIRST_SYMBOLS).float() / len(y)
    assert torch.all((counts - 1 / FIRST_SYMBOLS).abs() < 0.05)   # chance really is 1 in 16
    assert TASKS["first-symbol"].baseline == pytest.approx(1 / 16)


@pytest.mark.parametrize("length", [10, 37, 100])
def test_temporal_order_class_encodes_the_order_of_the_two_markers(length):
    x, y = temporal_order_batch(300, length, gen(length))
    assert torch.all(x[:, 0] == 6) and torch.all(x[:, -1] == 7)
    for seq, label in zip(x, y):
        where = torch.nonzero(seq >= 4).flatten()
        where = where[(seq[where] == 4) | (seq[where] == 5)]
        assert len(where) == 2
        m1, m2 = int(seq[where[0]]) - 4, int(seq[where[1]]) - 4
        assert int(label) == 2 * m1 + m2
        assert where[0] <= 0.2 * length + 1 and where[1] >= 0.5 * length - 1


def test_reverse_target_is_the_input_backwards():
    x, y = reverse_batch(8, 12, gen())
    assert torch.equal(y, x.flip(1))
    assert success(TASKS["reverse"], y.clone(), y).all()
    wrong = y.clone()
    wrong[:, 3] = (wrong[:, 3] + 1) % 26
    assert not success(TASKS["reverse"], wrong, y).any()   # one wrong letter fails the whole sequence


def test_success_of_the_adding_problem_uses_the_tolerance():
    t = torch.tensor([1.0, 1.0])
    assert success(TASKS["adding"], torch.tensor([1.03, 1.05]), t).tolist() == [True, False]


def test_generators_are_reproducible_from_a_seed():
    for task in TASKS.values():
        a, b = task.batch(4, 20, gen(7)), task.batch(4, 20, gen(7))
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_lengths_outside_the_box_get_clear_messages():
    with pytest.raises(RNNLabError, match="at least 10"):
        check_length(get_task("temporal-order"), 5)
    with pytest.raises(RNNLabError, match="too long"):
        check_length(get_task("adding"), 5000)
    with pytest.raises(RNNLabError, match="whole number"):
        parse_lengths("25, fifty", get_task("adding"))
    with pytest.raises(RNNLabError, match="at least one"):
        parse_lengths(" , ", get_task("adding"))
    with pytest.raises(RNNLabError, match="Unknown task"):
        get_task("sorting")
    assert parse_lengths("100, 25,25;50", get_task("adding")) == (25, 50, 100)


def test_describe_example_marks_the_steps_that_matter():
    task = get_task("adding")
    x, y = task.batch(1, 20, gen())
    ex = describe_example(task, x[0], y[0])
    assert len(ex["steps"]) == 20 and len(ex["marked"]) == 2
    a, b, total = (float(v) for v in ex["answer"].replace("+", "=").split("="))
    assert f"{a + b:.3f}" == f"{total:.3f}"                 # the printed numbers add up
    assert abs(total - float(y[0])) <= 0.0011             # and give the target
    task = get_task("first-symbol")
    x, y = task.batch(1, 20, gen())
    ex = describe_example(task, x[0], y[0])
    assert ex["marked"] == [0] and ex["answer"].endswith(ex["steps"][0])
    task = get_task("reverse")
    x, y = task.batch(1, 5, gen())
    ex = describe_example(task, x[0], y[0])
    assert ex["answer"] == "".join(ex["steps"])[::-1]
    assert ex["all_matter"] and ex["marked"] == list(range(5))   # every letter matters
