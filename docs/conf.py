"""Sphinx configuration of the dxsim documentation (``make docs``).

Pages are MyST markdown (myst-nb, which also reads the notebooks); the reference is generated
by autosummary from the numpydoc docstrings of everything in ``dxsim.__all__``; the build runs
with ``-W`` (warnings are errors). The ``>>>`` examples of the pages are run by
``tests/test_docs.py``, not here.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pydantic

import dxsim

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

project = "dxsim"
author = "the dxsim authors"
copyright = "the dxsim authors"
release = dxsim.__version__
version = release

extensions = [
    "myst_nb",  # MyST markdown and notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",  # the tutorial's figure, drawn at build time
]

# .rst first: autosummary writes its generated pages with the first suffix it takes for reST.
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# -- MyST ---------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
# The pages link to headings GitHub-style (model.md#metrics-dxsimmetrics): make those anchors.
myst_heading_anchors = 4

# -- Notebooks: rendered as stored (no outputs), never executed here --------------------------
# They are executed by tests/test_notebooks.py. They live in notebooks/ at the root, outside
# this source directory, so they are copied into docs/notebooks/ (ignored by git) first.
nb_execution_mode = "off"
_NOTEBOOKS = DOCS / "notebooks"
_NOTEBOOKS.mkdir(exist_ok=True)
_sources = {p.name: p for p in (ROOT / "notebooks").glob("*.ipynb")}
for _stale in _NOTEBOOKS.glob("*.ipynb"):
    if _stale.name not in _sources:
        _stale.unlink()
for _name, _src in _sources.items():
    _dst = _NOTEBOOKS / _name
    if not _dst.exists() or _dst.read_bytes() != _src.read_bytes():
        shutil.copyfile(_src, _dst)

# -- Reference: autosummary + numpydoc --------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # document exactly what dxsim.__all__ exports
autodoc_typehints = "none"  # the numpydoc "Parameters" sections give the types
# The modules that dxsim exports (dx.finance, dx.plot): listed on the package page
# (_templates/autosummary/package.rst), which takes everything else from dxsim.__all__ itself.
autosummary_context = {
    "exported_modules": [n for n in dxsim.__all__ if inspect.ismodule(getattr(dxsim, n))],
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # numpydoc's style checks: off
# Type names in docstrings ("xarray.Dataset", "array-like") are prose here: no intersphinx
# (the build must not need the network), so do not turn them into cross-references.
numpydoc_xref_param_type = False
nitpicky = False

# -- Figures: the tutorial's {plot} blocks run after this code (the tutorial's earlier steps) ---
plot_pre_code = "import dxsim as dx\nds = dx.simulate('small', replications=2, seed=1)\n"
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"dxsim {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars: dict[str, list[str]] = {"index": []}


# -- The command line: `dxsim --help` and each subcommand's, put into reference/cli.md ---------
_CLI_MARKER = "<!-- dxsim-cli-help -->"


def _help(argv: list[str]) -> str:
    from dxsim.cli import main

    out = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*argv, "--help"])
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return out.getvalue().rstrip()


def _cli_markdown() -> str:
    top = _help([])
    match = re.search(r"\{([\w,-]+)\}", top)
    if match is None:
        raise RuntimeError(f"docs/conf.py: no subcommands found in `dxsim --help`:\n{top}")
    commands = match.group(1).split(",")
    parts = ["```text", top, "```", ""]
    for command in commands:
        parts += [f"## `dxsim {command}`", "", "```text", _help([command]), "```", ""]
    return "\n".join(parts)


_GLOSSARY_MARKER = "<!-- dxsim-glossary-tables -->"


def _glossary_markdown() -> str:
    """The glossary's tables of output names, from the tables the code itself uses (one copy)."""
    from dxsim.analysis.additionality import ADDITIONALITY
    from dxsim.analysis.appraisal import APPRAISAL
    from dxsim.analysis.metrics import METRICS
    from dxsim.analysis.payback import PAYBACK_STATISTICS
    from dxsim.results.schema import DECISION_VARIABLES, VARIABLES

    def table(title: str, rows: dict[str, tuple[str, str]]) -> list[str]:
        out = [f"## {title}", "", "| name | units | meaning |", "|---|---|---|"]
        out += [f"| `{name}` | {units} | {meaning.replace('|', '/')} |" for name, (units, meaning) in rows.items()]
        return [*out, ""]

    parts = table("Dataset variables", {n: (u, m) for n, (_, u, m) in VARIABLES.items()})
    parts += table(
        "Decision record (`decisions=True`, read by `dx.explain`)",
        {n: (u, m) for n, (_, u, m) in DECISION_VARIABLES.items()},
    )
    parts += table("Metrics (`dx.summarize`, `dx.headline`, `dx.compare`)", METRICS)
    parts += table("Additionality (`dx.additionality`)", ADDITIONALITY)
    parts += table("Appraisal against the counterfactual (`dx.appraisal`)", APPRAISAL)
    parts += table("Paybacks of the three parties (`dx.payback`, columns)", PAYBACK_STATISTICS)
    return "\n".join(parts)


def _source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname == "reference/cli" and _CLI_MARKER in source[0]:
        source[0] = source[0].replace(_CLI_MARKER, _cli_markdown())
    if docname == "glossary" and _GLOSSARY_MARKER in source[0]:
        source[0] = source[0].replace(_GLOSSARY_MARKER, _glossary_markdown())


def _signature(
    app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, return_annotation: str | None
) -> tuple[str, str | None] | None:
    """A pydantic model's signature lists its fields, without the reprs of their defaults."""
    if what == "class" and isinstance(obj, type) and issubclass(obj, pydantic.BaseModel):
        return "(*, " + ", ".join(obj.model_fields) + ")", return_annotation
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", _source_read)
    app.connect("autodoc-process-signature", _signature)
    return {"parallel_read_safe": True}
