"""The workshop's guided path, as data: 45 minutes through the app, one step per idea.

Each step names its page, what the instructor explains, what everyone clicks and what everyone should
then see. ``settings`` are session-state values (widget keys of that page) applied when the step opens, so
every laptop in the room starts from the same seed and preset and shows the same picture. Pages that are
not built yet, or whose keys are not listed, are simply visited with their own defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKSHOP_SEED = 0

# The language-model lab's "Quick" preset, spelled out so that a step can set it (the page's widget keys).
_LM_QUICK = {"lm.source": "Built-in corpus", "lm.builtin": "python-docs", "lm.level": "char",
             "lm.encoding": "embedding", "lm.preset": "quick", "lm.hidden": 128, "lm.layers": 1, "lm.seq_len": 64,
             "lm.batch": 32, "lm.lr": 8e-3, "lm.clip": 1.0, "lm.steps": 800, "lm.seconds": 60,
             "lm.embedding_dim": 32, "lm.seed": WORKSHOP_SEED}
_HOW = {"how.word": "hello", "how.cell": "rnn", "how.hidden": 3, "how.seed": WORKSHOP_SEED, "how.train": 0,
        "how.pos": 0}


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
        "Read the tour of the pages. Do not train anything yet.",
        "Six pages; we will visit them in order, with the same seed on every laptop.", {},
        room_does='read the tour', room_sees='what each page teaches'),
    WorkshopStep(
        "One step forward, with real numbers", "pages/how_it_works.py", 6,
        "A tiny RNN reads 'hello' one letter at a time and guesses the next letter. Each letter is a one-hot "
        "vector; h_t = tanh(W_hh h_{t−1} + W_xh x_t + b); y_t = softmax(W_hy h_t).",
        "Press Next four times, one time step each. Look at the sum strip and the probability bars.",
        "W_xh·x_t just picks one column of W_xh. The hidden state stays between −1 and 1. Untrained, the "
        "guesses are poor: each step's loss is near ln 4 ≈ 1.4, a uniform guess over e, h, l, o.", dict(_HOW),
        room_does='Next ×4 through "hello"', room_sees='W_xh·x_t picks a column; h_t in (−1, 1); loss ≈ ln 4 per step'),
    WorkshopStep(
        "Backwards through time", "pages/how_it_works.py", 5,
        "Learning means sending the error back through every step: backpropagation through time. Each step "
        "back multiplies the signal by W_hh and by tanh' = 1 − h².",
        "Keep pressing Next through the backward steps, down to step 1. Watch the gradient chart.",
        "The dotted line (the last letter's error alone) shrinks at each step back: on everyone's screen it "
        "loses about a factor of 30 by step 1. That is the vanishing gradient, in four steps.",
        {**_HOW, "how.pos": 4},
        room_does='Next through the backward steps', room_sees='the last error shrinks as it travels back: the vanishing gradient'),
    WorkshopStep(
        "Train it, then open the gates", "pages/how_it_works.py", 5,
        "After 100 training steps the same network predicts 'e', 'l', 'l', 'o'. Note the two 'l's: the same "
        "input gives different outputs, because the hidden state remembers what came before.",
        "Set Weights to 'after 100 steps'. Then switch the cell to LSTM, then GRU, and look at the gate charts.",
        "All four predictions turn right (✓). The LSTM's forget gate and the GRU's update gate decide, unit by "
        "unit, how much of the old memory to keep.", {**_HOW, "how.train": 100},
        room_does='weights "after 100 steps", then LSTM, GRU', room_sees='guesses become e, l, l, o; forget and update gates at work'),
    WorkshopStep(
        "Train a language model", "pages/language_model.py", 7,
        "Now the same idea at scale: an LSTM with 128 units reads Python's documentation and learns to predict "
        "the next character. Everyone uses seed 0 and the Quick preset: 800 steps, the same model everywhere.",
        "Press Train. While it runs, read the samples under the chart.",
        "The loss falls far below the dotted 'uniform guess' line; the samples turn from noise into "
        "word-like text with spaces and punctuation. Everyone's curve is the same.", {**_LM_QUICK, "lm.cell": "lstm"},
        room_does='Train (Quick, LSTM, seed 0)', room_sees='the loss falls below "uniform guess"; samples turn into words'),
    WorkshopStep(
        "RNN, LSTM and GRU on the same text", "pages/language_model.py", 5,
        "Same text, same budget, same seed: only the cell changes.",
        "Choose RNN, press Train; then GRU, press Train. Look at 'Compare your runs'.",
        "The comparison chart puts the three runs side by side: which one learns fastest per second here?",
        {**_LM_QUICK, "lm.cell": "rnn"},
        room_does='train an RNN, then a GRU', room_sees='the "Compare your runs" chart'),
    WorkshopStep(
        "Generate text and turn the temperature", "pages/generate.py", 4,
        "A language model gives a probability for every next character; sampling picks one and feeds it back "
        "in (one to many).",
        "Pick your LSTM, type a prompt, generate at a low and at a high temperature, seed 0.",
        "Low temperature: safe and repetitive. High: wild. The probability bars sharpen or flatten.", {},
        room_does='low and high temperature', room_sees='repetitive vs wild text; the bars sharpen or flatten'),
    WorkshopStep(
        "Vanishing and exploding gradients", "pages/gradients.py", 5,
        "The shrinking we saw on 'hello' over four steps, now over a hundred, measured and next to the theory.",
        "Drag the spectral radius of W_hh above 1, then below; compare the RNN with the LSTM and GRU.",
        "Below 1 the gradient vanishes exponentially; above 1 it explodes. Gates give it a path that can "
        "stay open, once trained.", {},
        room_does='drag the spectral radius past 1', room_sees='vanishing turns into exploding'),
    WorkshopStep(
        "Who remembers longer?", "pages/compare.py", 3,
        "The classic experiment: remember something for 100 steps.",
        "Look at the precomputed chart of accuracy against sequence length.",
        "The vanilla RNN falls to chance as the lag grows; the LSTM and GRU hold on.", {},
        room_does='read the precomputed chart', room_sees='the RNN falls to the no-memory line as the lag grows'),
    WorkshopStep(
        "Many to one: sentiment", "pages/sentiment.py", 2,
        "Read a whole sentence, answer once at the end.",
        "Type 'The food was not bad at all' and watch the prediction move word by word.",
        "'bad' pulls the prediction down; 'not' before it flips the meaning, which a bag of words cannot do.",
        {},
        room_does='"The food was not bad at all"', room_sees='the prediction moves word by word'),
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
