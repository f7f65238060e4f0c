"""Walk every URL pattern of the root URLconf and build a request-able address for each.

Generic on purpose: whatever another app adds to the URLconf (a page, an admin model, an
API operation) is found here without touching this file. Path arguments get a dummy of
the right converter type; regex groups get the first of a few candidates their regex
accepts. Each address is resolved back, so a pattern the walker cannot address fails
loudly instead of silently escaping the access tests.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from types import CodeType, FunctionType
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")
# What a regex group is tried with, in order; the first its body accepts is used.
REGEX_CANDIDATES = ("1", "xlsx", "auth", "x")


@dataclass(frozen=True)
class Route:
    """One URL pattern, addressable: where it lives, what answers it, what kind it is."""

    route: str  # the pattern as written, prefixes joined ("records/<int:pk>/")
    name: str | None  # namespaced ("records:account"), None for unnamed patterns
    url: str  # an address that resolves to this pattern
    callback: Callable[..., Any]
    namespace: str

    @property
    def is_admin(self) -> bool:
        return self.namespace.split(":")[0] == "admin"

    @property
    def path_view(self) -> Any | None:
        """django-ninja's PathView behind an API operation (None for any other view)."""
        for cell in getattr(self.callback, "__closure__", None) or ():
            contents = cell.cell_contents
            if type(contents).__name__ == "PathView":
                return contents
        return None

    @property
    def is_api_operation(self) -> bool:
        return self.path_view is not None

    @property
    def api_methods(self) -> set[str]:
        view = self.path_view
        return {m for op in view.operations for m in op.methods} if view else set()

    @property
    def key(self) -> str:
        return view_key(self.callback)

    @property
    def open(self) -> bool:
        """Exempt from LoginRequiredMiddleware (it checks exactly this attribute)."""
        return not getattr(self.callback, "login_required", True)


def view_key(callback: Callable[..., Any]) -> str:
    """A stable dotted name of the code behind a view (class views by their class)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return f"{view_class.__module__}.{view_class.__qualname__}"
    if isinstance(callback, partial):
        return view_key(callback.func)
    target = inspect.unwrap(callback)
    bound = getattr(target, "__self__", None)
    if bound is not None and not isinstance(bound, type):
        return f"{type(bound).__module__}.{type(bound).__qualname__}.{target.__name__}"
    return f"{target.__module__}.{target.__qualname__}"


def _dummy(converter: Any) -> str:
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return str(uuid.UUID(int=1))
    if isinstance(converter, SlugConverter):
        return "x"
    if isinstance(converter, PathConverter):
        return "1"
    return "1"  # str and anything custom that accepts digits


def _address(pattern: Any, text: str) -> str:
    if isinstance(pattern, RoutePattern):
        converters = pattern.converters
        return ROUTE_PARAM.sub(lambda m: _dummy(converters[m["name"]]), text)
    if isinstance(pattern, RegexPattern):

        def group(match: re.Match[str]) -> str:
            body = match["body"]
            for candidate in REGEX_CANDIDATES:
                if re.fullmatch(body, candidate):
                    return candidate
            raise AssertionError(f"no dummy value for the group {match[0]!r} of {text!r}")

        address = REGEX_GROUP.sub(group, text).removeprefix("^").removesuffix("$")
        return re.sub(r"\\(.)", r"\1", address)
    raise AssertionError(f"unknown pattern type {type(pattern)!r}")


def _walk(patterns: list[Any], prefix: str, route: str, namespace: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(
                entry.url_patterns,
                prefix + _address(entry.pattern, str(entry.pattern)),
                route + str(entry.pattern),
                inner,
            )
        elif isinstance(entry, URLPattern):
            text = str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(
                route=route + text,
                name=name,
                url="/" + prefix + _address(entry.pattern, text),
                callback=entry.callback,
                namespace=namespace,
            )


def all_routes() -> list[Route]:
    """Every pattern of the root URLconf, each with an address checked to resolve to it."""
    routes = list(_walk(get_resolver().url_patterns, "", "", ""))
    for r in routes:
        match = resolve(r.url)
        assert match.func is r.callback or view_key(match.func) == r.key, (
            f"{r.url} (for {r.route}) resolves to {match.view_name}"
        )
    return routes


# -- does a view reach its scoping rule? -------------------------------------------------


def _code_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):  # lambdas, inner functions, comprehensions
            names |= _code_names(const)
    return names


def reaches(view: Callable[..., Any], wanted: set[str], *, depth: int = 5) -> set[str]:
    """Which of the ``wanted`` names the view's code uses, directly or through the salesmesh
    functions and classes (their methods: forms) it names, followed ``depth`` steps deep.
    Attribute names count too, so ``spec.visible_to(...)`` reaches ``visible_to``."""
    found: set[str] = set()
    seen: set[int] = set()

    def visit(func: Any, level: int) -> None:
        func = inspect.unwrap(func)
        if not isinstance(func, FunctionType) or id(func) in seen or level > depth:
            return
        seen.add(id(func))
        names = _code_names(func.__code__)
        found.update(names & wanted)
        for name in names:
            target = func.__globals__.get(name)
            if not str(getattr(target, "__module__", None)).startswith("salesmesh."):
                continue
            if isinstance(target, FunctionType):
                visit(target, level + 1)
            elif isinstance(target, type):  # a form or helper class: its own methods
                for klass in target.__mro__:
                    if str(klass.__module__).startswith("salesmesh."):
                        for member in vars(klass).values():
                            visit(member, level + 1)

    target = getattr(view, "view_class", None) or view
    if isinstance(target, type):  # a class-based view: each of its own methods
        for member in vars(target).values():
            visit(member, 0)
    else:
        visit(target, 0)
    return found
