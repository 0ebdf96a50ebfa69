"""The Vanishing gradients page in an app test: it draws, reacts to its controls, and refuses bad settings."""

from conftest import app_test


def _page():
    return app_test("pages/gradients.py", timeout=120)


def test_page_draws_every_section():
    at = _page()
    assert not at.exception
    assert not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "gates do not save the gradient by themselves" in text
    assert "RNN: ‖∂L/∂h_0‖" in " ".join(m.label for m in at.metric)
    assert len(at.dataframe) >= 1   # the three situations
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("How to read it") >= 4


def test_exploding_preset_shows_explosion_and_bound():
    at = _page()
    at.button(key="gradients.btn_preset_1").click().run()
    assert not at.exception
    assert at.session_state["gradients.activation"] == "relu"
    rnn = next(m for m in at.metric if m.label.startswith("RNN"))
    assert float(rnn.value) > 1000


def test_no_cell_is_an_error_not_a_crash():
    at = _page()
    at.multiselect(key="gradients.cells").set_value([]).run()
    assert not at.exception
    assert any("at least one cell" in e.value for e in at.error)


def test_overflowing_setting_reports_inf_or_nan_without_crashing():
    at = _page()
    at.session_state["gradients.cells"] = ["rnn"]
    at.session_state["gradients.activation"] = "relu"
    at.session_state["gradients.init"] = "identity"
    at.session_state["gradients.radius"] = 1.5
    at.session_state["gradients.length"] = 500
    at.run()
    assert not at.exception
    assert any("infinite or not a number" in w.value for w in at.warning)


def test_training_runs_in_the_background_and_shows_heatmaps_and_the_trained_table():
    at = _page()
    at.session_state["gradients.cells"] = ["rnn", "lstm"]
    at.session_state["gradients.length"] = 5
    at.session_state["gradients.hidden"] = 8
    at.session_state["gradients.train_steps"] = 50
    at.run()
    at.button(key="gradients.btn_train").click().run()
    assert not at.exception
    at.session_state["gradients.job"].wait(120)
    at.run()
    at.run()
    assert not at.exception
    assert any("After training" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "cell" in d.value.columns)
    assert list(table["cell"]) == ["RNN", "LSTM"] and list(table["steps"]) == [50, 50]
    assert "test MSE (always answering 1: 0.167)" in table.columns and "left the plateau at step" in table.columns
    # a second training: the result below is the new run's, under its own closing line
    at.session_state["gradients.cells"] = ["gru"]
    at.session_state["gradients.train_steps"] = 100
    at.run()
    at.button(key="gradients.btn_train").click().run()
    at.session_state["gradients.job"].wait(120)
    at.run()
    at.run()
    assert not at.exception and any("Trained" in s.value for s in at.success)
    table = next(d.value for d in at.dataframe if "cell" in d.value.columns)
    assert list(table["cell"]) == ["GRU"] and list(table["steps"]) == [100]


def test_the_long_lstm_button_sets_the_lstm_alone_and_3000_steps():
    at = _page()
    at.button(key="gradients.btn_long_lstm").click().run()
    assert not at.exception
    assert at.session_state["gradients.cells"] == ["lstm"] and at.session_state["gradients.train_steps"] == 3000
    assert at.multiselect(key="gradients.cells").value == ["lstm"]


def test_the_clipping_demo_trains_in_the_background_and_shows_both_runs():
    at = _page()
    at.button(key="gradients.clip.btn_train").click().run()
    job = at.session_state["gradients.clip.job"]
    job.wait(120)
    at.run()
    at.run()
    assert not at.exception and job.status == "done", job.error
    lines = [m.value for m in at.markdown if m.value.startswith(("Without clipping", "With clipping"))]
    assert len(lines) == 2 and "largest gradient norm (before clipping)" in lines[0]
    assert any(c.value.startswith("How to read it: the same RNN trained twice") for c in at.caption)


def test_workshop_settings_tell_the_relu_story_and_the_saturation_preset_the_tanh_one():
    from rnn_core.workshop import STEPS
    at = _page()
    for key, value in next(s for s in STEPS if s.page == "pages/gradients.py").settings.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "explodes, exponentially both ways" in text
    at.button(key="gradients.btn_preset_3").click().run()     # Saturation: tanh, radius 1.5
    assert not at.exception and at.session_state["gradients.activation"] == "tanh"
    text = " ".join(m.value for m in at.markdown)
    assert "only if the state stayed near 0" in text and "mostly over the first steps" in text
    assert "GRU, PyTorch's default" in " ".join(at.dataframe[0].value["network"])


def test_the_remedies_section_draws_the_shipped_grid_and_its_findings():
    from rnn_core.compare.remedies import REMEDIES, load
    at = _page()
    assert not at.exception
    assert any(s.value.startswith("7. The remedies") for s in at.subheader)
    table = next(d.value for d in at.dataframe if "remedy" in d.value.columns)
    shipped = {r["label"] for r in load()}
    assert set(table["remedy"]) == shipped and shipped <= {r.label for r in REMEDIES}
    text = " ".join(m.value for m in at.markdown)
    assert "What the measurement says" in text and "**tanh RNN (reference)**" in text
    assert any(c.value.startswith("How to read it: one row per remedy") for c in at.caption)


def test_run_live_trains_one_remedy_in_the_background_and_sets_it_beside_its_precomputed_row():
    """Started, then stopped after a moment: the run that far is measured and shown beside seed 0's precomputed row
    (the full replay of a precomputed row is a claim test, tests/claims/test_remedies.py)."""
    import time
    at = _page()
    at.session_state["gradients.remedy"] = "gru"
    at.session_state["gradients.remedy_seed"] = 0
    at.run()
    at.button(key="gradients.remedy.btn_train").click().run()
    assert not at.exception
    job = at.session_state["gradients.remedy.job"]
    time.sleep(1.5)
    at.button(key="gradients.remedy.btn_stop").click().run()
    job.wait(120)
    at.run()
    at.run()
    assert not at.exception and job.status == "done", job.error
    table = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert list(table["run"]) == ["GRU · seed 0"] and table["accuracy (precomputed)"][0] != "—"
    assert 0 < int(table["steps"][0]) < 2000
