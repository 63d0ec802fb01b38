"""axe-core in the browser tests: `audit(page)` runs the vendored engine on the page as it is and
fails listing every serious or critical violation (rule, impact, the elements concerned).

The engine is injected as a script tag: the pages forbid inline scripts (Content-Security-Policy),
so the browser contexts of the journeys are opened with bypass_csp=True (conftest.new_context)."""
from pathlib import Path
from urllib.parse import urldefrag

from playwright.sync_api import Error as PlaywrightError

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
_watched: dict = {}  # page -> {"screen": name, "visited": [urls], "audited": {urls}}


def watch(page, screen: str) -> None:
    """Record the documents the page shows (main-frame navigations) to check they were all audited."""
    state = _watched[page] = {"screen": screen, "visited": [], "audited": set()}

    def navigated(frame):
        if frame.parent_frame is None and frame.url != "about:blank":
            state["visited"].append(urldefrag(frame.url).url)

    page.on("framenavigated", navigated)


def screen_of(page) -> str:
    return _watched[page]["screen"] if page in _watched else "desktop"


def unaudited(page) -> list[str]:
    """The pages (by address) this page visited and axe never audited, in visiting order."""
    state = _watched.pop(page, None)
    if state is None:
        return []
    return list(dict.fromkeys(url for url in state["visited"] if url not in state["audited"]))


# What the browser says when the document is replaced under the audit: a click that navigates
# returns before the next page has loaded, so the audit may start on a document being torn down.
_NAVIGATING = ("appendChild", "Execution context was destroyed", "navigation", "Target closed")


def _run_axe(page) -> tuple[str, list[dict]]:
    """Run axe on the loaded document; returns the address it audited and its blocking violations."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async () => ({url: location.href, run: await axe.run(document, {resultTypes: ['violations']})})")
    return result["url"], [v for v in result["run"]["violations"] if v["impact"] in BLOCKING]


def violations(page, attempts: int = 5) -> tuple[str, list[dict]]:
    """The serious and critical violations axe finds on the page (WCAG 2.x A and AA rules, best
    practices), and the address of the document audited. A navigation that replaces the document
    during the audit restarts it on the new document."""
    for attempt in range(attempts):
        try:
            return _run_axe(page)
        except PlaywrightError as error:
            if attempt == attempts - 1 or not any(sign in str(error) for sign in _NAVIGATING):
                raise
    raise AssertionError("unreachable")


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
    url, found = violations(page)
    if page in _watched:
        _watched[page]["audited"].add(urldefrag(url).url)
    assert not found, f"axe-core on {url}:\n{describe(found)}"
