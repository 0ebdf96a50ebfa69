"""Exported scripts: a standalone Python script, and a command line, that reproduce a run seen in the app.

:func:`export_script` writes a script that calls an ``rnn_core`` function with the run's settings and seed, so a
run can be reproduced (and changed) outside the app; :func:`command_line` writes the equivalent
``python -m rnn_core ...`` line; :func:`settings_link` the full link to a page with its settings. Each subject
writes its own script with these (``rnn_core/<subject>/script.py``).
"""

from __future__ import annotations

import ast
import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlencode


def settings_link(base_url: str, query: Mapping[str, str]) -> str:
    """The full link to a page with ``query``."""
    return f"{base_url.split('?')[0]}?{urlencode(dict(query))}" if query else base_url


@dataclass(frozen=True)
class Code:
    """A Python expression written into a script as it is, with the imports it needs."""

    expression: str
    imports: tuple = ()
    name: str | None = None       # bound to this variable before the call, when given


def literal(value, imports: set) -> str:
    """``value`` as Python source; the imports it needs are added to ``imports``."""
    if isinstance(value, Code):
        imports.update(value.imports)
        return value.expression
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        imports.add(f"from {cls.__module__} import {cls.__name__}")
        fields = ", ".join(f"{f.name}={literal(getattr(value, f.name), imports)}"
                           for f in dataclasses.fields(value) if f.init)
        return f"{cls.__name__}({fields})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        items = [literal(v, imports) for v in value]
        return f"[{', '.join(items)}]" if isinstance(value, list) else f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k, imports)}: {literal(v, imports)}" for k, v in value.items()) + "}"
    text = repr(value)
    if ast.literal_eval(text) != value:
        raise TypeError(f"cannot write {type(value).__name__} into a script")
    return text


def export_script(function: Callable, *args, title: str, seed: int | None = None, command: str | None = None,
                  report: str = "print(result)", notes: str = "", file_name: str = "rnn_lab_run.py",
                  **kwargs) -> str:
    """A standalone script that runs ``function(*args, **kwargs)`` with ``rnn_core`` and reports the result.

    Arguments may be literals, dataclass instances (written as their constructor) or :class:`Code`
    expressions (a text loader, say). ``report`` is the code run afterwards, with the call's value in
    ``result``. ``command`` is the equivalent ``python -m rnn_core ...`` line, when there is one.
    """
    imports = {"import json", "import sys", f"from {function.__module__} import {function.__name__}"}
    setup, call_args = [], []
    for a in args:
        if dataclasses.is_dataclass(a) and not isinstance(a, (type, Code)):
            taken = sum(1 for line in setup if line.startswith("settings"))
            name = "settings" if not taken else f"settings_{taken + 1}"
            cls = type(a)
            imports.add(f"from {cls.__module__} import {cls.__name__}")
            fields = [f"    {f.name}={literal(getattr(a, f.name), imports)}," for f in dataclasses.fields(a) if f.init]
            setup.append("\n".join([f"{name} = {cls.__name__}(", *fields, ")"]))
            call_args.append(name)
        elif isinstance(a, Code) and a.name:
            setup.append(f"{a.name} = {literal(a, imports)}")
            call_args.append(a.name)
        else:
            call_args.append(literal(a, imports))
    call_args += [f"{k}={literal(v, imports)}" for k, v in kwargs.items()]
    doc = [title, "", "Exported from RNN Lab."]
    if seed is not None:
        doc.append(f"Seed {seed}: the same seed and settings give the same run again.")
    if notes:
        doc += ["", notes]
    doc += ["", "Run it from the RNN Lab folder (the one that holds rnn_core/):", f"    python {file_name}"]
    if command:
        doc += ["", "The same run from the command line:", f"    {command}"]
    stdlib = sorted(i for i in imports if not i.startswith("from rnn_core"))
    ours = sorted(i for i in imports if i.startswith("from rnn_core"))
    body = "\n".join([
        "#!/usr/bin/env python3",
        '"""' + "\n".join(doc).replace('"""', "'''").replace("\\", "\\\\") + '\n"""',
        "",
        *stdlib,
        "",
        "try:",
        "    import rnn_core  # noqa: F401",
        "except ImportError:",
        "    sys.exit(\"This script needs RNN Lab's rnn_core package: run it from the RNN Lab folder, \"",
        "             \"or add that folder to PYTHONPATH.\")",
        "",
        *ours,
        "from rnn_core.runs.jobs import configure_torch_threads",
        "",
        "configure_torch_threads()",
        *setup,
        f"result = {function.__name__}(" + ", ".join(call_args) + ")",
        report,
        "",
    ])
    compile(body, "<export>", "exec")   # a bug here must never reach a learner's download
    json_unused = "json." not in body
    if json_unused:
        body = body.replace("import json\n", "", 1)
    return body


def command_line(command: str, options: Mapping[str, Any]) -> str:
    """``python -m rnn_core COMMAND --opt value ...``; ``True`` makes a flag, ``None`` and ``False`` are left out."""
    parts = ["python -m rnn_core", command]
    for option, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + option.replace("_", "-")
        if value is True:
            parts.append(flag)
        else:
            text = str(value)
            parts += [flag, text if text and all(c.isalnum() or c in "-_.,/:" for c in text) else repr(text)]
    return " ".join(parts)
