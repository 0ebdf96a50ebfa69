"""RNN Lab: the router. Page config, the thread policy, and navigation over the pages in ``pages/``."""

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pages.kit import jobs_sidebar, keep_widget_state, registry  # noqa: E402
from pages.workshop import workshop_sidebar  # noqa: E402
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402

st.set_page_config(page_title="RNN Lab", page_icon=":material/cycle:", layout="wide")
if "torch" in sys.modules:   # pages that use torch import it; the home page renders without it
    configure_torch_threads()
keep_widget_state()
registry()   # every run on any page counts as activity for the session's models (see rnn_core.runs.sessions)

# (file, title, url path, icon); a page appears once its file exists. The order is the workshop's
# (rnn_core.workshop.STEPS), which Home's cards follow too: one order everywhere (a test holds it).
PAGES = [
    ("pages/home.py", "Home", "home", ":material/home:"),
    ("pages/how_it_works.py", "How an RNN works", "how_it_works", ":material/school:"),
    ("pages/language_model.py", "Train a language model", "language_model", ":material/menu_book:"),
    ("pages/generate.py", "Generate text", "generate", ":material/edit_note:"),
    ("pages/gradients.py", "Vanishing gradients", "gradients", ":material/trending_down:"),
    ("pages/compare.py", "Compare RNN, LSTM and GRU", "compare", ":material/compare_arrows:"),
    ("pages/sentiment.py", "Sentiment", "sentiment", ":material/reviews:"),
    ("pages/forecast.py", "Forecast a time series", "forecast", ":material/show_chart:"),
    ("pages/tag.py", "Tag a sentence", "tag", ":material/label:"),
    ("pages/translate.py", "Translate", "translate", ":material/translate:"),
    ("pages/caption.py", "Caption a picture", "caption", ":material/image:"),
]

navigation = st.navigation([
    st.Page(str(ROOT / path), title=title, url_path=url, icon=icon, default=(url == "home"))
    for path, title, url, icon in PAGES if (ROOT / path).exists()
])
jobs_sidebar()
# Workshop mode (a sidebar switch, or ?workshop=1 in the link): the guided path's current step on every page.
workshop_sidebar(navigation.url_path, {path: "" if url == "home" else url for path, _, url, _ in PAGES})
navigation.run()
