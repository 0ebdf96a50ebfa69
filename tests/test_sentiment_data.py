"""Sentiment data: the built-in reviews' labels, the negation test, the UCI loader and downloader, CSV files."""

import io
import zipfile
from collections import Counter

import pytest

from rnn_core.sentiment import data as sentiment_data
from rnn_core.errors import RNNLabError
from rnn_core.sentiment.data import (CONSTRUCTION_WEIGHTS, NEGATIVE, NEGATORS, POLAR_VERBS, POSITIVE,
                                     ReviewSettings, UCI_FILES, built_in_reviews, cached_uci, download_uci,
                                     generate_reviews, load_uci, load_uci_folder, negation_split, parse_uci_file,
                                     phrase_counts, sentences_from_csv, stratified_split)
from rnn_core.data.text import split_tokens


POSITIVE_WORDS, NEGATIVE_WORDS = set(POSITIVE) | set(POLAR_VERBS[0]), set(NEGATIVE) | set(POLAR_VERBS[1])


def oracle_label(sentence: str) -> int:
    """An independent reading of a review: the clause after "but" decides; a negation flips its opinion word;
    two opinions joined by "and" (with no negation) agree."""
    clause = sentence.lower().rstrip(".!").split(" but ")[-1]
    words = split_tokens(clause, "word")
    opinions = [w for w in words if w in POSITIVE_WORDS or w in NEGATIVE_WORDS]
    negated = any(w in NEGATORS for w in words)
    assert len(opinions) == 1 or (len(opinions) == 2 and "and" in words and not negated), sentence
    polarities = {int(w in POSITIVE_WORDS) for w in opinions}
    assert len(polarities) == 1, sentence
    return polarities.pop() ^ int(negated)


def words_between_negation_and_adjective(sentence: str) -> int:
    words = split_tokens(sentence.lower(), "word")
    if not any(w in NEGATORS for w in words):
        return 0
    start = next(i for i, w in enumerate(words) if w in NEGATORS)
    end = next(i for i, w in enumerate(words) if i > start and (w in POSITIVE_WORDS or w in NEGATIVE_WORDS))
    return sum(w.isalpha() for w in words[start + 1:end])


