"""axe-core in the browser tests: `audit(page)` runs the vendored engine on the page as it is and
fails listing every serious or critical violation (rule, impact, the elements concerned).

The engine is injected as a script tag: the pages forbid inline scripts (Content-Security-Policy),
so the browser contexts of the journeys are opened with bypass_csp=True (conftest.new_context)."""
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page) -> list[dict]:
    """The serious and critical violations axe finds on the page (WCAG 2.x A and AA rules, best practices)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def audit(page) -> None:
    """Fail when the current page has a serious or critical accessibility violation."""
    found = violations(page)
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"
