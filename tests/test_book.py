"""The War and Peace lesson's core: counting what the book says, unknown names, the chain rule, the sentences."""

import json
import math

import pandas as pd
import pytest
import torch

from rnn_core.data.text import Tokenizer, join_tokens
from rnn_core.errors import RNNLabError
from rnn_core.language_model import book
from rnn_core.language_model import book_figures as figs
from rnn_core.language_model.generation import Stepper
from rnn_core.language_model.model import LanguageModel, ModelConfig

TEXT = ("The Emperor of Austria rode past. Napoleon was the Emperor of the French, he said.\n"
        "The son of the count looked at the Emperor of Russia.\nPrince Andrew looked up at the sky.\n") * 3


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    tokenizer = Tokenizer.build(TEXT, "word")
    model = LanguageModel(ModelConfig(vocab_size=len(tokenizer), cell="lstm", hidden_size=16, embedding_dim=8))
    return model.eval(), tokenizer


def test_what_follows_counts_each_continuation_of_a_word_sequence():
    tokens = "a b c a b d a b c x".split()
    assert book.what_follows(tokens, ("a", "b")) == {"c": 2, "d": 1}
    assert book.count_phrase(tokens, ("a", "b")) == 3 and book.count_phrase(tokens, ("b", "c", "a")) == 1


def test_book_facts_count_the_text_as_the_model_reads_it():
    facts = book.book_facts(TEXT)
    every = 3 * 41                                    # three copies of 41 tokens; the model trains on the first 90 %
    assert facts["words"] == every and facts["train_tokens"] == int(every * 0.9) == 110
    # the third copy's "Emperor of Russia" (tokens 109-111) ends in the last 10 %: validation, not counted
    assert facts["follows"] == {"Austria": 3, "the": 3, "Russia": 2} and facts["context_count"] == 8
    assert facts["emperor_of_the_french"] == 3 and facts["prompt_count"] == 3
    assert facts["after_of"]["the"] == 6 and facts["of_count"] == 11


def test_unknown_names_get_exactly_the_same_prediction(small):
    model, tokenizer = small
    rows, gap = book.unknown_names(model, tokenizer, ("Napoleon", "Gorbachev", "Cleopatra"))
    assert [r.known for r in rows] == [True, False, False] and rows[1].read_as == "<unk>"
    assert gap == 0.0 and rows[1].top == rows[2].top
    assert rows[0].top != rows[1].top          # a known name is another input
    assert all(w not in ("<unk>", "<pad>", "<eos>") for r in rows for w, _ in r.top)


def test_the_chain_rule_multiplies_each_words_probability_given_the_words_before(small):
    model, tokenizer = small
    steps = book.chain_rule(model, tokenizer, "Prince Andrew looked up at the sky.")
    assert [s.word for s in steps] == ["Prince", "Andrew", "looked", "up", "at", "the", "sky", "."]
    assert steps[-1].running == pytest.approx(math.prod(s.probability for s in steps), rel=1e-5)
    assert all(a.running >= b.running for a, b in zip(steps, steps[1:]))
    # each factor is the model's next-word probability after the start of a paragraph and the words before
    for t in (0, 3, 7):
        prefix = join_tokens([s.word for s in steps[:t]], "word")
        logits = Stepper.start(model, tokenizer, "\n" + prefix).logits
        p = torch.softmax(logits.float(), -1)[tokenizer.id_of(steps[t].word)]
        assert steps[t].probability == pytest.approx(float(p), rel=1e-4)
    assert book.perplexity(steps) == pytest.approx(steps[-1].running ** (-1 / len(steps)), rel=1e-5)


def test_the_chain_rule_refuses_an_empty_or_huge_sentence_and_flags_unknown_words(small):
    model, tokenizer = small
    with pytest.raises(RNNLabError, match="Type a sentence"):
        book.chain_rule(model, tokenizer, "   ")
    with pytest.raises(RNNLabError, match="at most"):
        book.chain_rule(model, tokenizer, "word " * 200)
    steps = book.chain_rule(model, tokenizer, "Pierre looked at the sky.")
    assert not steps[0].known and "Not in the vocabulary, so scored as <unk>: Pierre" in book.chain_sentence(steps)


