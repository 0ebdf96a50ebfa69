"""The Better preset on Tiny Shakespeare in 60 seconds, side by side with nanoGPT's CPU recipe, in one run.

Both read ``../shared/data/tinyshakespeare.txt`` character by character, train on its first 90 % and report the
mean cross-entropy (nats per character) on the last 10 %, on the same machine and threads, one after the other.

* **RNN Lab, Better**: what ``python -m rnn_core train-lm --text tinyshakespeare.txt --preset better
  --seconds 60 [--cell gru]`` trains (the Better preset with the LSTM, then the GRU, the clock as the budget,
  the weights' moving average handed back), loss on the whole held-out tenth.
* **nanoGPT's CPU recipe** (the figures its README gives for a laptop without a GPU: a character-level GPT of 4
  layers, 4 heads, 128-wide embeddings, a 64-character context, batches of 12, 2,000 iterations, AdamW at
  1e-3 with 100 warm-up iterations and a cosine decay to 1e-4, β₂ 0.99, weight decay 0.1, clipping at 1, no
  dropout), written here from that description; the loss read the same way, on the held-out tenth in
  consecutive 64-character windows. nanoGPT's README reports about 1.88 for it.

The bar (issue 25): Better at most 1.50, and at least 0.30 below the transformer's 2,000-iteration loss.

    python benchmarks/better_vs_nanogpt.py [--seconds 60] [--iters 2000] [--skip-gpt] [--cells lstm,gru]

The last line on stdout is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core.language_model.training import on_the_clock, preset, train_language_model  # noqa: E402
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402
from rnn_core.runs.loop import seed_everything  # noqa: E402

TEXT = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
BAR, GAP = 1.50, 0.30


def better(text: str, seconds: float, seed: int, cell: str = "lstm") -> dict:
    """The Better preset with ``cell`` on the clock, as the command line's ``--seconds`` runs it."""
    settings = on_the_clock(preset("better", seed=seed, cell=cell), seconds)
    start = time.perf_counter()
    run = train_language_model(text, settings)
    m = run.metrics
    return {"cell": cell, "val_loss": round(m["val_loss"], 4), "steps": m["steps"],
            "seconds": round(time.perf_counter() - start, 1), "params": m["params"]}


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width, bias=False), nn.LayerNorm(width, bias=False)
        self.qkv, self.proj = nn.Linear(width, 3 * width, bias=False), nn.Linear(width, width, bias=False)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width, bias=False), nn.GELU(),
                                 nn.Linear(4 * width, width, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(w, dim=2)
        q, k, v = (a.view(b, t, self.heads, w // self.heads).transpose(1, 2) for a in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, w)
        x = x + self.proj(attended)
        return x + self.mlp(self.norm2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, context: int, layers: int, heads: int, width: int):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab, width), nn.Embedding(context, width)
        self.blocks = nn.Sequential(*(Block(width, heads) for _ in range(layers)))
        self.norm = nn.LayerNorm(width, bias=False)
        self.head = nn.Linear(width, vocab, bias=False)
        self.head.weight = self.tokens.weight          # tied, as nanoGPT's
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("proj.weight", "mlp.2.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        return self.head(self.norm(self.blocks(self.tokens(ids) + self.positions(positions))))


def gpt_recipe(text: str, iters: int, seed: int, context: int = 64, batch: int = 12) -> dict:
    """nanoGPT's CPU recipe (see the module's docstring), trained ``iters`` iterations."""
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text])
    cut = int(0.9 * len(ids))
    train_ids, val_ids = ids[:cut], ids[cut:]
    generator = seed_everything(seed)
    model = TinyGPT(len(chars), context, layers=4, heads=4, width=128)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.99))
    warmup, top, bottom = 100, 1e-3, 1e-4
    start = time.perf_counter()
    model.train()
    for it in range(iters):
        lr = top * (it + 1) / warmup if it < warmup else \
            bottom + 0.5 * (top - bottom) * (1 + math.cos(math.pi * (it - warmup) / max(1, iters - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        at = torch.randint(len(train_ids) - context - 1, (batch,), generator=generator)
        x = torch.stack([train_ids[i:i + context] for i in at.tolist()])
        y = torch.stack([train_ids[i + 1:i + 1 + context] for i in at.tolist()])
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    seconds = time.perf_counter() - start
    model.eval()
    windows = (len(val_ids) - 1) // context
    x = val_ids[:windows * context].view(windows, context)
    y = val_ids[1:windows * context + 1].view(windows, context)
    total = 0.0
    with torch.no_grad():
        for rows in range(0, windows, 256):
            logits = model(x[rows:rows + 256])
            total += F.cross_entropy(logits.reshape(-1, len(chars)), y[rows:rows + 256].reshape(-1),
                                     reduction="sum").item()
    return {"val_loss": round(total / (windows * context), 4), "iters": iters, "seconds": round(seconds, 1),
            "params": sum(p.numel() for p in model.parameters())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the Better preset's clock")
    parser.add_argument("--iters", type=int, default=2000, help="the transformer's iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-gpt", action="store_true", help="only the Better preset")
    parser.add_argument("--cells", default="lstm,gru", help="the Better preset's cells to run, one after the other")
    args = parser.parse_args(argv)
    threads = configure_torch_threads(default=os.cpu_count() or 1)   # as the command line trains
    text = TEXT.read_text(encoding="utf-8")
    ours = [better(text, args.seconds, args.seed, cell.strip()) for cell in args.cells.split(",") if cell.strip()]
    theirs = None if args.skip_gpt else gpt_recipe(text, args.iters, args.seed)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Tiny Shakespeare, {threads} threads, seed {args.seed}, load {load:.1f}; held-out nats per character")
    for run in ours:
        print(f"  RNN Lab Better ({run['cell'].upper()}, {run['params']:,} parameters): {run['val_loss']:.4f} after "
              f"{run['steps']:,} steps in {run['seconds']:.0f} s   (bar: at most {BAR})")
    out = {"better": ours, "threads": threads, "load": round(load, 2), "bar": BAR}
    if theirs is not None:
        print(f"  nanoGPT's CPU recipe (GPT, {theirs['params']:,} parameters): {theirs['val_loss']:.4f} after "
              f"{theirs['iters']:,} iterations in {theirs['seconds']:.0f} s")
        gaps = {run["cell"]: round(theirs["val_loss"] - run["val_loss"], 4) for run in ours}
        print("  gap: " + ", ".join(f"{cell.upper()} {gap:.3f}" for cell, gap in gaps.items())
              + f" nats/char in Better's favour (bar: at least {GAP})")
        out.update({"nanogpt_recipe": theirs, "gap": gaps})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
