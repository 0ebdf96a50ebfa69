"""Where texts come from: built-in corpora, pasted or uploaded text, and famous public texts.

The built-in corpora are read from the Python standard library, so they exist on every machine where
Python runs and need no network. Public texts are downloaded on request from their original sources and
cached on disk; offline, :func:`load_public_text` says so plainly.
"""

from __future__ import annotations

import ast
import os
import re
import sysconfig
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rnn_core.errors import RNNLabError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 6_000_000


@dataclass(frozen=True)
class Corpus:
    key: str
    title: str
    description: str


BUILT_IN = {
    "python-docs": Corpus("python-docs", "Python documentation",
                          "English prose: the Python language reference topics that ship with every Python "
                          "(pydoc_data), about 460,000 characters."),
    "python-docstrings": Corpus("python-docstrings", "Python docstrings",
                                "Short English explanations: the docstrings of fifty standard-library modules, about 300,000 characters."),
    "python-source": Corpus("python-source", "Python source code",
                            "Code with strict structure (indentation, brackets, keywords): fifty standard-library "
                            "modules, about 1.7 million characters."),
}

# Pure-Python standard-library modules present in every CPython 3.9+ install.
_STDLIB_MODULES = (
    "abc", "argparse", "base64", "bisect", "calendar", "cmd", "codecs", "colorsys", "configparser",
    "contextlib", "copy", "csv", "dataclasses", "difflib", "enum", "fnmatch", "fractions", "functools",
    "getopt", "gettext", "glob", "heapq", "hmac", "imaplib", "inspect", "ipaddress", "keyword", "locale",
    "mailbox", "netrc", "numbers", "operator", "optparse", "pathlib", "pprint", "queue", "random", "sched",
    "secrets", "shlex", "shutil", "statistics", "string", "textwrap", "threading", "timeit", "tokenize",
    "uuid", "warnings", "weakref", "zipfile",
)


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [root / f"{name}.py" for name in _STDLIB_MODULES]
    files += [root / name / "__init__.py" for name in _STDLIB_MODULES]
    return [f for f in files if f.is_file()]