def test_the_sentences_say_what_the_numbers_say(small):
    model, tokenizer = small
    facts = {"context": "Emperor of", "follows": {"Austria": 5, "Russia": 4, "France": 1}, "context_count": 10,
             "of_count": 14828, "after_of": {"the": 4012, "his": 796}, "emperor_of_the_french": 0,
             "prompt_count": 0, "words": 675363, "train_tokens": 607826}
    said = book.book_sentence(facts)
    assert "(the first 90 % of this English translation: 607,826 tokens" in said
    assert "occurs 10 times, followed by **Austria** 5 times, **Russia** 4 times, **France** once" in said
    assert "Neither Napoleon's own title" in said
    rows = [book.BookRow("Austria", 5, 0.5, 0.0012, 65), book.BookRow("Russia", 4, 0.4, 0.0011, 81),
            book.BookRow("France", 1, 0.1, 0.0004, 182)]
    said = book.model_sentence(rows, facts, [("the", 0.33), ("his", 0.08)])
    assert "likeliest next word is **the** (33%)" in said and "27% of the time (4,012 of 14,828)" in said
    assert "Austria 0.12% (rank 65)" in said and "too few" in said
    said = book.model_sentence([book.BookRow("Austria", 5, 0.5, 0.3, 1)], facts, [("Austria", 0.3)])
    assert "learnt what follows “Emperor of” as well" in said


def test_the_figures_draw_the_book_the_model_and_the_chain(small):
    facts = {"follows": {"Austria": 5, "Russia": 4}, "context_count": 9, "of_count": 100, "after_of": {"the": 30}}
    rows = [book.BookRow("Austria", 5, 5 / 9, 0.01, 20), book.BookRow("Russia", 4, 4 / 9, 0.02, 10)]
    fig = figs.book_model_figure(rows, facts, [("the", 0.4), ("his", 0.1)], {"the": 0.4, "Austria": 0.01})
    assert [t.name.split(",")[0] for t in fig.data] == ["the book", "the book", "the model"]
    assert list(fig.data[0].x) == ["the", "his", "Austria", "Russia"] and fig.data[1].y[0] == pytest.approx(0.3)
    steps = book.chain_rule(*small, "Prince Andrew looked up at the sky.")
    fig = figs.chain_figure(steps)
    assert fig.layout.yaxis.type == "log" and len(fig.data[0].x) == len(steps) and len(fig.data) == 2
    one = book.chain_rule(*small, "Prince")
    assert len(figs.chain_figure(one).data) == 1
    assert book.chain_sentence(one).split("**")[0].count(" = ") == 1       # no "0.036 = 0.036" for one word


def test_preset_sentence_reads_the_measured_ranges():
    rows = pd.DataFrame([{"preset": name, "seed": s, "steps": 400, "perplexity": base + s, "seconds": 10}
                         for name, base in (("quick", 80), ("better", 100)) for s in range(5)])
    said = book.preset_sentence(rows, {"steps": 3000, "best_step": 1580, "perplexity": 84.2},
                                {"unknown_share": {"2000": 0.116, "3000": 0.085}, "train_tokens": 607826})
    assert "**Better** keeps the ready-made model's 3,000 words and reaches a perplexity of 100–104 after 400 " \
           "steps (seeds 0–4), about 1.1 pass over the book" in said          # 400 x 32 x 50 / 607,826
    assert "reaches **84**" in said and "until step 1,580 (4 passes)" in said
    assert "Quick's 80–84 after 400 steps (seeds 0–4) is not comparable" in said
    assert "12% of its targets are the easy <unk> (against 8%)" in said


def test_facts_are_written_by_the_command(tmp_path):
    source = tmp_path / "book.txt"
    source.write_text("\ufeffThe Emperor of\nAustria.\n\nThe Emperor of Russia.\n", encoding="utf-8")
    book.main(["--text", str(source), "--out", str(tmp_path / "facts.json")])
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert facts["follows"] == {"Austria": 1, "Russia": 1}      # a line break inside a paragraph is a space
