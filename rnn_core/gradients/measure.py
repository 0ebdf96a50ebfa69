"""Gradients through time: how much of the loss at the last step reaches each earlier step.

A network here is an equation cell (``rnn_core.nets.cells``) unrolled over a sequence with a linear readout of its
last hidden state; the loss L is computed at the last step only. :func:`gradient_norms_through_time` runs a
real backward pass and returns ‖∂L/∂h_t‖ for every step t, so the learner sees the gradient shrink (vanish)
or grow (explode) as it flows back. For the vanilla RNN the same picture has a theory (Pascanu, Mikolov &
Bengio 2013): with h_t = act(W_hh h_{t-1} + W_xh x_t + b),

    ∂h_T/∂h_t = ∏_{s=t+1..T} diag(act'(a_s)) W_hh,   so   ‖∂h_T/∂h_t‖ ≤ (γ·σ_max(W_hh))^(T−t),

with γ = max |act'| (1 for tanh and ReLU, 1/4 for the sigmoid). :func:`rnn_jacobian_norms` computes those
products exactly, and :func:`spectrum` the singular values and eigenvalues of W_hh.

Measurements run in float64, so that a gradient of 1e-60 is shown as 1e-60 and not rounded to zero; norms
that overflow are reported as ``inf`` or ``nan``, never raised. Training lives in ``rnn_core.gradients.training``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from rnn_core.nets.cells import ACTIVATIONS, CELL_NAMES, init_recurrent_, make_cell
from rnn_core.data.corpora import BUILT_IN, load_builtin
from rnn_core.errors import RNNLabError
from rnn_core.data.tasks import adding_batch
from rnn_core.data.text import Tokenizer

MAX_LENGTH = 500          # one recomputation of all three cells stays around a second on a 2-core box
MAX_HIDDEN = 256
MAX_BATCH = 64
INPUT_KINDS = ("random", "adding", "text")
INITS = ("default", "normal", "orthogonal", "identity")
GAMMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}   # the largest slope of each activation
TEXT_VOCAB = 64           # characters of the text input beyond the 63 most frequent become <unk>


@dataclass(frozen=True)
class GradientSettings:
    """One experiment: which cells, how long, and how the recurrent weights start.

    ``init``/``gain`` and ``radius`` shape the vanilla RNN's W_hh (the matrix the theory is about); the LSTM
    and GRU keep PyTorch's standard initialisation unless ``gated_init`` is set, in which case every gate's
    recurrent block gets the same treatment. ``radius`` rescales W_hh so that its largest |eigenvalue| is
    exactly ``radius`` (None leaves it as initialised). ``update_bias`` sets the GRU update gate's total bias
    (the GRU's counterpart of the LSTM's forget-gate bias; None keeps PyTorch's, which is about 0).
    """

    cells: tuple[str, ...] = CELL_NAMES
    length: int = 100
    hidden_size: int = 64
    activation: str = "tanh"
    init: str = "orthogonal"
    gain: float = 1.0
    radius: float | None = None
    forget_bias: float = 1.0
    gated_init: bool = False
    inputs: str = "random"
    text: str = "python-docs"
    batch: int = 8
    seed: int = 0
    update_bias: float | None = None

    def __post_init__(self):
        if not self.cells or any(c not in CELL_NAMES for c in self.cells):
            raise RNNLabError(f"Choose at least one cell among {', '.join(CELL_NAMES)} (got {self.cells!r}).")
        if not 2 <= self.length <= MAX_LENGTH:
            raise RNNLabError(f"The sequence length must be between 2 and {MAX_LENGTH} (got {self.length}): "
                              "longer sequences take too long to recompute on this machine.")
        if not 1 <= self.hidden_size <= MAX_HIDDEN:
            raise RNNLabError(f"The hidden size must be between 1 and {MAX_HIDDEN} (got {self.hidden_size}).")
        if not 1 <= self.batch <= MAX_BATCH:
            raise RNNLabError(f"The batch must hold between 1 and {MAX_BATCH} sequences (got {self.batch}).")
        if self.activation not in ACTIVATIONS:
            raise RNNLabError(f"Unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
        if self.init not in INITS:
            raise RNNLabError(f"Unknown initialisation {self.init!r}; choose one of {', '.join(INITS)}.")
        if not (math.isfinite(self.gain) and 0 < self.gain <= 10):
            raise RNNLabError(f"The initialisation scale must be above 0 and at most 10 (got {self.gain}).")
        if self.radius is not None and not (math.isfinite(self.radius) and 0 < self.radius <= 10):
            raise RNNLabError(f"The spectral radius must be above 0 and at most 10 (got {self.radius}).")
        if not (math.isfinite(self.forget_bias) and -20 <= self.forget_bias <= 20):
            raise RNNLabError(f"The forget-gate bias must be between -20 and 20 (got {self.forget_bias}).")
        if self.update_bias is not None and not (math.isfinite(self.update_bias) and -20 <= self.update_bias <= 20):
            raise RNNLabError(f"The update-gate bias must be between -20 and 20 (got {self.update_bias}).")
        if self.inputs not in INPUT_KINDS:
            raise RNNLabError(f"Unknown input {self.inputs!r}; choose one of {', '.join(INPUT_KINDS)}.")
        if self.inputs == "text" and self.text not in BUILT_IN:
            raise RNNLabError(f"Unknown text {self.text!r}; choose one of {', '.join(BUILT_IN)}.")


# Where the Vanishing gradients page starts (its claim tests read the same): every field as the dataclass has it,
# and the vanilla RNN's orthogonal W_hh rescaled to radius 0.9, so that every singular value is 0.9 and the
# gradient must vanish (bound 0.9^(T−1)).
PAGE_DEFAULTS = GradientSettings(radius=0.9)


class LastStepNetwork(nn.Module):
    """An equation cell unrolled over the sequence; a linear readout of the last hidden state h_T."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int = 1,
                 activation: str = "tanh", forget_bias: float = 1.0):
        super().__init__()
        self.kind = cell
        self.cell = make_cell(cell, input_size, hidden_size, activation, forget_bias)
        self.readout = nn.Linear(hidden_size, output_size)

    def unroll(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[dict]]:
        """Every hidden state h_0..h_{T-1} (``x`` is batch × T × input) and every step's gates."""
        state = self.cell.initial_state(x.shape[0], x.device)
        if x.dtype != torch.float32:
            state = tuple(s.to(x.dtype) for s in state) if isinstance(state, tuple) else state.to(x.dtype)
        hs, gates = [], []
        for t in range(x.shape[1]):
            h, state, g = self.cell(x[:, t], state)
            hs.append(h)
            gates.append(g)
        return hs, gates

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hs, _ = self.unroll(x)
        return self.readout(hs[-1]).squeeze(-1)