@lru_cache(maxsize=None)
def load_builtin(key: str) -> str:
    """The text of a built-in corpus (read-only, cached for the process)."""
    if key == "python-docs":
        from pydoc_data.topics import topics
        return "\n\n".join(topics[name].strip() for name in sorted(topics)) + "\n"
    if key == "python-source":
        return "\n\n".join(f.read_text(encoding="utf-8") for f in _stdlib_files())
    if key == "python-docstrings":
        parts = []
        for f in _stdlib_files():
            tree = ast.parse(f.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc and len(doc) > 40:
                        parts.append(doc.strip())
        return "\n\n".join(parts) + "\n"
    raise RNNLabError(f"Unknown built-in corpus {key!r}; choose one of {', '.join(BUILT_IN)}.")


# --- pasted and uploaded text ------------------------------------------------------------------------

def check_text(text: str, what: str = "The text") -> str:
    """Refuse texts that cannot be trained on: empty, whitespace only, or beyond the size limit."""
    if text is None or not text.strip():
        raise RNNLabError(f"{what} is empty (or only whitespace): there is nothing to learn from.")
    if len(text) > MAX_TEXT_CHARS:
        raise RNNLabError(f"{what} has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
                          "Use a shorter excerpt.")
    return text


def decode_bytes(data: bytes, name: str = "the file", max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[str, str]:
    """Decode an uploaded text file; returns ``(text, encoding)``.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as such; other
    bytes are tried as Windows-1252, the commonest legacy encoding, and the encoding is reported so that
    the page can say what it assumed. Binary files are refused.
    """
    if len(data) > max_bytes:
        raise RNNLabError(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    if not data.strip():
        raise RNNLabError(f"{name} is empty: there is nothing to learn from.")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise RNNLabError(f"{name} starts like {encoding} text but is not valid {encoding}.") from exc
    head = data[:65536]
    controls = sum(b < 32 and b not in (9, 10, 12, 13) for b in head)
    if b"\x00" in head or controls > 0.01 * len(head):
        raise RNNLabError(f"{name} looks like a binary file, not text. Upload a plain .txt file.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


# --- famous public texts, downloaded on request --------------------------------------------------------

@dataclass(frozen=True)
class PublicText:
    key: str
    title: str
    url: str
    description: str
    hard_wrapped: bool = False   # lines broken at a fixed width inside paragraphs: join them (see unwrap_prose)


PUBLIC_TEXTS = {
    "war-and-peace": PublicText(
        "war-and-peace", "War and Peace (Tolstoy)", "https://www.gutenberg.org/cache/epub/2600/pg2600.txt",
        "Project Gutenberg eBook #2600, English translation, about 3.2 million characters.", hard_wrapped=True),
    "tinyshakespeare": PublicText(
        "tinyshakespeare", "Tiny Shakespeare",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "40,000 lines of Shakespeare, the classic character-level benchmark (char-rnn), 1.1 million characters."),
}


def cache_dir() -> Path:
    return Path(os.environ.get("RNN_LAB_CACHE", Path.home() / ".cache" / "rnn-lab"))


def strip_gutenberg(text: str) -> str:
    """Drop Project Gutenberg's licence header and footer, keeping the book itself."""
    start = text.find("*** START OF")
    if start != -1:
        text = text[text.find("\n", start) + 1:]
    end = text.find("*** END OF")
    if end != -1:
        text = text[:end]
    return text.strip() + "\n"


def unwrap_prose(text: str) -> str:
    """One line per paragraph: a book wrapped at 70 columns breaks lines where the printer ran out of room, and a
    word-level model would spend a twelfth of its predictions guessing where (and "Emperor of" would be
    followed by a line break). Blank lines separate paragraphs; the spaces inside one are collapsed."""
    paragraphs = (" ".join(block.split()) for block in re.split(r"\n\s*\n", text))
    return "\n".join(p for p in paragraphs if p) + "\n"


def cached_public_text(key: str) -> Path | None:
    path = cache_dir() / f"{key}.txt"
    return path if path.is_file() else None


def load_public_text(key: str, url: str | None = None, timeout: float = 20.0) -> str:
    """A famous public text: from the disk cache, else downloaded from its source (or ``url``) and cached."""
    if key not in PUBLIC_TEXTS:
        raise RNNLabError(f"Unknown public text {key!r}; choose one of {', '.join(PUBLIC_TEXTS)}.")
    cached = cached_public_text(key)
    if cached is not None:
        return _as_read(key, cached.read_text(encoding="utf-8"))
    source = url or PUBLIC_TEXTS[key].url
    try:
        with urllib.request.urlopen(source, timeout=timeout) as response:
            data = response.read(MAX_TEXT_CHARS * 2)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RNNLabError(
            f"Could not download {PUBLIC_TEXTS[key].title} ({reason}). This needs an internet connection; "
            "the built-in corpora work offline.") from exc
    text, _ = decode_bytes(data, PUBLIC_TEXTS[key].title, max_bytes=MAX_TEXT_CHARS * 2)
    if "*** START OF" in text:
        text = strip_gutenberg(text)
    path = cache_dir() / f"{key}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return _as_read(key, text)


def _as_read(key: str, text: str) -> str:
    """The text as models read it: the cache keeps what was downloaded, a hard-wrapped book is unwrapped."""
    return unwrap_prose(text.lstrip("\ufeff")) if PUBLIC_TEXTS[key].hard_wrapped else text


def text_statistics(text: str) -> dict:
    """What the page shows about a text before training: its size in characters, symbols, words and lines."""
    return {"characters": len(text), "distinct symbols": len(set(text)), "words": len(text.split()),
            "lines": text.count("\n") + 1}
