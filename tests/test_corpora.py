"""Built-in corpora, uploads in any encoding, and public texts downloaded from a local HTTP server."""


import pytest

from rnn_core.data import corpora
from rnn_core.data.corpora import BUILT_IN, decode_bytes, load_builtin, load_public_text, strip_gutenberg, unwrap_prose
from rnn_core.errors import RNNLabError


@pytest.mark.parametrize("key", list(BUILT_IN))
def test_built_in_corpora_are_real_texts(key):
    text = load_builtin(key)
    assert len(text) > 100_000
    assert 50 < len(set(text)) < 300
    words = text.split()
    assert sum(w.isalpha() for w in words) > 0.3 * len(words)


def test_utf8_and_bom_and_utf16_are_read():
    assert decode_bytes("naïve café".encode()) == ("naïve café", "utf-8")
    assert decode_bytes(b"\xef\xbb\xbfhello")[0] == "hello"
    assert decode_bytes("hello wörld".encode("utf-16")) == ("hello wörld", "utf-16")


def test_legacy_encodings_are_read_and_reported():
    text, encoding = decode_bytes("café – “quoted”".encode("cp1252"))
    assert text == "café – “quoted”" and encoding == "windows-1252"


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"   \n\t ", "empty"), (bytes(range(256)) * 10, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")])
def test_bad_uploads_are_refused_with_a_message(data, message):
    with pytest.raises(RNNLabError, match=message):
        decode_bytes(data)


def test_oversized_upload_is_refused():
    with pytest.raises(RNNLabError, match="limit"):
        decode_bytes(b"a" * 2000, max_bytes=1000)


def test_gutenberg_header_and_footer_are_stripped():
    raw = "licence\n*** START OF THE PROJECT GUTENBERG EBOOK 2600 ***\nWell, Prince\n*** END OF THE PROJECT ***\nmore"
    assert strip_gutenberg(raw) == "Well, Prince\n"


def test_a_hard_wrapped_book_is_read_one_paragraph_per_line():
    wrapped = "\ufeffIt was in July, 1805, and the\nspeaker was Anna Pavlovna.\n\n\n  \"Well, Prince,\n so Genoa\"\n"
    assert unwrap_prose(wrapped.lstrip("\ufeff")) == ("It was in July, 1805, and the speaker was Anna Pavlovna.\n"
                                                     "\"Well, Prince, so Genoa\"\n")




def test_public_text_is_downloaded_stripped_and_cached(http_server, tmp_path, monkeypatch):
    root, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    book = "Header\n*** START OF THE PROJECT GUTENBERG EBOOK ***\n“Well, Prince, so Genoa\nand Lucca...”\n*** END OF IT\n"
    (root / "pg2600.txt").write_text(book, encoding="utf-8")
    text = load_public_text("war-and-peace", url=f"{base}/pg2600.txt")
    assert text == "“Well, Prince, so Genoa and Lucca...”\n"
    (root / "pg2600.txt").unlink()   # the second call must not need the server
    assert load_public_text("war-and-peace", url=f"{base}/pg2600.txt") == text
    cached = corpora.cached_public_text("war-and-peace")
    assert cached.read_text(encoding="utf-8") == "“Well, Prince, so Genoa\nand Lucca...”\n"   # kept as downloaded


def test_real_tiny_shakespeare_through_the_downloader(http_server, tmp_path, monkeypatch, shared_data):
    root, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    (root / "input.txt").write_bytes((shared_data / "tinyshakespeare.txt").read_bytes())
    text = load_public_text("tinyshakespeare", url=f"{base}/input.txt")
    assert len(text) == 1_115_394 and len(set(text)) == 65


def test_offline_download_says_so(tmp_path, monkeypatch, http_server):
    _, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RNNLabError, match="internet connection"):
        load_public_text("tinyshakespeare", url=f"{base}/missing.txt")
    with pytest.raises(RNNLabError, match="internet connection"):
        load_public_text("tinyshakespeare", url="http://127.0.0.1:9/unreachable.txt", timeout=2)