def last_step_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared error for a number to predict (adding problem), cross-entropy for a next character."""
    if target.dtype == torch.long:
        return nn.functional.cross_entropy(output, target)
    return nn.functional.mse_loss(output, target.to(output.dtype))


# --- inputs ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _text_ids(key: str) -> tuple[Tokenizer, torch.Tensor]:
    text = load_builtin(key)
    tokenizer = Tokenizer.build(text, "char", max_vocab=TEXT_VOCAB)
    return tokenizer, torch.tensor(tokenizer.encode(text), dtype=torch.long)


def make_inputs(settings: GradientSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The probe batch ``(x, target)`` for a setting, reproducible from its seed.

    ``random``: Gaussian pairs, target 0; ``adding``: the adding problem (value, marker) pairs and their sums;
    ``text``: one-hot characters of random passages of a built-in corpus, target the next character.
    """
    generator = torch.Generator().manual_seed(settings.seed + 12345)
    batch, length = settings.batch, settings.length
    if settings.inputs == "adding":
        return adding_batch(batch, length, generator)
    if settings.inputs == "random":
        return torch.randn(batch, length, 2, generator=generator), torch.zeros(batch)
    tokenizer, ids = _text_ids(settings.text)
    starts = torch.randint(0, len(ids) - length - 1, (batch,), generator=generator)
    windows = torch.stack([ids[s:s + length + 1] for s in starts.tolist()])
    x = nn.functional.one_hot(windows[:, :-1], len(tokenizer)).float()
    return x, windows[:, -1]


def input_size(settings: GradientSettings) -> int:
    return len(_text_ids(settings.text)[0]) if settings.inputs == "text" else 2


def output_size(settings: GradientSettings) -> int:
    return len(_text_ids(settings.text)[0]) if settings.inputs == "text" else 1


# --- building networks -------------------------------------------------------------------------------------

@torch.no_grad()
def spectral_radius(matrix: torch.Tensor) -> float:
    """The largest |eigenvalue| (nan if the matrix holds non-finite numbers)."""
    if not torch.isfinite(matrix).all():
        return math.nan
    return float(torch.linalg.eigvals(matrix.double()).abs().max())


