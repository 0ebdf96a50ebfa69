"""The one training loop: budgets, stopping, divergence, schedule, reproducibility."""

import math
import threading
import time

import pytest
import torch

from rnn_core.errors import RNNLabError
from rnn_core.runs.loop import EVAL_SHARE, TrainConfig, learning_rate, seed_everything, train


def _regression(seed=0):
    """A tiny linear regression: model, and a loss function over seeded batches."""
    generator = seed_everything(seed)
    model = torch.nn.Linear(4, 1)
    true_w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])

    def loss_on_step(step):
        x = torch.randn(32, 4, generator=generator)
        return torch.nn.functional.mse_loss(model(x), x @ true_w.T)
    return model, loss_on_step


def test_loss_falls_and_every_step_is_recorded():
    model, loss_fn = _regression()
    result = train(model, loss_fn, TrainConfig(max_steps=200, lr=0.05, warmup_steps=0))
    assert result.steps == 200 and len(result.history) == 200 and result.stop_reason == "finished"
    assert result.history[-1]["train_loss"] < 0.01 * result.history[0]["train_loss"]


def test_same_seed_same_run_different_seed_different_run():
    runs = [train(*_regression(seed), TrainConfig(max_steps=30, lr=0.01)).history for seed in (1, 1, 2)]
    assert [r["train_loss"] for r in runs[0]] == [r["train_loss"] for r in runs[1]]
    assert [r["train_loss"] for r in runs[0]] != [r["train_loss"] for r in runs[2]]


def test_stop_event_stops_and_keeps_the_model():
    model, loss_fn = _regression()
    stop = threading.Event()

    def stop_after_ten(progress):
        if progress.step >= 10:
            stop.set()
    result = train(model, loss_fn, TrainConfig(max_steps=100_000, report_every_seconds=0), stop=stop,
                   on_progress=stop_after_ten)
    assert result.stop_reason == "stopped" and 10 <= result.steps < 100
    assert "kept" in result.message


def test_divergence_stops_before_the_bad_update():
    model, loss_fn = _regression()
    snapshots = []

    def explode_at_five(step):
        snapshots.append(model.weight.detach().clone())
        loss = loss_fn(step)
        return loss * math.inf if step == 5 else loss
    result = train(model, explode_at_five, TrainConfig(max_steps=50))
    assert result.diverged and result.steps == 5 and "diverged" in result.message
    assert torch.isfinite(model.weight).all()
    torch.testing.assert_close(model.weight, snapshots[-2])   # the weights from before the last update


def test_time_budget_ends_the_run():
    model, loss_fn = _regression()
    result = train(model, loss_fn, TrainConfig(max_steps=1_000_000, seconds=0.3))
    assert result.stop_reason in ("time", "finished") and result.steps < 1_000_000
    assert result.planned_steps < 1_000_000   # the schedule was fitted to the time budget


def test_solved_ends_the_run_early():
    model, loss_fn = _regression()
    result = train(model, loss_fn, TrainConfig(max_steps=5000, lr=0.05, eval_every_seconds=0),
                   evaluate=lambda: {"val_loss": loss_fn(0).item()}, solved=lambda m: m["val_loss"] < 0.01)
    assert result.stop_reason == "solved" and result.steps < 5000 and result.metrics["val_loss"] < 0.01


def test_clipping_bounds_the_update():
    model, loss_fn = _regression()
    big = lambda step: 1e6 * loss_fn(step)  # noqa: E731
    result = train(model, big, TrainConfig(max_steps=1, clip=1.0, lr=0.1, warmup_steps=0))
    assert result.history[0]["grad_norm"] > 1.0   # the norm is reported before clipping


def test_schedule_warms_up_then_decays_to_a_tenth():
    config = TrainConfig(max_steps=100, lr=1.0, warmup_steps=10)
    assert learning_rate(config, 0, 100) == pytest.approx(0.1)
    assert learning_rate(config, 10, 100) == pytest.approx(1.0)
    assert learning_rate(config, 100, 100) == pytest.approx(0.1)
    assert learning_rate(TrainConfig(schedule="constant", warmup_steps=0), 50, 100) == pytest.approx(3e-3)


