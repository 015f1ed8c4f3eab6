"""The layering rules of STYLE.md, checked on the source: app_pages/ui → core → db/queue."""

from __future__ import annotations

import ast
import re
import sys
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
    return list(python_files("Home.py", "app_pages", "ui"))


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


# --- the feature packages -----------------------------------------------------------------

CROSS_CUTTING = {"__init__", "access", "bootstrap", "errors", "settings", "uow", "validation"}
# package → module prefixes it must never import (the db-free engine and adapters, the rule)
PACKAGE_RULES: dict[str, tuple[str, ...]] = {
    "core/render": ("db", "core.uow", "core.access", "core.accounts", "core.bootstrap",
                    "core.scripts", "core.tasks", "core.video", "core.workspaces"),
    "core/providers": ("db", "core.uow", "core.access", "core.accounts", "core.bootstrap",
                       "core.media", "core.tasks", "core.video", "core.workspaces"),
    "core/access.py": ("core.accounts", "core.media", "core.scripts", "core.tasks",
                       "core.video", "core.workspaces", "core.providers", "core.bootstrap"),
    "core": ("jobs", "app_pages", "ui"),
    "db": ("core", "jobs", "app_pages", "ui"),
}  # fmt: skip
# A user id compared with an object's owner, anywhere but in core/access.py.
OWNER_COMPARISON = re.compile(r"\buser_id\s*[!=]=|[!=]=\s*[\w.]*\buser_id\b")


def imported_modules(source: str) -> set[str]:
    """Full dotted names of what the source imports (`from a.b import c` → a.b and a.b.c)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_core_keeps_only_its_cross_cutting_modules_at_the_top() -> None:
    top = {path.stem for path in (ROOT / "core").glob("*.py")}
    assert top <= CROSS_CUTTING and len(top) <= 8, sorted(top - CROSS_CUTTING)


@pytest.mark.parametrize("rule", sorted(PACKAGE_RULES))
def test_packages_import_only_what_their_layer_allows(rule: str) -> None:
    banned = PACKAGE_RULES[rule]
    broken = []
    for path in python_files(rule):
        for name in imported_modules(path.read_text()):
            if any(name == b or name.startswith(f"{b}.") for b in banned):
                broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not broken, broken


def test_only_the_access_module_compares_a_user_with_an_owner() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files("core", "jobs", "app_pages", "ui")
        if path != ROOT / "core" / "access.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if OWNER_COMPARISON.search(line)
    ]
    assert not found, "ask core/access.py instead:\n" + "\n".join(found)


def test_the_owner_check_sees_a_comparison() -> None:
    """The grep above can fail: it sees the comparisons the access rule replaced."""
    for line in ["if row.user_id != user_id:", "where(Idea.user_id == user_id)", "a == user_id"]:
        assert OWNER_COMPARISON.search(line), line
    assert not OWNER_COMPARISON.search("Idea(user_id=user_id, title=title)")


def test_every_public_function_is_used_outside_the_tests() -> None:
    """Production code that only tests call is either wired in where a user needs it, or
    removed (functions of modules, not methods: protocols and classes are read as a whole)."""
    app = list(
        python_files("core", "jobs", "db", "ui", "app_pages", "Home.py", "studio.py", "bench")
    )
    defined: dict[str, Path] = {}
    used: set[str] = set()
    for path in app:
        tree = ast.parse(path.read_text())
        if "migrations" not in path.parts:
            for node in tree.body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    defined[node.name] = path
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value.rsplit(".", 1)[-1])  # dotted paths: RQ's job function
            elif isinstance(node, ast.ImportFrom):
                used |= {alias.name for alias in node.names if path != defined.get(alias.name)}
    unused = sorted(f"{defined[n].relative_to(ROOT)}:{n}" for n in set(defined) - used)
    assert not unused, f"called by tests only (wire them in or remove them): {unused}"


# --- dependencies say what we use ---------------------------------------------------------

REQUIREMENTS = ("requirements.txt", "requirements-dev.txt", "bench/requirements.txt")
LOCAL = {"core", "jobs", "db", "ui", "app_pages", "bench", "tests", "studio", "Home"}


def pinned() -> dict[str, str]:
    """Each pinned distribution (normalised name) → its line's comment ("" when none)."""
    found = {}
    for name in REQUIREMENTS:
        for line in (ROOT / name).read_text().splitlines():
            spec, _, comment = line.partition("#")
            spec = spec.strip()
            if spec and not spec.startswith("-"):
                dist = re.split(r"[\[=<>~!; ]", spec, maxsplit=1)[0]
                found[_normal(dist)] = comment.strip()
    return found


def used_distributions() -> tuple[set[str], set[str], set[str]]:
    """(distributions our code imports, distributions whose modules it names in a string,
    imported top-level modules no installed distribution provides)."""
    from importlib.metadata import packages_distributions

    owners = packages_distributions()
    imported: set[str] = set()
    strings: set[str] = set()
    for path in python_files(".", "core", "jobs", "db", "ui", "app_pages", "bench", "tests"):
        if ".venv" in path.parts:
            continue
        source = path.read_text()
        imported |= imported_roots(source)
        strings |= {
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    third_party = imported - set(sys.stdlib_module_names) - LOCAL
    dists = {_normal(d) for module in third_party for d in owners.get(module, [])}
    # Packages used by name: font wheels found by module, `python -m rq_dashboard`.
    named = {_normal(d) for module in strings & set(owners) for d in owners[module]}
    return dists, named, {m for m in third_party if m not in owners}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_nothing_is_pinned_that_nothing_imports() -> None:
    """A pin is imported by our code, or its line says why it is there."""
    dists, named, absent = used_distributions()
    used = dists | named | {_normal(m) for m in absent}  # absent: the bench's own, not installed
    idle = sorted(d for d, why in pinned().items() if d not in used and not why)
    assert not idle, f"pinned, never imported, and no comment says why: {idle}"


def test_everything_we_import_is_pinned() -> None:
    dists, _, unknown = used_distributions()
    missing = sorted(dists - set(pinned()))
    assert not missing, (
        f"imported but not pinned (a dependency's dependency is no promise): {missing}"
    )
    assert unknown <= {"moviepy"}, f"imported but not installed: {sorted(unknown)}"