@torch.no_grad()
def rescale_to_radius_(matrix: torch.Tensor, radius: float) -> None:
    """Multiply a square matrix so that its spectral radius becomes ``radius``."""
    current = spectral_radius(matrix)
    if not current > 1e-12:
        raise RNNLabError("The recurrent matrix has no eigenvalue away from zero, so it cannot be rescaled to a "
                          "spectral radius; pick another initialisation.")
    matrix.mul_(radius / current)


def build_network(settings: GradientSettings, cell: str, seed_offset: int = 0) -> LastStepNetwork:
    """A freshly initialised network for ``cell``: same seed, same weights, whatever the other cells are."""
    torch.manual_seed(settings.seed * 1000 + CELL_NAMES.index(cell) + seed_offset)
    net = LastStepNetwork(cell, input_size(settings), settings.hidden_size, output_size(settings),
                          settings.activation, settings.forget_bias)
    if cell == "rnn" or settings.gated_init:
        weight = net.cell.weight_hh
        init_recurrent_(weight, settings.init, settings.gain)
        if settings.radius is not None:
            for block in weight.data.split(settings.hidden_size, dim=0):
                rescale_to_radius_(block, settings.radius)
    if cell == "gru" and settings.update_bias is not None:
        set_update_bias_(net.cell, settings.update_bias)
    return net


@torch.no_grad()
def set_update_bias_(gru_cell: nn.Module, value: float) -> None:
    """Make the GRU update gate's total bias b_xz + b_hz equal ``value`` (z ≈ σ(value) at the start).

    z_t is the share of h_{t-1} a step keeps, so a bias of 3 (z ≈ 0.95) does for the GRU what a forget-gate
    bias of 3 does for the LSTM.
    """
    H = gru_cell.hidden_size
    gru_cell.bias_ih[H:2 * H] = value
    gru_cell.bias_hh[H:2 * H] = 0.0


# --- measuring -------------------------------------------------------------------------------------------

@dataclass
class Measurement:
    """One cell's gradients through time on one probe batch (index t = step t, the loss at t = T−1)."""

    cell: str
    grad_norms: list[float]                       # ‖∂L/∂h_t‖
    loss: float
    cell_grad_norms: list[float] | None = None    # LSTM: ‖∂L/∂c_t‖
    forget_gates: np.ndarray | None = None        # LSTM: f_t of the first sequence, T × H
    update_gates: np.ndarray | None = None        # GRU: z_t of the first sequence, T × H
    pre_activations: torch.Tensor | None = None   # RNN: a_t of the first sequence, T × H (float64)

    @property
    def ratio(self) -> float:
        """‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖: how much of the gradient survives the whole way back."""
        return safe_ratio(self.grad_norms[0], self.grad_norms[-1])