@pytest.mark.parametrize("kwargs", [{"max_steps": 0}, {"lr": -1}, {"lr": float("nan")}, {"seconds": 1e9},
                                    {"clip": -1}, {"schedule": "magic"}])
def test_absurd_settings_are_user_errors(kwargs):
    with pytest.raises(RNNLabError):
        TrainConfig(**kwargs)


def test_slow_evaluations_are_spaced_out_to_a_small_share_of_the_time():
    model, loss_fn = _regression()
    calls = []

    def slow_evaluate():
        calls.append(1)
        time.sleep(0.05)
        return {"val_loss": 1.0}

    # Asked to evaluate after every step, the loop instead keeps evaluations to EVAL_SHARE of the time.
    result = train(model, loss_fn, TrainConfig(max_steps=1_000_000, seconds=1.5, eval_every_seconds=0.0),
                   evaluate=slow_evaluate)
    assert result.stop_reason in ("time", "finished") and result.seconds > 1.0   # the schedule fits the budget
    assert 2 <= len(calls) <= 3      # the first, perhaps one more after 0.05 s × 39, and the last
    assert len(calls) * 0.05 <= 0.15 < EVAL_SHARE * 100 * result.seconds


def test_keep_best_hands_back_the_best_evaluated_model_and_patience_stops_early():
    model, loss_fn = _regression()
    scores = iter([5.0, 3.0, 4.0, 4.5, 4.2, 6.0, 7.0])   # best at the 2nd evaluation, then none better
    weights = []

    def evaluate():
        weights.append(model.weight.detach().clone())
        return {"val_loss": next(scores)}

    config = TrainConfig(max_steps=100, lr=0.05, eval_every_steps=10, keep_best="val_loss", patience=3)
    result = train(model, loss_fn, config, evaluate=evaluate)
    assert result.stop_reason == "early" and result.steps == 50 and "step 20" in result.message
    assert result.best_step == 20 and result.best_metrics["val_loss"] == 3.0
    assert result.metrics["val_loss"] == 4.2                 # the last evaluation is still reported
    torch.testing.assert_close(model.weight, weights[1])      # the model handed back is the best one


def test_without_keep_best_the_last_model_is_kept_and_no_best_is_reported():
    model, loss_fn = _regression()
    result = train(model, loss_fn, TrainConfig(max_steps=30, eval_every_steps=10),
                   evaluate=lambda: {"val_loss": 1.0})
    assert result.best_step is None and result.best_metrics == {}
    assert [row["step"] for row in result.history if "val_loss" in row] == [10, 20, 30]   # no repeat at the end


def test_patience_needs_a_metric_to_watch():
    with pytest.raises(RNNLabError):
        TrainConfig(patience=3)


def test_a_step_budget_with_a_time_limit_keeps_its_schedule():
    """fit_to_time=False: the steps are the budget and the clock only stops a stretched run."""
    model, loss_fn = _regression()
    result = train(model, loss_fn, TrainConfig(max_steps=200, seconds=60, fit_to_time=False))
    assert result.planned_steps == 200 and result.steps == 200 and result.stop_reason == "finished"


def test_progress_reports_the_mean_training_loss_since_the_last_report():
    model, loss_fn = _regression()
    reports = []
    result = train(model, loss_fn, TrainConfig(max_steps=40, report_every_seconds=0), on_progress=reports.append)
    losses = [row["train_loss"] for row in result.history]
    first, second = reports[0], reports[1]
    assert first.mean_train_loss == pytest.approx(losses[0])
    assert second.mean_train_loss == pytest.approx(sum(losses[first.step:second.step]) / (second.step - first.step))


def test_patience_running_out_on_the_last_step_is_not_called_early():
    """'Stopped early at step 1,500' read oddly when the budget was 1,500 steps: the message says it used them all."""
    import torch
    from rnn_core.runs.loop import TrainConfig, train
    w = torch.nn.Parameter(torch.zeros(1))
    model = torch.nn.Module()
    model.w = w
    evaluations = iter([{"val_loss": 1.0}] + [{"val_loss": 2.0}] * 10)
    config = TrainConfig(max_steps=20, lr=0.1, eval_every_steps=10, keep_best="val_loss", patience=1,
                         report_every_seconds=60)
    result = train(model, lambda step: (w - 1).pow(2).sum(), config, evaluate=lambda: next(evaluations))
    assert result.stop_reason == "early" and result.steps == 20      # the patience ran out at the last step
    assert "Finished all 20 steps" in result.message and "early" not in result.message and "not improved" in result.message


