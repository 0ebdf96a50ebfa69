"""A GRU layer with a hand-written backward through time, for training on the CPU: ``torch.nn.GRU``'s equations,
parameters and results (up to rounding), in less time.

Where torch's time goes (measured on the CPU at the Quick size, layer alone, benchmarks/gru_speed.py for whole
training steps): ``torch.nn.LSTM`` trains through oneDNN's fused RNN kernels, one call forward and one backward
per layer, while ``torch.nn.GRU`` runs ATen's generic cell step by step with autograd recording about ten small
operations per step, so its backward is a chain of some 66 matrix products, 67 concatenations and 250 small
additions and multiplications per 32-step sequence: about twice the LSTM's time for fewer multiplications.

Here, per direction and layer, one :class:`torch.autograd.Function`:

* forward: the input side of every step in one matrix product (x W_ihᵀ + b_ih), then per step one product
  (h W_hhᵀ + b_hh) and a few elementwise operations, keeping r, z, n and W_hn h + b_hn;
* backward: what does not depend on the incoming gradient computed for all steps at once, written in place,
  then per step one multiplication, one ``addcmul`` and one product going back through time; the weights'
  gradients after the loop, one matrix product each over every step and batch row (instead of one per step),
  computed transposed so that only the narrow factor is copied (copying the wide one into its transposed
  layout took longer than the product: 0.4 ms of a 10 ms Quick step).

The products go through oneDNN in float32, as the LSTM's kernels do (on the machine measured, an AMD CPU, MKL
took 1.2 to 2 times as long for these shapes), and tanh is computed as 2σ(2a) − 1 (ATen's tanh took four times
its sigmoid here); both change results by rounding only. What is left at the Quick size (a 32 × 128 state, 32
steps, one thread): the 64 per-step products, about 25 µs each, of which some 10 µs is oneDNN's fixed cost per
call (a 1 × 1 product takes 11 µs; the kernel itself 14–15 µs), and some 25 µs a step, forward, of small
elementwise operations and their Python calls, which the LSTM's kernel does inside one call per sequence. The
equations are PyTorch's::

    r = σ(W_ir x + b_ir + W_hr h + b_hr)
    z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h' = (1 − z) ⊙ n + z ⊙ h

:class:`GRU` is a ``torch.nn.GRU`` (same parameter names and shapes, so state dicts and checkpoints load
unchanged) whose forward takes this path when it trains on the CPU, and torch's own otherwise: without
gradients (evaluation, generation: torch's forward is fast there and stays bit for bit what it was), on other
devices, for packed sequences, unbatched inputs, layers without biases, or dropout between layers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable


def _columns(weight: torch.Tensor) -> torch.Tensor:
    """``weight`` ``(out, in)`` stored column by column (its transpose's rows), as oneDNN's products read a weight
    fastest: a copy once per sequence, a fifth of what oneDNN's own reorder into its blocked layout took (20 µs
    against 95 µs at the Quick size) for the same speed per product and the same bits. A transposed view is
    already so stored."""
    return weight if weight.stride(0) == 1 else weight.t().contiguous().t()


def _onednn_ready() -> bool:
    """Whether oneDNN's matrix products (torch's own, as its CPU compiler uses them) are here and answer right."""
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        draw = torch.Generator().manual_seed(0)
        a, w, b, other = (torch.randn(shape, generator=draw) for shape in ((4, 3), (5, 3), (5,), (4, 5)))
        plain = torch.ops.mkldnn._linear_pointwise.default(a, w, b, "none", [], "")
        added = torch.ops.mkldnn._linear_pointwise.binary(a, other, _columns(w), b, "add")
        return bool(torch.allclose(plain, F.linear(a, w, b), atol=1e-5)
                    and torch.allclose(added, F.linear(a, w, b) + other, atol=1e-5))
    except (AttributeError, RuntimeError, TypeError):
        return False


_ONEDNN = _onednn_ready()


def _linear(a: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
            add: torch.Tensor | None = None) -> torch.Tensor:
    """``a @ weight.T + bias (+ add)``, ``weight`` as ``(out, in)``, fastest as :func:`_columns` lays it: through oneDNN
    in float32, as the LSTM's fused kernels are (on the machine measured, an AMD CPU, MKL's products of these
    shapes took 1.2 to 2 times oneDNN's), through torch's own product otherwise (float64, no oneDNN)."""
    if _ONEDNN and a.dtype == torch.float32:
        if add is not None:
            return torch.ops.mkldnn._linear_pointwise.binary(a.contiguous(), add, weight, bias, "add")
        return torch.ops.mkldnn._linear_pointwise.default(a.contiguous(), weight, bias, "none", [], "")
    out = F.linear(a, weight, bias)
    return out if add is None else out.add_(add)


def _weight_grad(inputs: torch.Tensor, grads: torch.Tensor) -> torch.Tensor:
    """``gradsᵀ inputs``, a weight's gradient summed over every row (every step and batch row), computed
    transposed, (inputsᵀ)(grads), so that only the narrow factor is copied into rows (the transposed copy of the
    wide one took longer than its product) and oneDNN reads the wide one as it lies: the same sums, the same bits."""
    return _linear(inputs.t(), grads.t()).t().contiguous()


class GRUSequence(torch.autograd.Function):
    """One direction of one GRU layer over a whole sequence.

    ``x`` is ``(time, batch, features)``, ``h0`` ``(batch, hidden)``; ``reverse`` reads the sequence from its
    end. Returns every step's state, ``(time, batch, hidden)``, in the input's time order; the final state is the
    last step read (``[-1]``, or ``[0]`` in reverse).
    """

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
        steps, batch, features = x.shape
        size = w_hh.shape[1]
        # The input side of every step in one product; then per step one product and six elementwise operations.
        gates_in = _linear(x.reshape(steps * batch, features), w_ih, b_ih).view(steps, batch, 3 * size)
        w_hh_columns = _columns(w_hh)
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        out = x.new_empty(steps, batch, size)
        rz = x.new_empty(steps, batch, 2 * size)               # r and z of every step
        n = x.new_empty(steps, batch, size)
        hn = [None] * steps                                    # W_hn h + b_hn of every step
        # Every step's views made at once (per step, Python's indexing would cost about as much as the arithmetic).
        gates_in[..., 2 * size:] *= 2                          # n = tanh(a) = 2σ(2a) − 1: σ is 4x faster here
        gi_rz, gi_n = gates_in[..., :2 * size].unbind(0), gates_in[..., 2 * size:].unbind(0)
        rz_t, r_t, z_t = rz.unbind(0), rz[..., :size].unbind(0), rz[..., size:].unbind(0)
        n_t, out_t = n.unbind(0), out.unbind(0)
        h = h0
        minus_one = x.new_full((), -1.0).expand(batch, size)
        for t in order:
            gh_rz, gh_n = _linear(h, w_hh_columns, b_hh).split([2 * size, size], 1)
            torch.add(gh_rz, gi_rz[t], out=rz_t[t]).sigmoid_()
            s = torch.addcmul(gi_n[t], gh_n, r_t[t], value=2, out=n_t[t]).sigmoid_()
            torch.add(minus_one, s, alpha=2, out=s)                # n = 2σ(2a) − 1
            h = torch.lerp(s, h, z_t[t], out=out_t[t])           # n + z ⊙ (h − n)
            hn[t] = gh_n
        ctx.reverse = reverse
        ctx.save_for_backward(x, h0, w_ih, w_hh, out, torch.stack(hn), rz, n)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, h0, w_ih, w_hh, out, hn, rz, n = ctx.saved_tensors
        reverse = ctx.reverse
        steps, batch, size = out.shape
        r, z = rz[..., :size], rz[..., size:]
        h_prev = torch.cat([out[1:], h0.unsqueeze(0)]) if reverse else torch.cat([h0.unsqueeze(0), out[:-1]])
        # What does not depend on the incoming gradient, for every step at once, written in place (no temporaries of
        # every step's size): d L/d a = coef_h ⊙ d L/d h' for each gate's pre-activation a on the hidden side, whose
        # n block carries the reset gate; the input side's n block is dn alone.
        coef_h = out.new_empty(steps, batch, 3, size)
        c_r, c_z, c_n = coef_h.unbind(2)
        one_minus_z = 1 - z
        dn = torch.mul(n, n).neg_().add_(1).mul_(one_minus_z)      # through n = tanh(a_n): (1 − z)(1 − n²)
        torch.mul(dn, hn, out=c_r).mul_(r).mul_(1 - r)              # a_r, through r ⊙ (W_hn h + b_hn)
        torch.sub(h_prev, n, out=c_z).mul_(z).mul_(one_minus_z)     # a_z
        torch.mul(dn, r, out=c_n)                                   # a_n, hidden side
        grad_out = grad_out.contiguous()
        grad_h = out.new_empty(steps, batch, 3, size)               # d L/d (h_{t-1} W_hhᵀ + b_hh), every step
        grad_state = [None] * steps                                 # d L/d h_t, every step
        w_hh_t = w_hh.t()                                           # d L/d h_{t-1} gets d(h W_hhᵀ) W_hh
        order = list(range(steps)) if reverse else list(range(steps - 1, -1, -1))
        coef_h_t, grad_h_t, z_t = coef_h.unbind(0), grad_h.unbind(0), z.unbind(0)
        grad_h_rows, grad_out_t = grad_h.view(steps, batch, 3 * size).unbind(0), grad_out.unbind(0)
        dh = grad_out_t[order[0]]
        for i, t in enumerate(order):
            grad_state[t] = dh
            torch.mul(dh.unsqueeze(1), coef_h_t[t], out=grad_h_t[t])
            carried = torch.addcmul(grad_out_t[order[i + 1]], dh, z_t[t]) if i + 1 < steps else dh * z_t[t]
            dh = _linear(grad_h_rows[t], w_hh_t, add=carried)
        flat_h = grad_h.view(steps * batch, 3 * size)
        # The weights' gradients: one product each over every step and batch row.
        grad_w_hh = _weight_grad(h_prev.reshape(steps * batch, size), flat_h)
        grad_b_hh = flat_h.sum(0)
        # The input side differs from the hidden side in the n block only, which does not carry r: grad_h becomes
        # it in place once the hidden side's gradients are taken (a copy of every step's size cost more).
        torch.mul(torch.stack(grad_state), dn, out=grad_h[:, :, 2])
        grad_in = flat_h
        grad_w_ih = _weight_grad(x.reshape(steps * batch, -1), grad_in)
        grad_x = _linear(grad_in, w_ih.t()).view_as(x) if ctx.needs_input_grad[0] else None
        return grad_x, dh, grad_w_ih, grad_w_hh, grad_in.sum(0), grad_b_hh, None


class GRU(nn.GRU):
    """``torch.nn.GRU`` that trains on the CPU through :class:`GRUSequence` (see the module's docstring)."""

    def _fast_path(self, input, hx) -> bool:
        if not isinstance(input, torch.Tensor) or input.dim() != 3 or input.device.type != "cpu":
            return False
        if not self.bias or (self.dropout and self.training and self.num_layers > 1):
            return False
        if not torch.is_grad_enabled():
            return False
        return input.requires_grad or (hx is not None and hx.requires_grad) or any(
            p.requires_grad for p in self.parameters())

    def forward(self, input, hx=None):
        if not self._fast_path(input, hx):
            return super().forward(input, hx)
        x = input.transpose(0, 1) if self.batch_first else input            # (time, batch, features)
        directions = 2 if self.bidirectional else 1
        if hx is None:
            hx = x.new_zeros(self.num_layers * directions, x.size(1), self.hidden_size)
        self.check_forward_args(input, hx, None)
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                w_ih, w_hh, b_ih, b_hh = (getattr(self, name + suffix)
                                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                out = GRUSequence.apply(x, hx[layer * directions + direction], w_ih, w_hh, b_ih, b_hh,
                                        bool(direction))
                finals.append(out[0] if direction else out[-1])
                outs.append(out)
            x = torch.cat(outs, dim=2) if directions == 2 else outs[0]
        output = x.transpose(0, 1) if self.batch_first else x
        return output, torch.stack(finals)