def safe_ratio(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or (b == 0 and a == 0) or (math.isinf(a) and math.isinf(b)):
        return math.nan
    if b == 0:
        return math.inf
    return a / b


def _norm(g: torch.Tensor | None) -> float:
    return 0.0 if g is None else float(torch.linalg.vector_norm(g.double()))


def gradient_norms_through_time(net: LastStepNetwork, x: torch.Tensor, target: torch.Tensor) -> Measurement:
    """‖∂L/∂h_t‖ for every t, from a real backward pass through the unrolled network (in float64).

    The network is copied, so measuring never changes the weights or their ``.grad``.
    """
    probe = copy.deepcopy(net).double()
    x = x.double()
    with torch.enable_grad():
        hs, gates = probe.unroll(x)
        loss = last_step_loss(probe.readout(hs[-1]).squeeze(-1), target)
        wanted = hs + ([g["cell"] for g in gates] if probe.kind == "lstm" else [])
        grads = torch.autograd.grad(loss, wanted, allow_unused=True) if loss.requires_grad else [None] * len(wanted)
    T = len(hs)
    m = Measurement(probe.kind, [_norm(g) for g in grads[:T]], float(loss.detach()))
    if probe.kind == "lstm":
        m.cell_grad_norms = [_norm(g) for g in grads[T:]]
        m.forget_gates = torch.stack([g["forget"][0] for g in gates]).detach().numpy()
    elif probe.kind == "gru":
        m.update_gates = torch.stack([g["update"][0] for g in gates]).detach().numpy()
    else:
        m.pre_activations = torch.stack([g["pre_activation"][0] for g in gates]).detach()
    return m


def activation_slope(activation: str, a: torch.Tensor) -> torch.Tensor:
    """act'(a): the diagonal of ∂h_t/∂a_t (nan where the forward pass already overflowed to nan)."""
    if activation == "tanh":
        return 1 - torch.tanh(a) ** 2
    if activation == "sigmoid":
        s = torch.sigmoid(a)
        return s * (1 - s)
    return torch.where(torch.isnan(a), a, (a > 0).to(a.dtype))


def rnn_jacobian_norms(weight_hh: torch.Tensor, pre_activations: torch.Tensor, activation: str) -> list[float]:
    """‖∂h_{T-1}/∂h_t‖ (spectral norm) for every t, for the first sequence of a vanilla RNN.

    Built backwards: P_{T-1} = I, P_t = P_{t+1} · diag(act'(a_{t+1})) W_hh. Matrices with inf or nan entries
    give inf or nan instead of an error.
    """
    W = weight_hh.detach().double()
    slopes = activation_slope(activation, pre_activations.double())
    T, H = slopes.shape
    products = torch.empty(T, H, H, dtype=torch.float64)
    P = torch.eye(H, dtype=torch.float64)
    products[T - 1] = P
    with np.errstate(all="ignore"):
        for t in range(T - 2, -1, -1):
            P = P @ (slopes[t + 1].unsqueeze(1) * W)
            products[t] = P
    finite = torch.isfinite(products).flatten(1).all(dim=1)
    norms = torch.full((T,), math.nan, dtype=torch.float64)
    if finite.any():
        norms[finite] = _spectral_norms(products[finite])
    has_nan = torch.isnan(products).flatten(1).any(dim=1)
    norms[~finite & ~has_nan] = math.inf
    return norms.tolist()


def per_step_factor(ratio: float, length: int) -> float:
    """The factor the gradient was multiplied by per step, on average (geometric mean): ratio^(1/(T−1))."""
    if not (math.isfinite(ratio) and ratio > 0) or length < 2:
        return math.nan
    return ratio ** (1.0 / (length - 1))


@dataclass
class Saturation:
    """How far the RNN's units sit from the linear middle of their activation, on the first probe sequence."""

    mean_slope: float        # mean of act'(a_t) over steps and units: the average diagonal factor per step
    saturated_share: float   # share of (step, unit) with slope below 0.2 (|h| > 0.9 for tanh)
    linear_share: float      # share with slope above 0.9 (|h| < 0.32 for tanh)


def saturation(m: Measurement, activation: str) -> Saturation:
    """The slopes act'(a_t) the RNN's gradient was multiplied by (see :func:`rnn_jacobian_norms`)."""
    slopes = activation_slope(activation, m.pre_activations.double())
    slopes = slopes[torch.isfinite(slopes)]
    if slopes.numel() == 0:
        return Saturation(math.nan, math.nan, math.nan)
    top = GAMMA[activation]
    return Saturation(float(slopes.mean()), float((slopes < 0.2 * top).double().mean()),
                      float((slopes > 0.9 * top).double().mean()))


@dataclass
class LoopGain:
    """The LSTM's whole step Jacobian J_t = ∂(h_t, c_t)/∂(h_{t−1}, c_{t−1}) at one step, on the first sequence."""

    step: int
    spectral_radius: float        # > 1: along its leading direction the gradient grows going back through step t
    max_forget: float             # the largest f_t: what the cell-state path alone (diag f_t) could give at most
    mean_abs_cell: float          # mean |c_{t−1}|: how full the cell state is when step t reads it


def lstm_loop_gains(net: LastStepNetwork, x: torch.Tensor, steps: list[int]) -> list[LoopGain]:
    """J_t for the first sequence at ``steps`` (each in 1..T−1), in float64.

    Along the cell state alone the gradient is multiplied by diag(f_t). J_t holds that block, and also the
    routes that leave c_{t−1} through h_{t−1} = o_{t−1} ⊙ tanh(c_{t−1}) and return through the gates' W_h·
    weights: its spectral radius is the actual gain per step, which can reach 1 or more although every f_t < 1.
    """
    cell = copy.deepcopy(net.cell).double()
    x = x[:1].double()
    H = cell.hidden_size
    wanted = sorted({t for t in steps if 1 <= t < x.shape[1]})
    out = []
    with torch.no_grad():
        state = tuple(s.double() for s in cell.initial_state(1))
        states = [state]
        for t in range(max(wanted, default=0)):
            _, state, _ = cell(x[:, t], state)
            states.append(state)

    def step_map(hc: torch.Tensor, t: int) -> torch.Tensor:
        _, (h, c), _ = cell(x[:, t], (hc[:H].unsqueeze(0), hc[H:].unsqueeze(0)))
        return torch.cat([h[0], c[0]])

    for t in wanted:
        h, c = states[t]           # the state after step t−1, which step t reads
        with torch.enable_grad():
            J = torch.autograd.functional.jacobian(lambda v, t=t: step_map(v, t), torch.cat([h[0], c[0]]),
                                                   vectorize=True)
        if not torch.isfinite(J).all():
            out.append(LoopGain(t, math.nan, math.nan, math.nan))
            continue
        forget = torch.diagonal(J[H:, H:])     # ∂c_t/∂c_{t−1} with h_{t−1} held fixed is exactly diag(f_t)
        out.append(LoopGain(t, float(torch.linalg.eigvals(J).abs().max()), float(forget.max()),
                            float(c.abs().mean())))
    return out


def _spectral_norms(matrices: torch.Tensor) -> torch.Tensor:
    """Largest singular value of each matrix, as √λ_max(P Pᵀ) of P scaled to entries ≤ 1 (no underflow).

    A symmetric eigensolver on P Pᵀ is about twice as fast as a batched SVD here, which keeps sliders live.
    """
    scale = matrices.abs().flatten(1).max(dim=1).values.clamp_min(1e-300)
    scaled = matrices / scale[:, None, None]
    top = torch.linalg.eigvalsh(scaled @ scaled.mT)[:, -1].clamp_min(0)
    return torch.where(scale > 1e-300, scale * top.sqrt(), torch.zeros_like(scale))


def pascanu_bound(sigma_max: float, activation: str, length: int) -> list[float]:
    """(γ·σ_max)^(T−1−t) for t = 0..T−1: the most ‖∂h_{T-1}/∂h_t‖ can be (inf where it overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        powers = np.power(np.float64(GAMMA[activation] * sigma_max), np.arange(length - 1, -1, -1, dtype=np.float64))
    return powers.tolist()


@dataclass
class Spectrum:
    singular_values: list[float]
    eigenvalues: list[complex]

    @property
    def max_singular_value(self) -> float:
        return max(self.singular_values) if self.singular_values else math.nan

    @property
    def spectral_radius(self) -> float:
        return max(abs(e) for e in self.eigenvalues) if self.eigenvalues else math.nan


@torch.no_grad()
def spectrum(matrix: torch.Tensor) -> Spectrum:
    """Singular values and eigenvalues of a square matrix (empty when it holds non-finite numbers)."""
    m = matrix.detach().double()
    if not torch.isfinite(m).all():
        return Spectrum([], [])
    return Spectrum(torch.linalg.svdvals(m).tolist(), torch.linalg.eigvals(m).tolist())


def recurrent_blocks(net: LastStepNetwork) -> dict[str, torch.Tensor]:
    """W_hh split by gate (one block for the RNN), named as the cell names its gates."""
    names = {"rnn": ("W_hh",), "lstm": ("input", "forget", "candidate", "output"),
             "gru": ("reset", "update", "candidate")}[net.kind]
    return dict(zip(names, net.cell.weight_hh.detach().split(net.cell.hidden_size, dim=0)))


@dataclass
class GradientReport:
    """Everything the page and the command line show for one setting."""

    settings: GradientSettings
    measurements: dict[str, Measurement]
    spectra: dict[str, dict[str, Spectrum]] = field(default_factory=dict)
    jacobian_norms: list[float] | None = None     # RNN only
    bound: list[float] | None = None              # RNN only
    loop_gains: list[LoopGain] | None = None      # LSTM only: the whole step Jacobian at a few steps

    def summary(self, cell: str) -> dict:
        """The command line's JSON for one cell."""
        m = self.measurements[cell]
        blocks = self.spectra[cell]
        out = {"cell": cell, "length": self.settings.length, "grad_norms": m.grad_norms, "ratio": m.ratio,
               "loss": m.loss, "spectral_radius": max(s.spectral_radius for s in blocks.values())}
        if cell == "rnn":
            out.update(max_singular_value=blocks["W_hh"].max_singular_value, bound=self.bound,
                       jacobian_norms=self.jacobian_norms,
                       bound_ratio=self.bound[0] if self.bound else math.nan)
        else:
            out["block_spectral_radii"] = {name: s.spectral_radius for name, s in blocks.items()}
        if m.cell_grad_norms is not None:
            out["cell_state_grad_norms"] = m.cell_grad_norms
            out["mean_forget_gate"] = float(np.mean(m.forget_gates))
            out["cell_state_ratio"] = safe_ratio(m.cell_grad_norms[0], m.cell_grad_norms[-1])
            out["forget_path"] = cell_state_path(m.forget_gates)
            out["step_jacobian_radius"] = {g.step: g.spectral_radius for g in self.loop_gains or []}
        if m.update_gates is not None:
            out["mean_update_gate"] = float(np.mean(m.update_gates))
        if cell == "rnn" and m.pre_activations is not None:
            sat = saturation(m, self.settings.activation)
            out.update(mean_slope=sat.mean_slope, saturated_share=sat.saturated_share,
                       per_step_factor=per_step_factor(m.ratio, self.settings.length))
        return out


def cell_state_path(forget_gates: np.ndarray) -> float:
    """Mean over units of ∏_{s=1..T−1} f_s: what the cell-state path alone carries from c_{T−1} back to c_0."""
    logs = np.log(np.clip(np.asarray(forget_gates, dtype=np.float64)[1:], 1e-300, None))
    return float(np.exp(logs.sum(axis=0)).mean())


def analyse(nets: dict[str, LastStepNetwork], settings: GradientSettings) -> GradientReport:
    """Measure every network on the setting's probe batch, with the RNN's theory alongside."""
    x, target = make_inputs(settings)
    report = GradientReport(settings, {})
    for cell, net in nets.items():
        m = gradient_norms_through_time(net, x, target)
        report.measurements[cell] = m
        report.spectra[cell] = {name: spectrum(block) for name, block in recurrent_blocks(net).items()}
        if cell == "rnn":
            act = net.cell.activation
            report.jacobian_norms = rnn_jacobian_norms(net.cell.weight_hh, m.pre_activations, act)
            report.bound = pascanu_bound(report.spectra["rnn"]["W_hh"].max_singular_value, act, settings.length)
        if cell == "lstm":
            T = settings.length
            report.loop_gains = lstm_loop_gains(net, x, [1, min(10, T - 1), T // 2, T - 1])
    return report


def measure(settings: GradientSettings) -> GradientReport:
    """One recomputation: fresh networks for the chosen cells, measured on one probe batch."""
    return analyse({cell: build_network(settings, cell) for cell in settings.cells}, settings)


def with_cells(settings: GradientSettings, *cells: str, **changes) -> GradientSettings:
    return replace(settings, cells=tuple(cells), **changes)


def situations_at_init(length: int = 100, hidden_size: int = 64, inputs: str = "random", seed: int = 0) -> list[dict]:
    """The honest comparison at initialisation: a tanh RNN with σ_max(W_hh) = 0.9 against LSTMs and GRUs.

    An orthogonal W_hh rescaled to radius 0.9 has every singular value 0.9, so the bound is 0.9^(T−1). The
    gated cells keep PyTorch's initialisation; only the bias of the gate that keeps the old state changes
    (the LSTM's forget gate f, the GRU's update gate z).
    """
    base = GradientSettings(length=length, hidden_size=hidden_size, inputs=inputs, seed=seed, init="orthogonal",
                            radius=0.9)
    rnn = measure(with_cells(base, "rnn"))
    rows = [("RNN, tanh, σ_max(W_hh) = 0.9", rnn.measurements["rnn"].ratio)]
    for bias in (1.0, 3.0):
        m = measure(with_cells(base, "lstm", forget_bias=bias)).measurements["lstm"]
        rows.append((f"LSTM, forget-gate bias {bias:g} (mean f = {np.mean(m.forget_gates):.2f})", m.ratio))
    for bias in (None, 3.0):
        m = measure(with_cells(base, "gru", update_bias=bias)).measurements["gru"]
        name = "PyTorch's default" if bias is None else f"update-gate bias {bias:g}"
        rows.append((f"GRU, {name} (mean z = {np.mean(m.update_gates):.2f})", m.ratio))
    reference = rows[0][1]
    return [{"network": name, "ratio ‖∂L/∂h_0‖/‖∂L/∂h_T−1‖": ratio, "times the RNN's": safe_ratio(ratio, reference)}
            for name, ratio in rows] + [{"network": f"bound 0.9^{length - 1}", "ratio ‖∂L/∂h_0‖/‖∂L/∂h_T−1‖":
                                         0.9 ** (length - 1), "times the RNN's": safe_ratio(0.9 ** (length - 1), reference)}]