def test_built_in_labels_are_right_by_construction_and_balanced():
    data = generate_reviews(ReviewSettings(n_sentences=2000, seed=3))
    assert len(data) == 2000 and data.class_counts() == {"negative": 1000, "positive": 1000}
    assert all(oracle_label(t) == y for t, y in zip(data.texts, data.labels))
    kinds = Counter(data.groups)
    total = sum(CONSTRUCTION_WEIGHTS.values())
    assert kinds == {k: 2000 * w // total for k, w in CONSTRUCTION_WEIGHTS.items()}
    assert kinds["plain"] == 900 == max(kinds.values())     # plain opinions the most, as in real reviews
    # word order matters in a good share of them: a word of the opposite polarity to the label
    opposite = sum(any(w in (NEGATIVE_WORDS if y else POSITIVE_WORDS) for w in split_tokens(t.lower(), "word"))
                   for t, y in zip(data.texts, data.labels))
    assert 0.1 * len(data) < opposite < 0.4 * len(data)
    # ... but in the plain ones the opinion word alone decides, so a bag of words has something fair to learn
    plain = [(t, y) for t, y, g in zip(data.texts, data.labels, data.groups) if g == "plain"]
    assert all(any(w in (POSITIVE_WORDS if y else NEGATIVE_WORDS) for w in split_tokens(t.lower(), "word"))
               and not any(w in NEGATORS for w in split_tokens(t.lower(), "word")) for t, y in plain)


def test_the_built_in_vocabulary_covers_ordinary_review_words():
    data, _ = built_in_reviews()
    words = Counter(w for t in data.texts for w in split_tokens(t.lower(), "word"))
    ordinary = ("I did not like it. I would not recommend it. I loved it. The food was terrible. Not good. "
                "Great service! The film is boring. The staff was really friendly. The movie was not bad at all "
                "The phone was useless and the battery is weak. I hated the ending. This place is amazing. "
                # issue 22, item 4: words a learner types that the grammar did not know
                "The waiter was rude and the soup was cold. The best pizza in town! The worst film ever. The staff "
                "were awesome. It was a great film. The fries were greasy. The service was slow. The chef is "
                "friendly. The salad was fresh and tasty. The plot was bland and predictable. The app is useful")
    assert all(words[w] >= 3 for w in split_tokens(ordinary.lower(), "word")), \
        [w for w in split_tokens(ordinary.lower(), "word") if words[w] < 3]
    assert len(words) > 150
    # one-word reviews and reviews without a full stop exist, so "Terrible" alone is not out of the blue
    assert any(t == "Terrible." for t in data.texts) and any(not t.endswith((".", "!")) for t in data.texts)


def test_phrase_counts_count_whole_words():
    data = generate_reviews(ReviewSettings(n_sentences=40))
    counts = phrase_counts(data, "not bad")
    by_hand = [sum(" not bad" in f" {t.lower()}" for t, y in zip(data.texts, data.labels) if y == k) for k in (0, 1)]
    assert counts == {"negative": by_hand[0], "positive": by_hand[1]}
    assert phrase_counts(data, "no") == {"negative": 0, "positive": 0}   # "not" and "nothing" are not "no"


def test_the_distracting_clause_has_the_chosen_length_and_options_hold():
    short = generate_reviews(ReviewSettings(n_sentences=600, max_distractor=3, contrast=False))
    long = generate_reviews(ReviewSettings(n_sentences=600, max_distractor=20, contrast=False))
    gaps_short = [words_between_negation_and_adjective(t) for t in short.texts]
    gaps_long = [words_between_negation_and_adjective(t) for t in long.texts]
    assert max(gaps_short) <= 3 + 2          # the clause, and perhaps an article ("a", "the") and an intensifier
    assert max(gaps_long) > 10 and max(gaps_long) <= 22
    assert "contrast" not in short.groups and not any(" but " in t for t in short.texts)


def test_generator_is_reproducible_from_its_seed():
    a, b = generate_reviews(ReviewSettings(n_sentences=100, seed=1)), generate_reviews(ReviewSettings(n_sentences=100, seed=1))
    assert a == b
    assert a.texts != generate_reviews(ReviewSettings(n_sentences=100, seed=2)).texts


def test_negation_split_words_are_equally_frequent_in_both_classes_and_held_out():
    settings = ReviewSettings(n_sentences=3000)
    train = generate_reviews(settings)
    split = negation_split(settings, n_sentences=400, exclude=set(train.texts))
    assert len(split) == 400 and split.class_counts() == {"negative": 200, "positive": 200}
    counts = [Counter(), Counter()]
    for text, label in zip(split.texts, split.labels):
        counts[label].update(split_tokens(text.lower(), "word"))
    assert counts[0] == counts[1]           # a bag of words cannot separate the classes
    assert not set(split.texts) & set(train.texts)
    assert all(oracle_label(t) == y for t, y in zip(split.texts, split.labels))
    assert any(words_between_negation_and_adjective(t) >= 3 for t in split.texts)


@pytest.mark.parametrize("bad", [dict(n_sentences=5), dict(max_distractor=0), dict(max_distractor=99)])
def test_absurd_generator_settings_are_refused(bad):
    with pytest.raises(RNNLabError):
        ReviewSettings(**bad)


def test_stratified_split_keeps_the_class_shares():
    labels = [0] * 700 + [1] * 300
    train, test = stratified_split(labels, 0.2, seed=5)
    assert len(test) == 200 and not set(train) & set(test) and len(train) + len(test) == 1000
    assert sum(labels[i] for i in test) == 60
    assert (train, test) == stratified_split(labels, 0.2, seed=5)
    assert test != stratified_split(labels, 0.2, seed=6)[1]


# --- UCI ---------------------------------------------------------------------------------------------------

def test_uci_files_are_parsed_exactly(shared_data):
    folder = shared_data / "sentiment-labelled-sentences"
    data = load_uci_folder(folder)
    assert len(data) == 3000 and data.class_counts() == {"negative": 1500, "positive": 1500}
    assert Counter(data.groups) == {"amazon": 1000, "imdb": 1000, "yelp": 1000}
    assert data.texts[0].startswith("So there is no way for me to plug it in here") and data.labels[0] == 0
    assert data.texts[1] == "Good case, Excellent value." and data.labels[1] == 1
    for source, name in UCI_FILES.items():   # one sentence per line ending in \n, whatever else is inside
        lines = [line for line in (folder / name).read_text(encoding="utf-8").split("\n") if line.strip()]
        assert len(lines) == 1000
    assert all(t == t.strip() and "\t" not in t for t in data.texts)
    yelp = load_uci_folder(folder, ("yelp",))
    assert len(yelp) == 1000 and set(yelp.groups) == {"yelp"}


def test_a_folder_in_another_layout_is_refused(tmp_path):
    with pytest.raises(RNNLabError, match="UCI layout"):
        load_uci_folder(tmp_path)
    with pytest.raises(RNNLabError, match="line 2"):
        parse_uci_file("Fine.\t1\nno label here\n", "x.txt")
    with pytest.raises(RNNLabError, match="sources"):
        load_uci_folder(tmp_path, ("twitter",))




def uci_zip(folder) -> bytes:
    """An archive laid out as the UCI one: a folder, a readme, and macOS resource forks to ignore."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("sentiment labelled sentences/readme.txt", "About the data.")
        for name in UCI_FILES.values():
            z.writestr(f"sentiment labelled sentences/{name}", (folder / name).read_bytes())
            z.writestr(f"__MACOSX/sentiment labelled sentences/._{name}", b"\x00\x05\x16\x07junk")
    return buffer.getvalue()


def test_uci_is_downloaded_once_and_cached(http_server, tmp_path, monkeypatch, shared_data):
    root, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RNNLabError, match="not downloaded"):
        load_uci()
    (root / "uci.zip").write_bytes(uci_zip(shared_data / "sentiment-labelled-sentences"))
    folder = download_uci(f"{base}/uci.zip")
    assert folder == cached_uci() and folder.parent == tmp_path / "cache"
    data = load_uci()
    assert len(data) == 3000 and data.class_counts() == {"negative": 1500, "positive": 1500}
    (root / "uci.zip").unlink()   # the second call must not need the server
    assert download_uci(f"{base}/uci.zip") == folder and len(load_uci(("amazon", "imdb"))) == 2000


def test_offline_or_wrong_downloads_say_so_and_keep_nothing(http_server, tmp_path, monkeypatch):
    root, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RNNLabError, match="internet connection"):
        download_uci(f"{base}/missing.zip")
    with pytest.raises(RNNLabError, match="internet connection"):
        download_uci("http://127.0.0.1:9/unreachable.zip", timeout=2)
    (root / "page.zip").write_text("<html>not a zip</html>")
    with pytest.raises(RNNLabError, match="not the UCI zip"):
        download_uci(f"{base}/page.zip")
    assert cached_uci() is None


# --- CSV ---------------------------------------------------------------------------------------------------

def csv_bytes(rows, header="review,stars\n", encoding="utf-8"):
    return (header + "".join(rows)).encode(encoding)


GOOD_ROWS = [f"\"Great thing, number {i}\",positive\n" for i in range(6)] + \
            [f"Awful thing number {i},negative\n" for i in range(6)]


def test_csv_with_word_labels_and_guessed_columns():
    data = sentences_from_csv(csv_bytes(GOOD_ROWS), "reviews.csv")
    assert data.classes == ("negative", "positive") and len(data) == 12
    assert data.texts[0] == "Great thing, number 0" and data.labels[0] == 1


def test_csv_with_numeric_labels_semicolons_and_chosen_columns():
    rows = "id;label;text\n" + "".join(f"{i};{i % 3}{'.0' if i % 2 else ''};sentence number {i}\n" for i in range(12))
    data = sentences_from_csv(rows.encode(), "x.csv", text_column="text", label_column="label")
    assert data.classes == ("0", "1", "2") and data.class_counts() == {"0": 4, "1": 4, "2": 4}
    assert data.texts[5] == "sentence number 5" and data.labels[5] == 2


def test_csv_empty_rows_are_dropped_and_counted():
    data = sentences_from_csv(csv_bytes(GOOD_ROWS + ["   ,positive\n", "no label,\n", ",\n"]), "x.csv")
    assert len(data) == 12 and any("3 row(s)" in note for note in data.notes)


def test_csv_in_a_legacy_encoding_is_read_and_reported():
    rows = [f"Café numéro {i} – “superb”,1\n" for i in range(6)] + [f"Dreadful crème {i},0\n" for i in range(6)]
    data = sentences_from_csv(csv_bytes(rows, encoding="cp1252"), "old.csv")
    assert data.texts[0] == "Café numéro 0 – “superb”" and any("windows-1252" in n for n in data.notes)


@pytest.mark.parametrize("content, kwargs, message", [
    (csv_bytes([f"{i},{i % 2}\n" for i in range(12)], "a,b\n"), {}, "no column of text"),
    (csv_bytes([f"sentence {i},good\n" for i in range(12)]), {}, "only one class"),
    (csv_bytes(GOOD_ROWS), {"text_column": "comment"}, "not one of the columns"),
    (csv_bytes(GOOD_ROWS), {"text_column": "review", "label_column": "review"}, "two different columns"),
    (csv_bytes(GOOD_ROWS), {"text_column": "stars", "label_column": "review"}, "too many|holds numbers|different values"),
    (csv_bytes([f"sentence {i},{i}\n" for i in range(40)]), {}, "different values"),
    (csv_bytes(["one,positive\n", "two,negative\n"]), {}, "Too few examples"),
    (b"just one column\nhello\n", {}, "two columns"),
    (b"", {}, "empty"),
    (bytes(range(256)) * 40, {}, "binary"),
])
def test_bad_csv_files_get_a_clear_message(content, kwargs, message):
    with pytest.raises(RNNLabError, match=message):
        sentences_from_csv(content, "bad.csv", **kwargs)


def test_huge_csv_files_are_refused_or_cut(monkeypatch):
    monkeypatch.setattr(sentiment_data, "MAX_CSV_BYTES", 200)
    with pytest.raises(RNNLabError, match="limit"):
        sentences_from_csv(csv_bytes(GOOD_ROWS * 10), "big.csv")
    monkeypatch.setattr(sentiment_data, "MAX_CSV_BYTES", 10**6)
    monkeypatch.setattr(sentiment_data, "MAX_ROWS", 20)
    data = sentences_from_csv(csv_bytes(GOOD_ROWS * 10), "long.csv")
    assert len(data) == 20 and any("first 20" in n for n in data.notes)
