"""The layering rules of STYLE.md, checked on the source: pages/ui → core → db/providers/queue."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_FORBIDDEN = {
    "openai",
    "elevenlabs",
    "stripe",
    "googleapiclient",
    "sqlalchemy",
    "rq",
    "redis",
    "moviepy",
    "ffmpeg",
    "subprocess",
    "db",
}
MAX_JOB_FUNCTION_LINES = 40


def imported_roots(source: str) -> set[str]:
    """Top-level names of every module the source imports (also via importlib/__import__)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                roots.add(first.value.split(".")[0])
    return roots


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def python_files(*parts: str) -> Iterator[Path]:
    for part in parts:
        path = ROOT / part
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


def ui_files() -> list[Path]:
    return list(python_files("Home.py", "pages", "ui"))


def test_the_checker_sees_every_kind_of_import() -> None:
    source = (
        "import os, sqlalchemy.orm\nfrom rq import Queue\nfrom . import sibling\n"
        "import importlib\nimportlib.import_module('redis.client')\n__import__('stripe')\n"
    )
    assert imported_roots(source) == {"os", "sqlalchemy", "rq", "importlib", "redis", "stripe"}


def test_home_page_exists() -> None:
    assert (ROOT / "Home.py").is_file(), "Home.py (the Streamlit entry file) is missing"


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_code_does_not_import_vendor_sdks_db_or_queue(path: Path) -> None:
    bad = imported_roots(path.read_text()) & UI_FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: go through core/ instead"


@pytest.mark.parametrize(
    "path", list(python_files("core", "jobs", "db")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_service_layer_does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in imported_roots(path.read_text()), path.relative_to(ROOT)


def test_job_functions_are_short() -> None:
    files = list(python_files("jobs"))
    assert files, "jobs/ has no Python files"
    too_long = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                if length > MAX_JOB_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.name} ({length} lines)")
    assert not too_long, f"job functions over {MAX_JOB_FUNCTION_LINES} lines: {too_long}"
