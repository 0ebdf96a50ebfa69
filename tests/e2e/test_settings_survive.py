"""In a real browser, on every trainable page: change a setting, start a training, leave for Home while it trains,
come back. The widgets, the address bar and the result must all belong to the run that was started (the page kit
keeps a page's settings while the learner is away; Streamlit alone dropped them during the run's polling)."""

import re

import pytest

from .conftest import assert_no_exception, screenshot, wait_for_app

# (address with a small budget, the radio option to pick, its name in the address bar, the Train button, the
# page's name in the sidebar, a text that shows once the result is there)
PAGES = [
    ("tag?steps=100&hidden=16", "GRU", "cell=gru", "Train both", "Tag a sentence", "3. How well they do"),
    ("forecast?steps=200&hidden=8", "GRU", "cell=gru", "Train", "Forecast a time series", "3. The verdict"),
    ("translate?steps=100&hidden=8", "GRU", "cell=gru", "Train both", "Translate", "Held-out exact match"),
    ("compare?task=first-symbol&lengths=3&cells=rnn,lstm&steps=50&hidden=8", "2", "forget_bias=2", "Run live",
     "Compare RNN, LSTM and GRU", "Your runs"),
    ("language_model?steps=100", "GRU", "cell=gru", "Train", "Train a language model", "3. Your models"),
    ("sentiment?steps=100&hidden=8", "GRU", "cell=gru", "Train", "Sentiment", "is now the model"),
    ("gradients?length=20&hidden=8&train_steps=50", "relu", "activation=relu", "Train", "Vanishing gradients",
     "a test MSE far below"),
    ("caption?steps=200&hidden=16", "LSTM", "cell=lstm", "Train all three", "Caption a picture",
     "Exact captions: with attention"),
]


@pytest.mark.parametrize("address, option, in_link, train, title, result", PAGES,
                         ids=[p[0].split("?")[0] for p in PAGES])
def test_a_setting_survives_leaving_the_page_while_it_trains(page, app_url, address, option, in_link, train, title,
                                                             result):
    page.goto(f"{app_url}/{address}")
    wait_for_app(page)
    page.get_by_role("radio", name=option, exact=True).first.check(force=True)
    wait_for_app(page)
    page.get_by_role("button", name=train, exact=True).click()
    page.wait_for_timeout(1_500)                        # the run starts and its polling begins
    page.get_by_role("link", name="Home").first.click()
    page.get_by_text("What each page teaches").wait_for(timeout=60_000)
    page.wait_for_timeout(1_500)
    page.get_by_role("link", name=title).first.click()
    wait_for_app(page)
    assert page.get_by_role("radio", name=option, exact=True).first.is_checked(), "the setting came back changed"
    page.wait_for_function(f"() => window.location.search.includes({in_link!r})", timeout=15_000)
    page.get_by_text(re.compile(re.escape(result))).first.wait_for(timeout=240_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_role("radio", name=option, exact=True).first.is_checked()
    assert in_link in page.url
    screenshot(page, f"survive_{address.split('?')[0]}")
