"""The hook registry (``schoolpl.hooks``) and the providers it lists: every ``<app>/<kind>.py`` provides what
its kind declares, in the shape its consumers call it with, and no module hides from discovery."""

from __future__ import annotations

import ast
import inspect
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings

import schoolpl.events
from schoolpl import events, hooks
from schoolpl.discovery import app_modules
from schoolpl.hooks import EVENTS, HOOKS, UnknownHook
from schoolpl.nav import NavItem, panels

# How each kind's consumers call a provider: (positional arguments, keyword arguments).
CALLS = {
    "home_panels": (("request",), {}),
    "pupil_panels": (("request",), {"pupil": "pupil"}),
    "evidence": (("school", "start", "end"), {}),
    "history_sources": (("access",), {"pupils": "pupils", "group": None}),
    "register": (("router",), {}),
    "build": (("ctx",), {}),
    "run": (("bench",), {}),
    "provision_for": (("school", "pupil_ids"), {}),
    "provisions_serving": (("school", "target_ids"), {}),
    "open_referrals": (("school",), {}),
    "flags_for": (("school", "subject", "window", "pupil_ids"), {}),
    "notes_for": (("school", "pupil_ids"), {}),
    **{event: ((), {"school_id": 1, "pupil_ids": [1], "subject_ids": [1]}) for event in EVENTS},
}


def _app_dir(app: str) -> Path:
    return Path(import_module(app).__path__[0])


def _providers():
    for kind in HOOKS:
        for module in app_modules(kind):
            yield pytest.param(kind, module, id=module.__name__)


def test_every_kind_has_a_provider_and_says_what_it_is_for():
    for kind, spec in HOOKS.items():
        assert spec.kind == kind
        assert spec.provides and spec.signature and spec.purpose and spec.consumers, kind
        assert app_modules(kind), f"no app provides {spec.module}"


@pytest.mark.parametrize(("kind", "module"), list(_providers()))
def test_each_provider_exposes_what_its_kind_declares(kind, module):
    spec = HOOKS[kind]
    present = [name for name in spec.provides if hasattr(module, name)]
    if spec.any_of:
        assert present, f"{module.__name__} provides none of {spec.provides}"
    else:
        assert present == list(spec.provides), f"{module.__name__} lacks {set(spec.provides) - set(present)}"
    for name in present:
        value = getattr(module, name)
        if kind == "nav":
            assert value and all(isinstance(i, NavItem) for i in value)
            continue
        assert callable(value), f"{module.__name__}.{name} is not callable"
        args, kwargs = CALLS[name]
        inspect.signature(value).bind(*args, **kwargs)  # TypeError if the consumers' call would not fit


def test_framework_modules_are_not_providers():
    for kind, spec in HOOKS.items():
        if spec.framework:
            assert import_module(spec.framework)  # it exists …
            assert spec.framework not in {m.__name__ for m in app_modules(kind)}  # … and is skipped


def test_single_provider_hooks_say_why_they_are_not_an_import():
    for kind, spec in HOOKS.items():
        if len(app_modules(kind)) == 1:
            assert spec.why, f"{kind} has one provider: say why it stays a hook"


def _imported_by(path: Path, app: str) -> set[str]:
    """The modules of ``app`` that the module at ``path`` imports (relative imports resolved to names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module if node.level == 0 else f"{app}.{node.module}"
            found.add(name)
    return found


def test_no_module_named_like_a_hook_part_is_left_undiscovered():
    """Only ``<app>/<kind>.py`` is discovered: a ``<kind>_<part>.py`` left beside it would silently drop out,
    unless the app's ``<kind>.py`` folds it in."""
    lingering = []
    for app in settings.PROJECT_APPS:
        folder = _app_dir(app)
        for kind in HOOKS:
            provider = folder / f"{kind}.py"
            folded = _imported_by(provider, app) if provider.exists() else set()
            for part in folder.glob(f"{kind}_*.py"):
                if f"{app}.{part.stem}" not in folded:
                    lingering.append(str(part.relative_to(settings.BASE_DIR)))
    assert not lingering, f"not discovered (fold into <app>/<kind>.py): {lingering}"


def test_an_unregistered_kind_is_a_clear_error():
    with pytest.raises(UnknownHook) as caught:
        app_modules("widgets")
    assert isinstance(caught.value, KeyError)
    assert "schoolpl/hooks.py" in str(caught.value) and "nav" in str(caught.value)


def test_an_unknown_event_or_panel_is_refused():
    with pytest.raises(KeyError, match="not an event"):
        events.publish("pupils_changed", school_id=1, pupil_ids=[1])
    with pytest.raises(KeyError, match="not a kind of panel"):
        panels("sidebar_panels", request=None)


def test_the_events_docstring_lists_exactly_the_events():
    documented = set(re.findall(r"``(\w+_changed)\(", schoolpl.events.__doc__))
    assert documented == set(EVENTS)
    subscribers = {name for m in app_modules("subscribers") for name in vars(m) if name in EVENTS}
    assert subscribers == set(EVENTS)  # an event nobody subscribes to is not worth publishing


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute, None)
        return obj is not None
    return False


def test_every_consumer_named_in_the_registry_exists():
    for spec in hooks.HOOKS.values():
        for consumer in spec.consumers:
            assert _resolves(consumer.split(" ")[0]), f"{spec.kind}: {consumer} not found"
