"""Generate text's three "look inside" views: how surprised the model is by a text, how far back its prediction
leans (connectivity), and which units follow a feature of the text. Each reads a text the learner pastes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.data.text import word_spaces
from rnn_core.errors import RNNLabError
from rnn_core.language_model import generation_figures as figs
from rnn_core.language_model.generation import display_token
from rnn_core.language_model.generation_figures import md, reach_sentence, visible
from rnn_core.language_model.interpret import (best_unit, connectivity, correlated_units, default_feature, surprise,
                                               text_features, timeline)
from rnn_core.language_model.pretrained import CHAR_TRIO, READY_MADE, ready_made_reach

GATES = ("input", "forget", "output", "reset", "update")


@dataclass
class Picked:
    """The model picked on the page: its picker key, the model, its tokenizer and its facts."""

    key: str
    model: Any
    tokenizer: Any
    facts: dict

    @property
    def level(self) -> str:
        return self.tokenizer.level

    @property
    def per(self) -> str:
        return "char" if self.level == "char" else "word"

    def spacing(self, tokens: list[str]) -> str | list[str]:
        """What goes between tokens shown one by one: a word model's text keeps its spacing (caller’s, print())."""
        return word_spaces(tokens) if self.level == "word" else ""


def cached(model, kind, compute):
    """Keep the last results of an analysis for this model and text (sliders rerun the page often)."""
    key = kind if isinstance(kind, tuple) else (kind, id(model), st.session_state.get("generate.analyse"))
    store = st.session_state.setdefault("generate.cache", {})
    if key not in store:
        if len(store) > 8:
            store.clear()
        store[key] = compute()
    return store[key]


def analysis(model, kind, compute):
    """:func:`cached`, or None after showing why the analysis could not be made (a text too short, say)."""
    try:
        return cached(model, kind, compute)
    except RNNLabError as exc:
        kit.show_error(exc)
        return None


def warn_unknown(unknown: list[str]) -> None:
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:20]) + (" ..." if len(unknown) > 20 else "")
        st.warning(f"Not in this model's vocabulary, so read as <unk> (it never saw them in training): {shown}",
                   icon="🔤")


def analysed_text() -> str:
    return st.text_area("Text to look at (paste any text)", key="generate.analyse", height=130)


def surprise_view(p: Picked) -> None:
    model, tokenizer, level, per, loss = p.model, p.tokenizer, p.level, p.per, p.facts.get("validation loss")
    text = analysed_text()
    s = analysis(model, "surprise", lambda: surprise(model, tokenizer, text))
    if s is None:
        return
    warn_unknown(s.unknown)
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Bits per {per} on this text", f"{s.bits_per_token:.2f}",
              help=f"Mean of −log2 p over the {len(s.tokens) - s.unscored:,} scored {level}s: lower is better.")
    if isinstance(loss, (int, float)):
        c2.metric("On its validation text", f"{loss / math.log(2):.2f}",
                  help="The same measure on the last 10% of its training text, which it never trained on.")
    worst = s.biggest()
    if worst is not None:
        before, token, after = (visible(part) for part in s.context(worst, 4 if level == "word" else 12, level))
        c3.metric("Biggest surprise", f"{s.bits[worst]:.1f} bits",
                  help=f"{level} {worst + 1} of the text, probability {s.probs[worst]:.3%}")
        c3.markdown(f"{level} {worst + 1}, **{md(token)}** in “…{md(before)}**{md(token)}**{md(after)}…” "
                    "(outlined below)")
    if s.unscored:
        st.caption(f"{s.unscored} {level}s are outside the vocabulary (grey): read as <unk> and not scored, "
                   "because predicting “some rare word” is far cheaper than predicting the word itself.")
    full = figs.surprise_full_red(level)
    st.html(figs.surprise_html(s.tokens, s.probs, s.bits, separator=p.spacing(s.tokens), scored=s.scored,
                               full=full, highlight=worst))
    st.caption(figs.SURPRISE_CAPTION.format(full=full, pfull=f"1/{2 ** int(full):,}", per=per))


def connectivity_view(p: Picked) -> None:
    model, tokenizer, level = p.model, p.tokenizer, p.level
    text = analysed_text()
    conn = analysis(model, "connectivity", lambda: connectivity(model, tokenizer, text))
    if conn is None:
        return
    n = len(conn.tokens)
    st.session_state["generate.position"] = min(int(st.session_state.get("generate.position", 60)), n - 1)
    position = st.slider("Prediction after token number", 0, n - 1, key="generate.position")
    st.markdown(f"After reading up to **{display_token(conn.tokens[position])!r}** (outlined next: what came "
                f"after, **{display_token(conn.targets[position])!r}**), the prediction leans on:")
    st.html(figs.connectivity_html(conn.tokens, conn.row(position), position, conn.targets[position],
                                   p.spacing(conn.tokens[:position + 1] + [conn.targets[position]])))
    kit.chart(figs.connectivity_bars(conn.tokens, conn.row(position), position), figs.CONNECTIVITY_CAPTION,
          key="generate.conn_bars")
    with st.expander("Every prediction against every input (heatmap)"):
        kit.chart(figs.connectivity_heatmap(conn.tokens, conn.matrix), figs.HEATMAP_CAPTION, key="generate.conn_map")
    name = str(p.facts.get("cell") or "this model").upper()
    reach = conn.reach()
    st.metric("How far back it looks", f"{'≥ ' if conn.reach_capped() else ''}{reach} {level}s",
              help="The distance at which the typical influence of an input, relative to the strongest one, "
                   "first falls below a thousandth: where its line crosses the dashed line below.")
    far = len(conn.by_distance()) - 1
    st.caption(f"Measured on the {n:,} predictions of this {n:,}-{level} text. Each point of the line below is the "
               f"typical value over at least {conn.predictions_needed():,} of them, so the line stops {far:,} {level}s "
               "back (only the last few predictions reach further, too few to say). A longer text measures further.")
    curves, reaches = {name: conn.by_distance()}, {name: reach}
    st.markdown("**RNN, LSTM and GRU trained on the same text** (the ready-made character models): which keeps an "
                "input's influence alive longest?")
    if level != "char" or sum(READY_MADE[k].path.is_file() for k in CHAR_TRIO) < 2:
        st.caption("Needs a character-level text and the ready-made character models.")
    elif st.button("Compare how far back they look", key="generate.btn_compare"):
        try:
            st.session_state["generate.trio"] = (text, ready_made_reach(text))
        except RNNLabError as exc:
            kit.show_error(exc)
            return
    trio = st.session_state.get("generate.trio")
    if level == "char" and trio and trio[0] == text:
        got_reach = {cell: (value, capped) for cell, (_, value, capped) in trio[1].items()}
        curves, reaches = {cell: c for cell, (c, _, _) in trio[1].items()}, {k: v for k, (v, _) in got_reach.items()}
        for col, (cell, (value, capped)) in zip(st.columns(len(got_reach)), got_reach.items()):
            col.metric(f"{cell} looks back", f"{'≥ ' if capped else ''}{value} chars")
        st.caption(reach_sentence(got_reach))
    kit.chart(figs.reach_curves(curves, reaches), figs.REACH_CAPTION, key="generate.reach")


