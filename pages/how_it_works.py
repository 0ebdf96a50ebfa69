"""How an RNN works: one time step at a time with the real numbers, forward and then backwards through time."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import streamlit as st

from pages import kit
from rnn_core.errors import RNNLabError
from rnn_core.stepthrough.figures import (ARCH_CAPTION, ARCHITECTURES, BACKWARD_STRIP_CAPTION, BPTT_CAPTION,
                                          CELL_DIAGRAM_CAPTION, CELL_STATE_CAPTION, GATED_SUM_CAPTION,
                                          GATES_CAPTION, PROBS_CAPTION, PRODUCT_CAPTION, SUM_CAPTION,
                                          architecture_svg, bptt_chart, cell_svg, gate_timeline, matrix_heatmap,
                                          probability_bars, sub, unrolled_caption, unrolled_svg, vector_sum)
from rnn_core.links.scripts import command_line, export_script
from rnn_core.links.settings import Param, Schema
from rnn_core.stepthrough.recording import (MAX_HIDDEN, MIN_HIDDEN, PAGE_DEFAULTS, TRAIN_STEPS, check_word, gate_rows,
                                  step_through)

ROOT = Path(__file__).resolve().parent.parent
CELLS = ("rnn", "lstm", "gru")
# The namespace each linked page reads its shared link under (its kit.settings call).
LINK_NAMESPACE = {"pages/compare.py": "compare", "pages/sentiment.py": "sentiment", "pages/language_model.py": "lm",
                  "pages/tag.py": "tag", "pages/translate.py": "translate"}
SHARE = Schema((
    Param("how.word", "word", PAGE_DEFAULTS["word"], check=check_word, label="Word to unroll",
          help="2 to 10 letters a–z; each letter is one time step, and the one-hot vocabulary is the word's own "
               "letters."),
    Param("how.cell", "cell", PAGE_DEFAULTS["cell"], choices=CELLS, label="Cell"),
    Param("how.hidden", "hidden", PAGE_DEFAULTS["hidden_size"], low=MIN_HIDDEN, high=MAX_HIDDEN, label="Hidden size",
          help="Small, so every matrix fits on screen."),
    Param("how.seed", "seed", PAGE_DEFAULTS["seed"], low=0, high=1_000_000, label="Seed",
          help="The random starting weights; same seed, same numbers."),
    Param("how.train", "train", PAGE_DEFAULTS["train_steps"], choices=TRAIN_STEPS, label="Weights",
          shown=lambda n: "random" if n == 0 else f"after {n} steps",
          help="Random weights from the seed, or after training on the word itself for a few steps."),
))
EQUATIONS = {
    "rnn": [r"h_t = \tanh(W_{hh}\,h_{t-1} + W_{xh}\,x_t + b)", r"y_t = \mathrm{softmax}(W_{hy}\,h_t)",
            r"L_t = -\log y_t[\text{next letter}]"],
    "lstm": [r"i_t,\ f_t,\ o_t = \sigma(\dots),\quad g_t = \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g)",
             r"c_t = f_t \odot c_{t-1} + i_t \odot g_t,\qquad h_t = o_t \odot \tanh(c_t)",
             r"y_t = \mathrm{softmax}(W_{hy}\,h_t)"],
    "gru": [r"r_t,\ z_t = \sigma(\dots),\quad n_t = \tanh(W_{xn} x_t + b_{xn} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
            r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}", r"y_t = \mathrm{softmax}(W_{hy}\,h_t)"],
}

st.title("How an RNN works")
st.write("A tiny recurrent network reads a short word one letter at a time and, after each letter, guesses the "
         "next one. Press **Next** to follow one time step with its real numbers, then keep going to send the "
         "error backwards through time, as training does.")

kit.settings(SHARE, "how")
for key, value in {"how.pos": 0, "how.gated": "lstm"}.items():
    st.session_state.setdefault(key, value)

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 1, 2])
kit.widget(SHARE, "how.word", c1, max_chars=40,
           on_change=lambda: st.session_state.update({"how.pos": 0}))   # a new word starts at its first step
for key, column in (("how.cell", c2), ("how.hidden", c3), ("how.seed", c4), ("how.train", c5)):
    kit.widget(SHARE, key, column)


@st.cache_data(max_entries=64, show_spinner=False)
def record(word: str, cell: str, hidden: int, seed: int, train: int):
    walk = step_through(word, cell, hidden, seed, train)
    difference = walk.autograd_difference()
    walk.network = None
    return walk, difference


def settings(walk) -> tuple:
    """The arguments of :func:`record` that reproduce ``walk``."""
    return walk.word, walk.cell, walk.hidden_size, walk.seed, walk.train_steps


BUILDERS = {f.__name__: f for f in (matrix_heatmap, vector_sum, probability_bars, bptt_chart, gate_timeline,
                                    unrolled_svg, cell_svg)}


@st.cache_resource(max_entries=2048, show_spinner=False)
def figure(builder: str, *args, **kwargs):
    """A figure from its plain arguments. Figures are pure functions of them, so each is drawn once per server
    and shared read-only (drawing is most of the time of a step; a room in a workshop shows the same ones)."""
    return BUILDERS[builder](*args, **kwargs)


@st.cache_resource(max_entries=1024, show_spinner=False)
def walk_figure(builder: str, walk_settings: tuple, *args):
    """A figure of the walk that ``walk_settings`` records (see :func:`figure`)."""
    walk, _ = record(*walk_settings)
    return BUILDERS[builder](walk, *args)


WIDE = 940   # the main column's width in pixels on a laptop screen; a diagram is laid out for it, then scales


@st.cache_resource(max_entries=1024, show_spinner=False)
def walk_diagram(builder: str, walk_settings: tuple, *args) -> str:
    """A diagram of the walk (the unrolled network, a cell) as an SVG picture: boxes and arrows have nothing to
    hover, and a picture costs the browser a fraction of a plotly chart to show (and the server a fraction to
    draw), so a Next shows the step sooner."""
    walk, _ = record(*walk_settings)
    return BUILDERS[builder](walk, *args, WIDE)


def picture(svg: str, caption: str) -> None:
    """A diagram with its "how to read it" caption underneath, as :func:`kit.chart` shows a chart."""
    st.image(svg, width="stretch")
    st.caption(caption)


walk = None
try:
    walk, difference = record(st.session_state["how.word"], st.session_state["how.cell"],
                              int(st.session_state["how.hidden"]), int(st.session_state["how.seed"]),
                              int(st.session_state["how.train"]))
except RNNLabError as exc:
    kit.show_error(exc)


def show_forward(walk, t: int) -> None:
    f = walk.forward[t]
    n, prev = sub(t + 1), sub(t)
    for line in EQUATIONS[walk.cell]:
        st.latex(line)
    H = walk.hidden_size
    blocks = gate_rows(walk.cell)
    rows = [f"{b}{k + 1}" if b else f"unit {k + 1}" for b in blocks for k in range(H)]
    left, right = st.columns([3, 2])
    with left:
        kit.chart(figure("matrix_heatmap", walk.params["W_xh"], rows, [f"'{c}'" for c in walk.vocab],
                             f"W_xh, and x{n} = one-hot '{f.char}'", outline_col=walk.vocab.index(f.char)),
              PRODUCT_CAPTION, key="how.wxh")
    with right:
        kit.chart(figure("probability_bars", walk.vocab, f.probs, f.target, f"y{n} = softmax(W_hy h{n})"), PROBS_CAPTION,
              key="how.probs")
        a, b, c = st.columns(3)
        right = f.prediction == f.target
        a.metric("Guess", f"'{f.prediction}'", "right" if right else f"wrong, next is '{f.target}'",
                 delta_color="green" if right else "red", delta_arrow="off")
        b.metric(f"p('{f.target}')", f"{f.probs[walk.vocab.index(f.target)]:.2f}")
        c.metric(f"Loss L{n}", f"{f.loss:.2f}", help=f"−log p(the true next letter); a uniform guess over the "
                                                      f"{len(walk.vocab)} letters costs ln {len(walk.vocab)} = "
                                                      f"{np.log(len(walk.vocab)):.2f}.")
    columns = [(f"W_xh·x{n}", f.input_part), (f"W_hh·h{prev}", f.recurrent_part), ("b", f.bias),
               (f"a{n}", f.pre_activation)]
    operators = ["+", "+", "="]
    if walk.cell == "rnn":
        columns.append((f"h{n}", f.h))
        operators.append("tanh")
        caption = SUM_CAPTION
    else:
        caption = GATED_SUM_CAPTION
    kit.chart(figure("vector_sum", columns, operators, rows, f"Step {t + 1}: the letter '{f.char}' meets the memory h{prev}"),
          caption, key="how.sum")
    if walk.cell != "rnn":
        picture(walk_diagram("cell_svg", settings(walk), t, "forward"), CELL_DIAGRAM_CAPTION[walk.cell])


BACKWARD_EQUATIONS = {
    "rnn": [r"\frac{\partial L}{\partial a_t} = (1 - h_t^2) \odot \frac{\partial L}{\partial h_t},\quad "
            r"\text{sent back to } h_{t-1}\text{: } W_{hh}^\top \frac{\partial L}{\partial a_t}"],
    "lstm": [r"\frac{\partial L}{\partial c_t} = o_t \odot (1 - \tanh^2 c_t) \odot \frac{\partial L}{\partial h_t}"
             r" + \frac{\partial L}{\partial c_t}\Big|_{\text{from } t+1},\qquad \text{sent back to } c_{t-1}"
             r"\text{: } f_t \odot \frac{\partial L}{\partial c_t}",
             r"\text{sent back to } h_{t-1}\text{: } W_{hh}^\top \frac{\partial L}{\partial a_t}\quad "
             r"(a_t\text{: the four gates' pre-activations})"],
    "gru": [r"\text{sent back to } h_{t-1}\text{: } z_t \odot \frac{\partial L}{\partial h_t} + "
            r"W_{hh}^\top \frac{\partial L}{\partial a_t}\quad (a_t\text{: the gates' pre-activations})"],
}
def show_backward(walk, t: int, difference: float) -> None:
    f, b = walk.forward[t], walk.backward[t]
    n, prev = sub(t + 1), sub(t)
    later = f"from step {t + 2}" if t + 1 < walk.steps else "from later"
    st.latex(r"\frac{\partial L}{\partial z_t} = y_t - \mathrm{onehot}(\text{next}),\quad "
             r"\frac{\partial L}{\partial h_t} = W_{hy}^\top \frac{\partial L}{\partial z_t} + "
             r"\frac{\partial L}{\partial h_t}\Big|_{\text{from } t+1}")
    for line in BACKWARD_EQUATIONS[walk.cell]:
        st.latex(line)
    left, right = st.columns([2, 3])
    with left:
        onehot = (np.array(walk.vocab) == f.target).astype(float)
        kit.chart(figure("vector_sum", [(f"y{n}", f.probs), (f"'{f.target}'", onehot), ("error", b.d_logits)], ["−", "="],
                         [f"'{c}'" for c in walk.vocab], f"Step {t + 1}: the output's error"),
              "How to read it: the error at the output is the predicted probabilities minus the truth (1 for the "
              "right letter): positive where the network guessed too much, negative where too little.",
              key="how.dlogits")
    with right:
        units = [f"unit {k + 1}" for k in range(walk.hidden_size)]
        columns = [("from y", b.dh_from_output), (later, b.dh_from_future), (f"∂L/∂h{n}", b.dh)]
        operators = ["+", "="]
        if walk.cell == "rnn":
            columns += [(f"1 − h{n}²", 1 - f.h ** 2), (f"∂L/∂a{n}", b.d_pre_activation), (f"W_hhᵀ· → h{prev}", b.dh_prev)]
            operators += ["⊙", "=", "→"]
        elif walk.cell == "gru":
            columns += [(f"z{n}", f.gates["update"]), ("direct", b.dh_direct), ("via W_hhᵀ", b.dh_through_weights),
                        (f"to h{prev}", b.dh_prev)]
            operators += ["⊙", "=", "+", "="]
        else:
            columns += [(f"W_hhᵀ· → h{prev}", b.dh_prev)]
            operators += ["→"]
        kit.chart(figure("vector_sum", columns, operators, units, f"The error signal at h{n}, and what goes on to step {t}"),
              BACKWARD_STRIP_CAPTION[walk.cell], key="how.dh")
    if walk.cell == "lstm":
        columns = [(f"via h{n}", b.dc - b.dc_from_future), (f"from c{sub(t + 2)}" if t + 1 < walk.steps else
                                                           "from later", b.dc_from_future),
                   (f"∂L/∂c{n}", b.dc), (f"f{n}", f.gates["forget"]), (f"to c{prev}", b.dc_prev)]
        kit.chart(figure("vector_sum", columns, ["+", "=", "⊙", "="], units, f"The error signal on the cell state c{n}"),
              CELL_STATE_CAPTION, key="how.dc")
    if walk.cell != "rnn":
        picture(walk_diagram("cell_svg", settings(walk), t, "backward"), CELL_DIAGRAM_CAPTION[walk.cell])
    kit.chart(walk_figure("bptt_chart", settings(walk), t), BPTT_CAPTION[walk.cell], key="how.bptt")
    if t == 0:
        st.success(f"Backpropagation is complete. Added over every step, these signals are the weight gradients; "
                   f"computed by hand here, they agree with PyTorch's autograd to {difference:.1e}.",
                   icon=":material/check_circle:")
        names = {"W_xh": "∂L/∂W_xh", "W_hh": "∂L/∂W_hh", "W_hy": "∂L/∂W_hy"}
        cols = st.columns(3)
        blocks = gate_rows(walk.cell)
        rows = [f"{x}{k + 1}" if x else f"unit {k + 1}" for x in blocks for k in range(walk.hidden_size)]
        labels = {"W_xh": (rows, [f"'{c}'" for c in walk.vocab]),
                  "W_hh": (rows, [f"unit {k + 1}" for k in range(walk.hidden_size)]),
                  "W_hy": ([f"'{c}'" for c in walk.vocab], [f"unit {k + 1}" for k in range(walk.hidden_size)])}
        for col, (name, title) in zip(cols, names.items()):
            with col:
                kit.chart(figure("matrix_heatmap", walk.grads[name], *labels[name], title), "How to read it: how much the loss "
                      "would rise per unit increase of each weight; training moves every weight the other way.",
                      key=f"how.grad_{name}")


def move(delta: int, last: int) -> None:
    st.session_state["how.pos"] = min(max(st.session_state["how.pos"] + delta, 0), last)


@st.fragment
def stepper(walk, difference: float) -> None:
    """The walk itself. A fragment: Next and Previous rerun only this part, not the settings or the gallery.
    ``how.step_seconds`` keeps how long its last run took, in wall-clock and CPU seconds of this thread
    (benchmarks/how_it_works_speed.py reads it)."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    positions = walk.walk()
    last = len(positions) - 1
    st.session_state["how.pos"] = min(max(int(st.session_state.get("how.pos", 0)), 0), last)
    b1, b2, b3, info = st.columns([1, 1, 1, 4])
    b1.button("Previous", key="how.btn_prev", on_click=move, args=(-1, last), icon=":material/arrow_back:",
              disabled=st.session_state["how.pos"] == 0, width="stretch")
    b2.button("Next", key="how.btn_next", on_click=move, args=(1, last), type="primary",
              icon=":material/arrow_forward:", disabled=st.session_state["how.pos"] == last, width="stretch")
    b3.button("Start again", key="how.btn_restart", on_click=move, args=(-len(positions), last),
              icon=":material/replay:", width="stretch")
    phase, t = positions[st.session_state["how.pos"]]
    where = ("Forward: read a letter, update the memory, guess the next letter" if phase == "forward" else
             "Backward through time: the error flows from the last step to the first")
    info.markdown(f"**Position {st.session_state['how.pos'] + 1} of {len(positions)}** in the walk "
                  f"({walk.steps} time steps forward, then back) · {where}. "
                  f"Total loss L = Σ L_t = **{walk.loss:.2f}**.")
    picture(walk_diagram("unrolled_svg", settings(walk), phase, t), unrolled_caption(walk.cell, phase))
    if phase == "forward":
        show_forward(walk, t)
    else:
        show_backward(walk, t, difference)

    others = [c for c in ("lstm", "gru") if c != walk.cell]     # the gated cells not already shown above
    st.subheader("The same step in an LSTM and a GRU" if len(others) == 2 else
                 f"The same step in {'an LSTM' if others == ['lstm'] else 'a GRU'}")
    st.write("Gated cells have the same inputs and outputs, but decide with gates, unit by unit, what to keep, "
             "forget and write. Same word, size, seed and weights setting, at the same step "
             f"({t + 1}, {phase}).")
    cell = others[0]
    if len(others) == 2:
        cell = st.segmented_control("Gated cell", others, key="how.gated", format_func=str.upper,
                                    label_visibility="collapsed") or "lstm"
    gated, _ = record(walk.word, cell, walk.hidden_size, walk.seed, walk.train_steps)
    guesses = " ".join(f"'{g.prediction}'{'✓' if g.prediction == g.target else '✗'}" for g in gated.forward)
    st.markdown(f"{cell.upper()} guesses: {guesses} · total loss **{gated.loss:.2f}**")
    picture(walk_diagram("cell_svg", settings(gated), t, phase), CELL_DIAGRAM_CAPTION[cell])
    kit.chart(walk_figure("gate_timeline", settings(gated), t), GATES_CAPTION, key="how.gates_gated")
    st.session_state["how.step_seconds"] = {"wall": time.perf_counter() - started,
                                            "cpu": time.thread_time() - started_cpu}


