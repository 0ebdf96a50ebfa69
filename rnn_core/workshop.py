"""The workshop's guided path, as data: 45 minutes through the app, one step per idea.

Each step names its page, what the instructor explains, what everyone clicks and what everyone should
then see. ``settings`` are session-state values (widget keys of that page) applied when the step opens, so
every laptop in the room starts from the same seed and preset and shows the same picture. Pages that are
not built yet, or whose keys are not listed, are simply visited with their own defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKSHOP_SEED = 0

# Each step's settings set everything its "You should see" depends on, so a laptop left in any state shows the
# room's picture. They are written out here (this module is imported by every page, Home included, which
# renders without torch); tests/test_workshop.py checks them against the pages' own defaults in rnn_core.
_LM_QUICK = {"lm.source": "Built-in corpus", "lm.builtin": "python-docs", "lm.level": "char",
             "lm.encoding": "embedding", "lm.preset": "quick", "lm.hidden": 128, "lm.layers": 1, "lm.seq_len": 32,
             "lm.batch": 32, "lm.clip": 1.0, "lm.steps": 1000, "lm.seconds": 180, "lm.embedding_dim": 32,
             "lm.seed": WORKSHOP_SEED}
_HOW = {"how.word": "hello", "how.cell": "rnn", "how.hidden": 3, "how.seed": WORKSHOP_SEED, "how.train": 0,
        "how.pos": 0}
_GENERATE = {"generate.view": "Three temperatures", "generate.prompt": "The ", "generate.length": 300,
             "generate.temperature": 0.8, "generate.top_k": 0, "generate.top_p": 1.0, "generate.seed": WORKSHOP_SEED}
_GRADIENTS = {"gradients.cells": ["rnn", "lstm", "gru"], "gradients.length": 100, "gradients.hidden": 64,
              "gradients.seed": WORKSHOP_SEED, "gradients.activation": "relu", "gradients.init": "identity",
              "gradients.gain": 1.0, "gradients.use_radius": True, "gradients.radius": 1.0,
              "gradients.forget_bias": 1.0, "gradients.inputs": "random", "gradients.text": "python-docs",
              "gradients.gated_init": False, "gradients.train_steps": 500, "gradients.train_lr": 0.01,
              "gradients.train_clip": 1.0}
_COMPARE = {"compare.task": "adding", "compare.lengths": "10, 50, 100", "compare.cells": ["rnn", "lstm", "gru"],
            "compare.seeds": 1, "compare.first_seed": WORKSHOP_SEED, "compare.hidden": 32, "compare.match": False,
            "compare.steps": 2000, "compare.lr": 0.02, "compare.clip": 1.0, "compare.forget_bias": 1.0,
            "compare.rnn_init": "default"}
SENTIMENT_READY_MADE = "Ready-made: LSTM 64 (last state) · Built-in reviews, seed 0"
_SENTIMENT = {"sentiment.shown_model": SENTIMENT_READY_MADE, "sentiment.sentence": "The food was not bad at all",
              "sentiment.influence": "leave-one-out"}


@dataclass(frozen=True)
class WorkshopStep:
    title: str
    page: str                  # the page file, as in app.py's PAGES
    minutes: int
    explain: str               # what the instructor says
    click: str                 # what everyone does
    observe: str               # what everyone should see
    settings: dict = field(default_factory=dict)
    room_does: str = ""        # the agenda's short forms of ``click`` and ``observe`` (README's table)
    room_sees: str = ""


STEPS = (
    WorkshopStep(
        "Welcome: what a recurrent network is for", "pages/home.py", 3,
        "Text, speech and prices arrive one piece at a time. A recurrent network reads them in order and keeps "
        "a memory, the hidden state, that it updates at every step. Today we watch that memory at work.",
        "Look at the three charts and read the numbered cards; then press Next workshop step (or Start: How an "
        "RNN works).",
        "Three measured previews: the RNN's accuracy falls to the no-memory line as the lag grows while the "
        "LSTM and GRU stay above 90 %; far back, the RNN's gradient is many times weaker than the gated cells'; "
        "a ready-made model's samples climb from noise to words. The cards are numbered in the order we visit "
        "them.", {},
        room_does="look at the three previews", room_sees="what each page teaches, in the order we visit"),
    WorkshopStep(
        "One step forward, with real numbers", "pages/how_it_works.py", 6,
        "A tiny RNN reads 'hello' one letter at a time and guesses the next letter. Each letter is a one-hot "
        "vector; h_t = tanh(W_hh h_{t−1} + W_xh x_t + b); y_t = softmax(W_hy h_t).",
        "Time step 1 of 4 is on screen. Press the page's red Next three times, one time step each (time steps 2 "
        "to 4). Look at the sum strip and the probability bars.",
        "W_xh·x_t just picks one column of W_xh. The hidden state stays between −1 and 1. Untrained, the "
        "guesses are no better than chance: on seed 0 the network guesses 'o' after every letter, so it is right "
        "only at the last step, where 'o' does come next. Each step's loss is between about 0.9 and 1.8, around "
        "ln 4 ≈ 1.39, the cost of a uniform guess over e, h, l, o.", dict(_HOW),
        room_does='Next ×3 through "hello"', room_sees="W_xh·x_t picks a column; h_t in (−1, 1); loss ≈ ln 4 per step"),
    WorkshopStep(
        "Backwards through time", "pages/how_it_works.py", 5,
        "Learning means sending the error back through every step: backpropagation through time. Each step "
        "back multiplies the signal by tanh′ = 1 − h² and by W_hhᵀ.",
        "Keep pressing the page's Next through the backward steps, down to time step 1. Watch the gradient "
        "chart.",
        "The dotted line (the last letter's error alone) shrinks at each step back: on everyone's screen (seed "
        "0) it loses a factor of about 30 by step 1 (other seeds: 20 to 130). That is the vanishing gradient, "
        "in four steps.", {**_HOW, "how.pos": 4},
        room_does="Next through the backward steps", room_sees="the last error shrinks about 30× by step 1"),
    WorkshopStep(
        "Train it, then open the gates", "pages/how_it_works.py", 5,
        "After 100 training steps the same network predicts 'e', 'l', 'l', 'o'. Note the two 'l's: the same "
        "input 'l' gives 'l' the first time and 'o' the second, because the hidden state remembers what came "
        "before.",
        "Weights are already set to 'after 100 steps' (trained on the word). Read the guesses in the unrolled "
        "diagram, then switch the cell to LSTM, then GRU, and look at the cell diagram and the gate charts.",
        "All four guesses turn right (✓): e, l, l, o, for the RNN, then the LSTM and the GRU. The LSTM's forget "
        "gates spread out unit by unit (some near 1: keep; some far below: forget), and the GRU's update gates "
        "drop towards 0: on so short a word it mostly replaces its memory with the new candidate.",
        {**_HOW, "how.train": 100},
        room_does="read the trained guesses, then LSTM, GRU", room_sees="e, l, l, o all right; the gates at work"),
    WorkshopStep(
        "Train a language model", "pages/language_model.py", 7,
        "Now the same idea at scale: an LSTM with 128 units reads Python's documentation and learns to predict "
        "the next character. Everyone uses seed 0 and the Quick preset: 1,000 steps, the same model everywhere.",
        "Press Train. While it runs, read the samples under the chart.",
        "The loss starts at the dotted uniform guess (ln 106 ≈ 4.66: the text's 103 symbols and 3 special tokens) "
        "and falls to about 1.40. The samples go "
        "from random symbols to word-like English. Everyone's numbers are the same.",
        {**_LM_QUICK, "lm.cell": "lstm", "lm.lr": 0.02},
        room_does="Train (Quick, LSTM, seed 0)", room_sees="the loss falls from the uniform guess to ≈ 1.40; samples turn into words"),
    WorkshopStep(
        "RNN, LSTM and GRU on the same text", "pages/language_model.py", 5,
        "Same text, same step budget, same seed: only the cell changes (each with the learning rate it learns "
        "well with).",
        "Press Train (RNN); then choose GRU and press Train. The learning rate follows the cell's preset.",
        "In 'Compare your runs' (Python documentation, characters, against training steps) the RNN ends highest "
        "(about 1.61), above the LSTM (1.40) and the GRU (1.35). Switch the axis to seconds: the RNN finishes "
        "first but ends higher.",
        {**_LM_QUICK, "lm.cell": "rnn", "lm.lr": 0.01, "lm.compare_axis": "step"},
        room_does="train an RNN, then a GRU", room_sees="both gated cells end below the RNN in \"Compare your runs\""),
    WorkshopStep(
        "Generate text and turn the temperature", "pages/generate.py", 4,
        "A language model gives a probability for every next character; sampling draws one and feeds it back "
        "in. The temperature divides the scores before the softmax. For the classic word-level example, "
        "'Napoleon (War and Peace)' under 'What to look at' asks a model of Tolstoy's novel what follows "
        "\"Napoleon was the Emperor of\", beside what the book itself says.",
        "Pick your LSTM (or the ready-made LSTM). 'Three temperatures' shows the same prompt and seed 0 at 0.2, "
        "0.8 and 1.5. Then open Step by step, press Next token, and drag the temperature.",
        "Low temperature: safe and repetitive (many 4-character sequences repeat). High: wild, with invented "
        "words and stray symbols. The bars sharpen at low temperature and flatten at high.", dict(_GENERATE),
        room_does="three temperatures, then step by step", room_sees="repetitive vs wild text; the bars sharpen or flatten"),
    WorkshopStep(
        "Vanishing and exploding gradients", "pages/gradients.py", 5,
        "The shrinking we saw on 'hello' over four steps, now over a hundred, measured. Each step back "
        "multiplies the gradient by diag(act′(a_t))·W_hh. We start with a ReLU RNN whose W_hh is the identity "
        "times the spectral radius: its active units have slope 1, so each step multiplies the gradient by "
        "about the radius. For the question \"so what fixes it?\", section 7 of the page measures the usual "
        "remedies side by side (clipping, initialisations, ReLU, truncation, gates): point there.",
        "Drag the spectral radius of W_hh above 1 (1.1, 1.2), then below (0.9); compare the RNN with the LSTM "
        "and GRU. Then switch the RNN activation to tanh and drag above 1 again.",
        "At 1 the RNN's line is flat. Below 1 the gradient vanishes exponentially (0.9: about 2·10⁻⁵ reaches "
        "step 0); above 1 it explodes (1.2: about 5·10⁷), a straight line on the log scale either way. The LSTM "
        "and GRU lines do not move (the slider shapes only the RNN's W_hh), and at initialisation they vanish "
        "too, the GRU's most. With tanh, above 1 the gradient shrinks instead: the state grows out of tanh's "
        "linear middle, where the slopes tanh′ = 1 − h² are smaller (at 1.2 they average about 0.5, though "
        "almost none is saturated), and they damp each step more than W_hh amplifies it.", dict(_GRADIENTS),
        room_does="drag the spectral radius past 1 (ReLU), then tanh",
        room_sees="vanishing turns into exploding; with tanh it shrinks instead"),
    WorkshopStep(
        "Who remembers longer?", "pages/compare.py", 3,
        "The classic experiment: remember two numbers for up to 200 steps and add them (the adding problem). "
        "The same question in language is the Task 'Was or were? (agreement)': the verb must agree with a "
        "subject many words back.",
        "Look at the precomputed chart of accuracy against sequence length.",
        "The vanilla RNN falls to the no-memory line as the lag grows; the LSTM and GRU hold on, solving "
        "almost every sequence at length 100.", dict(_COMPARE),
        room_does="read the precomputed chart", room_sees="the RNN falls to the no-memory line as the lag grows"),
    WorkshopStep(
        "Many to one: sentiment", "pages/sentiment.py", 2,
        "Many to one: the RNN reads the whole sentence, one word at a time, and answers once at the end. Next "
        "to it, a bag of words sees which words occur but not their order.",
        "The sentence 'The food was not bad at all' is already in the box, with a ready-made model. Read the "
        "chart 'Its opinion, word by word'. Then delete 'not' and press Enter.",
        "Up to 'not' the line stays in the middle: no evidence yet. At 'bad' it jumps above 0.85, because the "
        "hidden state kept the 'not'. The RNN says positive and the bag of words says negative. Without 'not', "
        "the same word 'bad' drops it below 0.1.", dict(_SENTIMENT),
        room_does='"The food was not bad at all", then delete "not"',
        room_sees="the line jumps up at \"bad\" only after \"not\"; the bag of words says negative"),
)


def total_minutes() -> int:
    return sum(s.minutes for s in STEPS)


def clamp_step(index) -> int:
    """A valid step index from anything (a link's ``step=`` is 1-based text, possibly garbage)."""
    try:
        number = int(index)
    except (TypeError, ValueError):
        return 0
    return min(max(number, 0), len(STEPS) - 1)


def agenda_markdown(page_titles: dict[str, str]) -> str:
    """The plan as README's Markdown table (README holds exactly this text; a test keeps them equal).

    ``page_titles`` maps page files to their navigation titles (app.py's PAGES).
    """
    lines = ["| min | step | page | the room does | the room sees |", "|---|---|---|---|---|"]
    start = 0
    for s in STEPS:
        lines.append(f"| {start}–{start + s.minutes} | {s.title} | {page_titles.get(s.page, s.page)} | "
                     f"{s.room_does} | {s.room_sees} |")
        start += s.minutes
    return "\n".join(lines)


def agenda() -> list[dict]:
    """The plan as rows (for the instructor's guide): start minute, length, page, title."""
    rows, start = [], 0
    for k, s in enumerate(STEPS):
        rows.append({"step": k + 1, "starts at": f"{start} min", "minutes": s.minutes, "page": s.page,
                     "title": s.title})
        start += s.minutes
    return rows
