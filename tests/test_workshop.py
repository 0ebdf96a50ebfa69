"""Workshop mode: the guided path as data, the sidebar panel, Next/Back, fixed settings and the session reset."""

import re
from dataclasses import asdict
from pathlib import Path

from conftest import app_test
from streamlit.testing.v1 import AppTest

from rnn_core.runs.registry import TrainedModel
from rnn_core.workshop import STEPS, WORKSHOP_SEED, agenda, agenda_markdown, clamp_step, total_minutes

ROOT = Path(__file__).resolve().parent.parent
APP_PAGES = set(re.findall(r'\("(pages/\w+\.py)"', (ROOT / "app.py").read_text()))
PAGE_TITLES = dict(re.findall(r'\("(pages/\w+\.py)", "([^"]+)"', (ROOT / "app.py").read_text()))
PREFIX = {"pages/language_model.py": "lm.", "pages/how_it_works.py": "how.", "pages/generate.py": "generate.",
          "pages/compare.py": "compare.", "pages/gradients.py": "gradients.", "pages/sentiment.py": "sentiment."}


def test_the_path_is_a_45_minute_plan_over_the_app_pages():
    assert total_minutes() == 45
    assert [row["step"] for row in agenda()] == list(range(1, len(STEPS) + 1))
    for step in STEPS:
        assert step.page in APP_PAGES, step.page
        assert step.title and step.explain and step.click and step.observe and step.minutes > 0
        assert all(key.startswith(PREFIX.get(step.page, "?")) for key in step.settings), step.title
        if any(key.endswith(".seed") for key in step.settings):
            assert all(v == WORKSHOP_SEED for k, v in step.settings.items() if k.endswith(".seed"))
    assert clamp_step("garbage") == 0 and clamp_step(-5) == 0 and clamp_step(999) == len(STEPS) - 1


def _workshop(step: int = 1) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"workshop": "1", "step": str(step)})
    at.run()
    return at


def _panel_text(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def test_a_workshop_link_shows_the_current_step_in_the_sidebar():
    at = _workshop()
    assert not at.exception
    assert at.sidebar.toggle[0].value is True
    assert STEPS[0].title in _panel_text(at) and "You should see" in _panel_text(at)
    assert at.sidebar.button(key="workshop.btn_back").disabled
    assert at.query_params["workshop"] in ("1", ["1"])


def test_next_applies_the_steps_fixed_settings_and_back_returns():
    at = _workshop()
    at.sidebar.button(key="workshop.btn_next").click().run()
    assert not at.exception
    assert at.session_state["workshop.step"] == 1 and at.session_state["workshop.on"] is True
    for key, value in STEPS[1].settings.items():
        assert at.session_state[key] == value, key
    # A link to step 3 opens step 3's page; go back from there.
    at = _workshop(3)
    assert not at.exception
    assert STEPS[2].title in _panel_text(at) and at.text_input(key="how.word").value == "hello"
    assert at.session_state["how.pos"] == 4
    at.sidebar.button(key="workshop.btn_back").click().run()
    assert at.session_state["workshop.step"] == 1 and at.session_state["how.pos"] == 0


def test_every_step_with_settings_opens_its_page_cleanly():
    for index, step in enumerate(STEPS):
        if not step.settings or not (ROOT / step.page).exists():
            continue
        at = _workshop(index + 1)   # the link opens the step's page
        assert not at.exception, step.title
        assert not at.error, (step.title, [e.value for e in at.error])
        for key, value in step.settings.items():
            assert at.session_state[key] == value, (step.title, key)


def test_reset_forgets_the_participants_session_and_reapplies_the_step():
    at = _workshop(5)   # train a language model: the link opens its page
    at.number_input(key="lm.seed").set_value(99).run()
    at.session_state["models"].add(TrainedModel("mine", "test", None, None, {}, {}))
    at.session_state["lm.private"] = "something of mine"
    at.run()
    at.sidebar.button(key="workshop.btn_reset").click().run()
    assert not at.exception
    assert "lm.private" not in at.session_state
    assert at.session_state["lm.seed"] == WORKSHOP_SEED
    assert len(at.session_state["models"]) == 0
    assert at.session_state["workshop.on"] is True and at.session_state["workshop.step"] == 4
    assert any("Session reset" in s.value for s in at.sidebar.success)


def test_workshop_mode_off_shows_no_panel():
    # (turning the switch on and off is checked in the browser: AppTest does not rerun app.py after it)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception and at.sidebar.toggle[0].value is False
    assert "You should see" not in _panel_text(at) and "workshop" not in at.query_params


def test_a_bad_step_in_the_link_starts_at_the_first_step():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"workshop": "1", "step": "banana"})
    at.run()
    assert not at.exception and at.session_state["workshop.step"] == 0


def test_a_link_to_a_step_opens_that_steps_page():
    """``?workshop=1&step=3`` on the home address opens step 3's page, not Home with step 3 in the sidebar."""
    at = _workshop(3)
    assert not at.exception
    titles = [t.value for t in at.title]
    assert titles and titles[0] == PAGE_TITLES[STEPS[2].page], titles


def test_readme_holds_the_plan_from_its_one_source():
    """README's workshop table is exactly what ``agenda_markdown`` prints from STEPS."""
    readme = (ROOT / "README.md").read_text()
    assert agenda_markdown(PAGE_TITLES) in readme
    for step in STEPS:
        assert step.room_does and step.room_sees, step.title


def test_the_steps_settings_are_the_pages_own_defaults():
    """The settings written out in rnn_core.workshop (imported by every page, so without torch) are the
    pages' own: a changed default in rnn_core fails here instead of silently showing the room another picture."""
    from rnn_core import workshop
    from rnn_core.compare import experiments
    from rnn_core.language_model.generation import page_defaults
    from rnn_core.language_model.training import preset

    for step in STEPS:
        if step.page != "pages/language_model.py":
            continue
        s = preset("quick", cell=step.settings["lm.cell"], level="char")
        assert step.settings["lm.lr"] == s.lr, step.title
        assert (step.settings["lm.hidden"], step.settings["lm.seq_len"], step.settings["lm.batch"],
                step.settings["lm.steps"], step.settings["lm.embedding_dim"], step.settings["lm.clip"]) == \
            (s.hidden_size, s.seq_len, s.batch_size, s.max_steps, s.embedding_dim, s.clip), step.title
    assert {k: v for k, v in workshop._GENERATE.items() if k != "generate.view"} == {
        f"generate.{name}": value for name, value in asdict(page_defaults("char")).items()}
    # Gradients: the page's own defaults (its settings schema, read from rnn_core), but a ReLU RNN with
    # W_hh = identity × radius, radius 1: dragging the radius above and below 1 explodes and vanishes.
    page = app_test("pages/gradients.py", timeout=120)
    defaults = {key: page.session_state[key] for key in workshop._GRADIENTS}
    assert workshop._GRADIENTS == {**defaults, "gradients.activation": "relu", "gradients.init": "identity",
                                   "gradients.radius": 1.0}
    spec = experiments.PAGE_SPEC     # the workshop's Compare step runs the page's defaults on the adding problem
    assert workshop._COMPARE == {
        "compare.task": spec.task, "compare.lengths": ", ".join(map(str, spec.lengths)), "compare.cells": list(spec.cells),
        "compare.seeds": spec.seeds, "compare.first_seed": spec.first_seed, "compare.hidden": spec.hidden,
        "compare.match": spec.match_params, "compare.steps": spec.max_steps, "compare.lr": spec.lr,
        "compare.clip": spec.clip, "compare.forget_bias": spec.forget_bias, "compare.rnn_init": spec.rnn_init}