def units_view(p: Picked) -> None:
    model, tokenizer = p.model, p.tokenizer
    text = analysed_text()
    try:
        tl = cached(model, "timeline", lambda: timeline(model, tokenizer, text))
        hits = cached(model, "units", lambda: correlated_units(tl, top=3))
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    hidden = model.config.hidden_size
    features = list(text_features(tl.tokens).columns)

    def show_best() -> None:
        """Show the unit that follows the chosen feature best."""
        row = best_unit(hits, st.session_state["generate.feature"])
        if row is not None:
            st.session_state["generate.quantity"], st.session_state["generate.unit"] = row["quantity"], int(row["unit"])

    opened = (p.key, text)
    if st.session_state.get("generate.units_for") != opened:
        # a new model or text: open on the memory feature some unit follows best, and that unit
        st.session_state["generate.units_for"] = opened
        st.session_state["generate.feature"] = default_feature(hits) or features[0]
        show_best()
    st.session_state["generate.unit"] = min(int(st.session_state.get("generate.unit", 0)), hidden - 1)
    if st.session_state.get("generate.quantity") not in tl.quantities:
        st.session_state["generate.quantity"] = "hidden"
    if st.session_state.get("generate.feature") not in features:
        st.session_state["generate.feature"] = features[0]

    def pick_hit() -> None:
        row = hits.iloc[st.session_state["generate.hit"]]
        st.session_state["generate.quantity"], st.session_state["generate.unit"] = row["quantity"], int(row["unit"])
        st.session_state["generate.feature"] = row["feature"]

    c1, c2, c3 = st.columns(3)
    feature = c1.selectbox("Feature of the text", features, key="generate.feature", on_change=show_best,
                           help="Choosing a feature shows the unit that follows it best.")
    quantity = c2.selectbox("Show", tl.quantities, key="generate.quantity",
                            help="hidden: h_t; the others are the cell's gates (and the LSTM's cell state c_t).")
    unit = c3.number_input(f"Unit (0 to {hidden - 1})", 0, hidden - 1, key="generate.unit")
    values = tl.values[quantity][:, int(unit)]
    f = text_features(tl.tokens)[feature].to_numpy()
    r = pd.Series(values).corr(pd.Series(f)) if f.std() > 0 and values.std() > 0 else float("nan")
    best = best_unit(hits, feature)
    st.caption(f"{quantity} unit {unit} against “{feature}”: r = **{r:+.2f}** along this text"
               + (f" (the best unit for it: {best['quantity']} unit {int(best['unit'])}, r = "
                  f"{best['correlation']:+.2f})." if best is not None else " (this feature does not vary here)."))
    if best is not None and abs(best["correlation"]) < 0.5:
        st.caption(f"No unit follows “{feature}” closely here (every |r| < 0.5): this model keeps little memory "
                   "of it on this text. Try another model (the ready-made LSTM and GRU have such units) or feature.")
    scale = float(max(abs(values).max(), 1e-6))
    gate = quantity in GATES
    colors = [figs.diverging_color(v, 1.0 if gate else scale) for v in values]
    tips = [f"{display_token(t)}: {v:.3f}" for t, v in zip(tl.tokens, values)]
    st.html(figs.colored_text_html(tl.tokens, [], colors=colors, tooltips=tips, separator=p.spacing(tl.tokens)))
    st.caption(figs.TIMELINE_CAPTION)
    kit.chart(figs.unit_trace(tl.tokens, values, f, feature, f"{quantity} unit {unit}"), figs.UNIT_CAPTION,
          key="generate.unit_trace")
    st.markdown("**Units that follow a feature of this text** (Pearson correlation along the text; pick one):")
    if hits.empty:
        st.caption("No feature varies along this text: paste a longer one, with quotes, brackets and lines.")
        return
    labels = [f"{r.feature}: {r.quantity} unit {r.unit} (r = {r.correlation:+.2f})" for r in hits.itertuples()]
    st.selectbox("Found units", range(len(labels)), format_func=labels.__getitem__, key="generate.hit",
                 on_change=pick_hit, index=None, placeholder="Choose a unit to show it above")
    st.dataframe(hits.assign(correlation=hits["correlation"].round(3)), hide_index=True)