class _Clock:
    """A stand-in for ``time.perf_counter`` in the loop: every step of training takes exactly ``per_step``."""

    def __init__(self, per_step):
        self.now, self.per_step = 0.0, per_step

    def perf_counter(self):
        return self.now


def test_refit_fits_the_schedule_to_the_time_left_and_a_single_fit_leaves_a_margin(monkeypatch):
    """The clock as the budget: one fit from the first tenth leaves about a tenth unused (its margin); fitted
    again at every tenth, the schedule ends within a few per cent of the budget, and never after it."""
    import rnn_core.runs.loop as loop
    ends = {}
    for refit in (False, True):
        clock = _Clock(0.01)
        monkeypatch.setattr(loop, "time", clock)
        model, loss_fn = _regression()

        def timed_loss(step, loss_fn=loss_fn, clock=clock):
            clock.now += clock.per_step
            return loss_fn(step)
        result = train(model, timed_loss, TrainConfig(max_steps=100_000, seconds=20.0, lr=0.01, refit=refit))
        ends[refit] = result.history[-1]["elapsed"]
        assert result.stop_reason == "finished" and result.steps == result.planned_steps
    assert ends[False] < 0.93 * 20.0
    assert 0.95 * 20.0 <= ends[True] <= 20.0


def test_the_weights_average_is_evaluated_and_handed_back_and_training_goes_on_from_its_own_weights():
    """With ``average``: every evaluation reads the moving average (computed here step by step from the weights
    each update left), the run hands it back, and the training itself is the run without it, step for step."""
    decay = 0.9
    plain_model, plain_loss = _regression()
    plain = train(plain_model, plain_loss, TrainConfig(max_steps=40, lr=0.05))
    model, loss_fn = _regression()
    expected = [p.detach().clone() for p in model.parameters()]
    seen = []

    def tracking_loss(step):
        if step:   # the weights the previous update left: fold them into the expected average
            d = min(decay, (1 + step) / (10 + step))
            for e, p in zip(expected, model.parameters()):
                e.mul_(d).add_(p.detach(), alpha=1 - d)
        return loss_fn(step)

    def evaluate():
        seen.append([p.detach().clone() for p in model.parameters()])
        return {"val_loss": 1.0}
    result = train(model, tracking_loss, TrainConfig(max_steps=40, lr=0.05, average=decay, eval_every_steps=10),
                   evaluate=evaluate)
    assert [r["train_loss"] for r in result.history] == [r["train_loss"] for r in plain.history]
    d = min(decay, 41 / 50)   # the last update's share
    last = [e * d + p.detach() * (1 - d) for e, p in zip(expected, plain_model.parameters())]
    for got, want in zip(model.parameters(), last):
        assert torch.allclose(got.detach(), want, atol=1e-6)
    assert len(seen) == 4 and all(torch.allclose(a, b, atol=1e-6) for a, b in zip(seen[-1], last))
    assert not torch.allclose(last[0], plain_model.weight.detach(), atol=1e-3)   # not the last weights


def test_a_diverging_run_with_an_average_hands_back_what_it_would_without():
    """The average took in the weights that blew up: the run hands back the weights before them, as without."""
    handed_back = []
    for average in (None, 0.99):
        model, loss_fn = _regression()

        def explode_at_five(step, loss_fn=loss_fn):
            loss = loss_fn(step)
            return loss * math.inf if step == 5 else loss
        assert train(model, explode_at_five, TrainConfig(max_steps=50, average=average)).diverged
        handed_back.append(model.weight.detach().clone())
    assert torch.equal(*handed_back)


@pytest.mark.parametrize("decay", [1.0, -0.1, 2.0])
def test_an_average_that_never_moves_is_refused(decay):
    with pytest.raises(RNNLabError, match="average"):
        TrainConfig(average=decay)
