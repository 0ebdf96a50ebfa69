"""App tests of the Home page: the first action, the three figures, the cards in the workshop's order."""

from pathlib import Path

from conftest import app_test

from rnn_core.tour import findings as tour
from rnn_core.tour import figures as figs
from rnn_core.workshop import STEPS


def card_links(at):
    return [link.proto.label.strip("*") for link in at.get("page_link")]


def test_home_shows_the_start_button_the_figures_and_the_cards():
    at = app_test(timeout=120)
    assert not at.exception and not at.error
    assert at.title[0].value == "RNN Lab"
    start = at.button(key="home.btn_start")
    assert start.label == "Start: How an RNN works" and start.proto.type == "primary"
    assert [b.proto.type for b in at.button].count("primary") == 1   # one clear first action
    charts = at.get("plotly_chart")
    has_samples = tour.samples_along_training() is not None
    assert len(charts) == 2 + has_samples
    captions = [c.value for c in at.caption]
    assert figs.cliff_caption(tour.accuracy_cliff()) in captions and figs.GRADIENT_CAPTION in captions
    assert (figs.SAMPLES_CAPTION in captions) == has_samples
    assert any(m.value == "What each page teaches" for m in at.subheader)


def test_the_cards_follow_the_workshop_and_each_links_to_its_page():
    at = app_test(timeout=120)
    links = card_links(at)
    titles = [label.split(". ", 1)[1] for label in links]
    workshop = []
    for step in STEPS:
        if step.page != "pages/home.py" and step.page not in workshop:
            workshop.append(step.page)
    from pages.home import TOUR
    assert titles[:len(workshop)] == [TOUR[p][0] for p in workshop]
    assert links[0] == "1. How an RNN works"
    assert len(links) == len([p for p in TOUR if (Path(__file__).parent.parent / p).exists()])
    urls = [link.proto.page for link in at.get("page_link")]   # app.py's url paths: the files' stems
    assert urls[:len(workshop)] == [Path(p).stem for p in workshop]


def test_start_opens_the_first_page_of_the_workshop():
    at = app_test(timeout=120)
    at.button(key="home.btn_start").click().run()
    assert not at.exception
    assert at.title[0].value == "How an RNN works"


def test_in_workshop_mode_start_moves_to_the_next_step_with_its_settings():
    at = app_test(timeout=120)
    at.session_state["workshop.on"] = True
    at.session_state["workshop.step"] = 0
    at.run()
    at.button(key="home.btn_start").click().run()
    assert not at.exception
    assert at.session_state["workshop.step"] == 1
    assert all(at.session_state[k] == v for k, v in STEPS[1].settings.items())
    assert at.title[0].value == "How an RNN works"


def test_the_sidebar_lists_the_pages_in_the_cards_order_and_home_mentions_workshop_mode():
    """Issue 22, item 18: one order everywhere (app.py's navigation, Home's numbered cards, the workshop)."""
    import ast
    ROOT = Path(__file__).parent.parent
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
    sidebar = [path for path, *_ in pages if path != "pages/home.py"]
    from pages.home import tour_order
    assert sidebar == tour_order()
    at = app_test(timeout=120)
    present = [title for path, title, *_ in pages if path != "pages/home.py" and (ROOT / path).exists()]
    assert [label.split(". ", 1)[1] for label in card_links(at)] == present
    assert any("Workshop mode" in c.value and "?workshop=1" in c.value for c in at.caption)
