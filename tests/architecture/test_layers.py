"""The layers point down: the imports between the apps, read from the source with `ast`.

    audiences   stakeholders · national · backoffice · portal · api
    set-up      demo (bootstrap, demonstration data)
    domain      core ← reference ← accounts ← instruments ← reporting ← registers ← workforce
                ← analysis

A domain app never imports an audience, the set-up app or a domain app to its right; an
audience never imports another audience; nothing but the project's own modules (urls,
settings…) imports the set-up app; and the apps import each other without a loop. Like the
scoping matrix for access, this test reads every module, so a new import that breaks a layer
fails here.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "codemonitor"
# The domain, lowest first: an app imports only the apps before it.
DOMAIN_ORDER = (
    "core",
    "reference",
    "accounts",
    "instruments",
    "reporting",
    "registers",
    "workforce",
    "analysis",
    "publication",
)
DOMAIN = frozenset(DOMAIN_ORDER)
AUDIENCES = frozenset({"stakeholders", "national", "backoffice", "portal", "api"})
SETUP = frozenset({"demo"})


def app_of(module: str) -> str | None:
    """`codemonitor.<app>.…` → app; the project's own modules (`codemonitor.urls`) → None."""
    parts = module.split(".")
    if parts[0] != "codemonitor" or len(parts) < 2:
        return None
    app = parts[1]
    return app if app in DOMAIN | AUDIENCES | SETUP else None


@functools.cache
def imported_modules(module: str, source: str) -> tuple[str, ...]:
    """Every module a source imports, at the top or inside a function, relative ones resolved."""
    return tuple(_imports(module, source))


def _imports(module: str, source: str) -> Iterable[str]:
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            yield name
            # `from codemonitor import national` imports an app too.
            yield from (f"{name}.{alias.name}" for alias in node.names)


def violations(modules: Iterable[tuple[str, str]]) -> list[str]:
    """What breaks the layers among (module name, source) pairs, one sentence each."""
    found: list[str] = []
    graph: dict[str, set[str]] = {}
    for module, source in modules:
        here = app_of(module)
        if here is None:
            continue
        seen: set[str] = set()
        for target in imported_modules(module, source):
            there = app_of(target)
            if there is None or there == here or there in seen:
                continue
            seen.add(there)  # one sentence per module and app imported
            graph.setdefault(here, set()).add(there)
            if here in DOMAIN and there in AUDIENCES:
                found.append(f"{module} (domain) imports {target} (audience {there})")
            elif here in AUDIENCES and there in AUDIENCES:
                found.append(f"{module} (audience {here}) imports {target} (audience {there})")
            elif there in SETUP:
                found.append(f"{module} imports {target} (set-up app {there})")
            elif here in SETUP and there in AUDIENCES:
                found.append(f"{module} (set-up) imports {target} (audience {there})")
            elif (
                here in DOMAIN
                and there in DOMAIN
                and DOMAIN_ORDER.index(there) > DOMAIN_ORDER.index(here)
            ):
                found.append(f"{module} imports {target}, above it in the domain")
    found.extend(f"the apps import each other in a loop: {' → '.join(c)}" for c in cycles(graph))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One loop through each strongly connected group of apps (depth-first search)."""
    loops: list[list[str]] = []
    done: set[str] = set()

    def visit(app: str, path: list[str]) -> None:
        if app in path:
            loop = [*path[path.index(app) :], app]
            if not any(set(loop) <= set(known) for known in loops):
                loops.append(loop)
            return
        if app in done:
            return
        for target in sorted(graph.get(app, ())):
            visit(target, [*path, app])
        done.add(app)

    for app in sorted(graph):
        visit(app, [])
    return loops


@functools.cache
def project_modules() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        module = ".".join(relative.parts).removesuffix(".__init__")
        found.append((module, path.read_text(encoding="utf-8")))
    return found


_AUDIENCE_NAMES = "|".join(sorted(AUDIENCES))
AUDIENCE_URL = re.compile(rf"^({_AUDIENCE_NAMES}):[\w-]+$")
TEMPLATE_URL = re.compile(rf"{{%\s*url\s+['\"]({_AUDIENCE_NAMES}):")


def audience_urls_named(module: str, source: str) -> list[str]:
    """URL names of an audience written in a module (`reverse("national:page")` and the like)."""
    return [
        f"{module} names the URL {node.value!r} of an audience"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and AUDIENCE_URL.match(node.value)
    ]


def test_the_domain_never_names_an_audience_url() -> None:
    found = [
        line
        for module, source in project_modules()
        if app_of(module) in DOMAIN
        for line in audience_urls_named(module, source)
    ]
    for app in DOMAIN:
        for template in sorted((ROOT / app).glob("templates/**/*.html")):
            if TEMPLATE_URL.search(template.read_text(encoding="utf-8")):
                found.append(f"{template.relative_to(ROOT)} links to a page of an audience")
    assert found == []
    # The check sees a reversed audience URL, and only that.
    assert audience_urls_named("codemonitor.reporting.fake", 'reverse("national:page")')
    assert not audience_urls_named("codemonitor.reporting.fake", 'kind = "national"')
    assert TEMPLATE_URL.search("<a href=\"{% url 'national:page' report.pk 1 %}\">")
    assert not TEMPLATE_URL.search("{% url 'accounts:sign_in' %}")


def test_the_layers_point_down() -> None:
    modules = project_modules()
    assert len(modules) > 50  # the walk found the code
    assert violations(modules) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "codemonitor.reporting.fake",
            "from codemonitor.backoffice.views import dashboard\n",
            "codemonitor.reporting.fake (domain) imports codemonitor.backoffice.views",
        ),
        (
            "codemonitor.national.fake",
            "def later():\n    from codemonitor.stakeholders import access\n",
            "codemonitor.national.fake (audience national) imports codemonitor.stakeholders",
        ),
        (
            "codemonitor.backoffice.fake",
            "from ..national.access import get_national_report\n",
            "imports codemonitor.national.access (audience national)",
        ),
        (
            "codemonitor.accounts.fake",
            "import codemonitor.demo.reports\n",
            "imports codemonitor.demo.reports (set-up app demo)",
        ),
        (
            "codemonitor.core.fake",
            "from codemonitor import stakeholders\n",
            "imports codemonitor.stakeholders (audience stakeholders)",
        ),
    ],
)
def test_a_wrong_import_is_caught(module: str, source: str, expected: str) -> None:
    found = violations([*project_modules(), (module, source)])  # the real code, plus one
    assert any(expected in line for line in found), found


def test_a_loop_between_domain_apps_is_caught() -> None:
    found = violations(
        [
            ("codemonitor.accounts.fake", "from codemonitor.reporting.models import Report\n"),
            ("codemonitor.reporting.fake", "from codemonitor.accounts.models import User\n"),
        ]
    )
    assert found == [
        "codemonitor.accounts.fake imports codemonitor.reporting.models, above it in the domain",
        "the apps import each other in a loop: accounts → reporting → accounts",
    ]
