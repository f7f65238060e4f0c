"""Content-Security-Policy: every page carries it, and no template needs an exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

SRC = Path(__file__).resolve().parents[2] / "src" / "salesmesh"

# What a strict script policy forbids, and the inline styles we keep out of our own markup.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=[\"']", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)
MARKUP_IN_PYTHON = re.compile(r"\b(format_html|mark_safe|SafeString|format_html_join)\b")
FORBIDDEN = {
    "inline <script>": INLINE_SCRIPT,
    "<style> element": STYLE_ELEMENT,
    "style attribute": STYLE_ATTRIBUTE,
    "on* event handler": EVENT_HANDLER,
    "javascript: URL": JAVASCRIPT_URL,
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def sources() -> list[Path]:
    templates = sorted(SRC.glob("**/templates/**/*.html"))
    # Markup built in Python (format_html, mark_safe) obeys the same rules.
    code = [
        p
        for p in sorted(SRC.glob("**/*.py"))
        if MARKUP_IN_PYTHON.search(p.read_text(encoding="utf-8"))
    ]
    return templates + code


def code_of(path: Path) -> str:
    """The file without its comments (which may name what they avoid), lines kept."""
    text = path.read_text(encoding="utf-8")

    def blank(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    if path.suffix == ".html":
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", blank, text, flags=re.S)
        return re.sub(r"{#.*?#}", blank, text, flags=re.S)
    return re.sub(r"#[^\n]*", "", text)


def test_every_template_and_module_was_scanned() -> None:
    names = {p.name for p in sources()}
    assert {"base.html", "login.html", "404.html", "500.html"} <= names


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_no_markup_needs_unsafe_inline(kind: str) -> None:
    pattern = FORBIDDEN[kind]
    offenders = [
        f"{path.relative_to(SRC)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sources()
        for text in [code_of(path)]
        for match in pattern.finditer(text)
    ]
    assert offenders == [], f"{kind} found (move it to web/static/salesmesh/app.js or app.css)"


@pytest.mark.django_db
def test_pages_carry_a_policy_without_inline_or_eval_scripts(client, member) -> None:
    client.force_login(member)
    for url in [reverse("home"), reverse("login"), "/no/such/page/"]:
        response = client.get(url)
        policy = directives(response["Content-Security-Policy"])

        assert policy["default-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in policy["script-src"], url
        assert all("unsafe-eval" not in value for values in policy.values() for value in values)
        assert policy["script-src"][0] == "'self'"
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        # Styles alone allow inline, for plotly (docs/adr/0012-hardening.md), and so carry
        # no nonce: a nonce would make browsers ignore 'unsafe-inline'.
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


@pytest.mark.django_db
def test_a_template_that_uses_the_nonce_gets_it_in_the_policy(rf, member) -> None:
    from django.middleware.csp import ContentSecurityPolicyMiddleware
    from django.template import engines
    from django.template.response import TemplateResponse

    template = engines["django"].from_string("<script {% csp_nonce_attr %} src=x></script>")

    def view(request):  # type: ignore[no-untyped-def]
        return TemplateResponse(request, template, {}).render()

    request = rf.get("/")
    response = ContentSecurityPolicyMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert nonce is not None
    assert (
        f"'nonce-{nonce.group(1)}'" in directives(response["Content-Security-Policy"])["script-src"]
    )


def test_htmx_is_configured_to_need_neither_eval_nor_an_injected_style() -> None:
    base = (SRC / "web" / "templates" / "web" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
