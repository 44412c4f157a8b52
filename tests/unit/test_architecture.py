"""The layers import only downwards (see ARCHITECTURE.md), checked on the syntax tree.

Every import counts, including one inside a function or under ``TYPE_CHECKING``:
a lazy import of Qt from a service still ties the service to Qt.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import clinic_app

PACKAGE = Path(clinic_app.__file__).resolve().parent
ROOT = PACKAGE.parent

QT = ("PySide6", "shiboken6")
DATABASE = ("sqlalchemy", "alembic", "psycopg", "sqlite3")


@dataclass(frozen=True)
class Rule:
    applies_to: str  # a path relative to the package: a folder ("domain/") or a file
    forbidden: tuple[str, ...]  # module names; each also forbids its sub-modules
    why: str
    exempt: tuple[str, ...] = ()

    def covers(self, relative: str) -> bool:
        inside = relative.startswith(self.applies_to)
        return inside and not any(relative.startswith(e) for e in self.exempt)


RULES = (
    Rule(
        "domain/",
        (
            *QT,
            *DATABASE,
            "reportlab",
            "clinic_app.persistence",
            "clinic_app.services",
            "clinic_app.ui",
            "clinic_app.reports",
            "clinic_app.app",
            "clinic_app.cli",
            "clinic_app.demo",
            "socket",
            "subprocess",
            "shutil",
            "sqlite3",
            "platformdirs",
        ),
        "domain/ is pure Python: no Qt, no SQLAlchemy, no I/O, no upper layer",
    ),
    Rule(
        "",
        QT,
        "only clinic_app/ui/ and clinic_app/app.py may import Qt",
        exempt=("ui/", "app.py"),
    ),
    Rule(
        "ui/",
        ("clinic_app.persistence", "sqlalchemy"),
        "the UI reaches the database only through ui/ops.py and the services",
    ),
    Rule(
        "services/queries/",
        ("clinic_app.services.commands",),
        "queries never import commands: a read must not be able to write",
    ),
    Rule(
        "persistence/",
        ("clinic_app.services", "clinic_app.ui", "clinic_app.cli", "clinic_app.demo"),
        "persistence/ sits below services: it never imports them",
    ),
    Rule(
        "cli/",
        ("sqlalchemy", "clinic_app.persistence.models"),
        "the CLI goes through services: no SQL or ORM models of its own",
    ),
    Rule(
        "services/",
        (*QT, "clinic_app.ui", "clinic_app.cli", "clinic_app.demo", "clinic_app.app"),
        "services/ never reaches up to the UI, the CLI or the demo builder",
    ),
    Rule(
        "reports/",
        (*QT, *DATABASE, "clinic_app.persistence", "clinic_app.ui"),
        "reports/ turns data into PDF bytes: no database, no Qt",
    ),
)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import statement anywhere in the tree."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                parts = module.split(".")
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from clinic_app import ui` imports clinic_app.ui
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _matches(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


def violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        is_package = path.name == "__init__.py"
        if is_package:
            module = module.removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_modules(tree, module, is_package):
            for rule in RULES:
                if rule.covers(relative) and any(_matches(name, f) for f in rule.forbidden):
                    problems.append(f"clinic_app/{relative}:{line} imports {name} ({rule.why})")
    return sorted(set(problems))


def test_the_walk_sees_the_package() -> None:
    files = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert "domain/__init__.py" in files
    assert "persistence/engine.py" in files


def test_every_import_respects_the_layers() -> None:
    problems = violations()
    assert not problems, "imports that break the layering:\n" + "\n".join(problems)


def test_the_rules_catch_a_wrong_import() -> None:
    tree = ast.parse(
        "from PySide6.QtWidgets import QWidget\n"
        "def later():\n    import sqlalchemy.orm\n"
        "from ..persistence import models\n"
    )
    names = [name for _, name in imported_modules(tree, "clinic_app.domain.rules", False)]
    assert "PySide6.QtWidgets" in names
    assert "sqlalchemy.orm" in names
    assert "clinic_app.persistence.models" in names


def test_importing_the_domain_loads_neither_qt_nor_sqlalchemy() -> None:
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import clinic_app.domain as domain\n"
        "names = [m.name for m in pkgutil.walk_packages(domain.__path__, 'clinic_app.domain.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'sqlalchemy'})\n"
        "print(json.dumps({'modules': names, 'loaded': loaded}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["modules"], "no domain modules were found to import"
    assert report["loaded"] == [], (
        f"importing clinic_app.domain loaded {report['loaded']}: follow the imports of "
        f"{report['modules']}"
    )


#: Table models that are not lists of records: the calendar's slot grid has a column per
#: session and a row per slot time, held a week at a time.
GRID_MODELS = {("ui/week_model.py", "SlotGridModel")}
TABLE_BASE = ("ui/paged_table_model.py", "PagedTableModel")
QT_MODELS = {"QAbstractTableModel", "QAbstractItemModel", "QAbstractListModel"}


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def test_every_table_model_in_the_ui_sits_on_the_one_paged_base() -> None:
    """Rows, headers and paging are written once (ui/paged_table_model.py); a model that
    subclasses Qt's model directly, or counts its own rows, has forked that plumbing."""
    allowed = {TABLE_BASE, *GRID_MODELS}
    forks = []
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef) or (relative, node.name) in allowed:
                continue
            methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
            if _base_names(node) & QT_MODELS or "rowCount" in methods:
                forks.append(f"clinic_app/{relative}:{node.lineno} {node.name}")
    assert not forks, "table models not on PagedTableModel:\n" + "\n".join(forks)


#: A module longer than this is several things that want a module each. The demo
#: builder is exempt: it is one long script of sample data, read top to bottom.
MAX_MODULE_LINES = 900


def test_no_module_outgrows_one_sitting() -> None:
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("demo/"):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"clinic_app/{relative}: {lines} lines")
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(too_long)