if walk is not None:
    stepper(walk, difference)
    script = export_script(step_through, walk.word, walk.cell, walk.hidden_size, walk.seed, walk.train_steps,
                           title=f"Step through a tiny {walk.cell.upper()} on '{walk.word}'.", seed=walk.seed,
                           command=command_line("step-through", {"word": walk.word, "cell": walk.cell,
                                                                 "hidden": walk.hidden_size, "seed": walk.seed,
                                                                 "train_steps": walk.train_steps}),
                           report="for f in result.forward:\n    print(f.t + 1, repr(f.char), '->', repr(f.prediction), "
                                  "'loss', round(f.loss, 3))\nprint('autograd agrees to', "
                                  "result.autograd_difference())",
                           file_name="step_through.py")
    kit.export_button(script, "step_through.py", key="how.btn_export", schema=SHARE)


CARD = 191   # a gallery card's width in pixels on a laptop screen


@st.cache_resource(show_spinner=False)
def gallery() -> dict:
    """The shape diagrams never change: drawn once per server as SVG pictures (see :func:`walk_diagram`),
    shared read-only by every visitor."""
    return {key: architecture_svg(key, CARD) for key in ARCHITECTURES}


def open_shape(page: str, link: dict) -> None:
    """Open ``page`` as its shared link with ``link`` would: the page reads the link's settings afresh, even if
    it was visited before in this session (a page reads a link once per session, see kit.settings)."""
    if page in LINK_NAMESPACE:
        kit.read_link_again(LINK_NAMESPACE[page])
    st.switch_page(str(ROOT / page), query_params=link or None)


st.subheader("The shapes of recurrent models")
st.caption(ARCH_CAPTION)
keys = list(ARCHITECTURES)
for row in (keys[:4], keys[4:]):
    cols = st.columns(4)
    for col, key in zip(cols, row):
        a = ARCHITECTURES[key]
        with col.container(border=True):
            st.markdown(f"**{a['title']}**")
            picture(gallery()[key], a["text"])
            if a["page"] and (ROOT / a["page"]).exists():
                if st.button("Try it", key=f"how.btn_try_{key}", icon=":material/arrow_forward:",
                             help=f"Opens {a['promise']}."):
                    open_shape(a["page"], a["link"])
            elif a["page"]:
                st.caption("(its page is coming soon)")
