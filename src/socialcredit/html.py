"""Server-side HTML rendering with Jinja2 (autoescaped: every value is untrusted text)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("socialcredit", "web/templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def render_access(record: dict[str, Any]) -> str:
    return render("access.html", r=record)
