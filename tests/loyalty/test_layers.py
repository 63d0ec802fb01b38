"""The ledger is domain code beneath the marketplace: loyalty/ imports nothing from it (the
shop's terms of acceptance come in as loyalty.terms.AcceptanceTerms, see docs/design.md)."""
import ast
from pathlib import Path

import pytest

LOYALTY = Path(__file__).resolve().parents[2] / "loyalty"


@pytest.fixture
def redemption_path():
    """No redemption here: one run is enough."""


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_loyalty_imports_nothing_from_the_marketplace():
    offending = {path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] in ("marketplace", "search"))
                 for path in sorted(LOYALTY.glob("*.py"))}
    assert {name: modules for name, modules in offending.items() if modules} == {}


def test_the_layer_test_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from marketplace.models import Shop\n")
    assert imported_modules(sample) == {"marketplace.models"}
