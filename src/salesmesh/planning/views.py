"""Planning pages: the paradigm advisor (and, below, plans) of a business line."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesmesh.core.advisor import AdvisorError, AdvisorResult, Factor, advise
from salesmesh.core.advisor_config import thresholds_from_mapping
from salesmesh.org.models import Paradigm
from salesmesh.planning.charts import advisor_scores_chart
from salesmesh.planning.forms import AdvisorForm
from salesmesh.planning.selectors import line_managed_or_404, paradigm_history
from salesmesh.planning.services import paradigm_apply

FACTOR_LABELS = {
    Factor.DEMAND_CUSTOMERS: gettext_lazy("Customers with the need now"),
    Factor.ADDRESSABLE_CUSTOMERS: gettext_lazy("Potential customers"),
    Factor.MARKET_MATURITY: gettext_lazy("Market maturity"),
    Factor.SOLUTION_STANDARDISATION: gettext_lazy("Solution standardisation"),
    Factor.SALES_CYCLE_DAYS: gettext_lazy("Sales cycle (days)"),
}


def advisor(request: HttpRequest, code: str) -> HttpResponse:
    """Score the paradigms from the line's indicators; apply the advice on request."""
    line = line_managed_or_404(user=request.user, code=code)
    history = list(paradigm_history(line=line)[:20])
    result: AdvisorResult | None = None
    if request.method == "POST":
        form = AdvisorForm(request.POST)
        if form.is_valid():
            try:
                result = advise(
                    form.indicators(),
                    thresholds_from_mapping(settings.SALESMESH_ADVISOR_THRESHOLDS),
                )
            except AdvisorError as exc:
                for path, message in exc.problems:
                    field = path.rsplit(".", 1)[-1]
                    form.add_error(field if field in form.fields else None, message.render(_))
            if result is not None and "apply" in request.POST:
                paradigm_apply(
                    line=line,
                    paradigm=result.core.value,
                    by=request.user,
                    indicators=asdict(form.indicators()),
                    scores=_scores(result),
                    note=form.cleaned_data.get("note", ""),
                )
                messages.success(
                    request,
                    _("%(line)s now runs on the %(paradigm)s paradigm.")
                    % {"line": line.display_name, "paradigm": Paradigm(result.core).label},
                )
                return redirect("planning:advisor", code=line.code)
    else:
        form = AdvisorForm(initial=history[0].indicators if history else None)
    context: dict[str, Any] = {
        "line": line,
        "form": form,
        "result": result,
        "history": history,
        "factor_labels": FACTOR_LABELS,
        "paradigm_labels": dict(Paradigm.choices),
    }
    if result is not None:
        context["chart"] = advisor_scores_chart(result, title=_("Score by paradigm"))
        context["core_label"] = Paradigm(result.core).label
    return render(request, "planning/advisor.html", context)


def _scores(result: AdvisorResult) -> dict[str, float]:
    return {p.value: round(result.scores.of(p), 2) for p in result.ranking}
