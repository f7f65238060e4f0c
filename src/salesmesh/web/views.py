"""Thin HTML views: check input, call one selector, render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesmesh.org.models import Paradigm
from salesmesh.org.selectors import (
    business_lines_for,
    memberships_visible_to,
    org_tree_for,
    people_rows,
)
from salesmesh.web.charts import org_sunburst

PARADIGM_EXPLANATIONS = {
    Paradigm.PROBABILITY: gettext_lazy(
        "Many customers, standard products and explicit needs: the target is won "
        "through the mathematics of a funnel at volume."
    ),
    Paradigm.BEHAVIOUR: gettext_lazy(
        "A finite list of named accounts where none may be dropped: SDR, BD and "
        "presales teams cover and penetrate every account."
    ),
    Paradigm.PROJECT: gettext_lazy(
        "Government and large enterprises with a clear goal but no clear path: "
        "milestones, stakeholders and stage reviews steer each project."
    ),
}


def home(request: HttpRequest) -> HttpResponse:
    """The org tree with each business line's paradigm, and headcount as a chart."""
    roots = org_tree_for(user=request.user)
    chart = org_sunburst(roots, title=_("Headcount by org unit")) if roots else None
    return render(request, "web/home.html", {"roots": roots, "chart": chart})


def paradigm_page(request: HttpRequest, paradigm: str) -> HttpResponse:
    """The business lines run on one paradigm, with their people and capabilities."""
    if paradigm not in Paradigm.values:
        raise Http404
    lines = business_lines_for(user=request.user, paradigm=paradigm, as_of=timezone.localdate())
    return render(
        request,
        "web/paradigm.html",
        {
            "paradigm": Paradigm(paradigm),
            "explanation": PARADIGM_EXPLANATIONS[Paradigm(paradigm)],
            "lines": lines,
        },
    )


def data_page(request: HttpRequest) -> HttpResponse:
    """The people directory: everyone the user may see, with their attributes."""
    rows = people_rows(
        memberships=memberships_visible_to(user=request.user), as_of=timezone.localdate()
    )
    return render(request, "web/data.html", {"rows": rows})
