"""Plan pages of a business line: versions, the editor, approval and comparison.

The stored assumptions are a plan document (docs/plan-file.md); the page runs
the same loader and planner as `salesmesh plan`, with the line's people taken
from the org in the database, and renders the report in the viewer's language.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesmesh.audit.locking import StaleObject
from salesmesh.audit.selectors import history_for
from salesmesh.core.diff import diff
from salesmesh.planfile.loader import PlanFileError
from salesmesh.planfile.report import report_to_dict, report_to_json
from salesmesh.planfile.xlsx import workbook_bytes
from salesmesh.planning.documents import (
    assumptions_for_editing,
    plan_document_for,
    run_document,
    starting_assumptions,
)
from salesmesh.planning.forms import PlanEditorForm
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.planning.selectors import (
    can_approve,
    line_managed_by,
    line_managed_or_404,
    newest_version_id,
    plan_versions,
)
from salesmesh.planning.services import plan_version_approve, plan_version_save

# Primary keys are 64-bit: anything longer is not an id (and int() of a huge
# digit string is slow), so it is simply not found.
MAX_ID_DIGITS = 19


def _id_or_404(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise Http404
    return int(text)


def _version_or_404(request: HttpRequest, pk: int) -> PlanVersion:
    version = get_object_or_404(PlanVersion.objects.select_related("unit"), pk=pk)
    # Out of scope looks exactly like missing: never confirm that a plan exists.
    if line_managed_by(user=request.user, code=version.unit.code) is None:
        raise Http404
    return version


def plan_list(request: HttpRequest, code: str) -> HttpResponse:
    """Every version of the line's plans, newest first."""
    line = line_managed_or_404(user=request.user, code=code)
    versions = list(plan_versions(line=line))
    return render(
        request,
        "planning/plan_list.html",
        {
            "line": line,
            "versions": versions,
            "can_approve": can_approve(user=request.user, line=line),
        },
    )


def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit the assumptions as a new draft; preview runs the planner, save stores it."""
    line = line_managed_or_404(user=request.user, code=code)
    base: PlanVersion | None = None
    if "from" in request.GET:
        base = _version_or_404(request, _id_or_404(request.GET["from"]))
        if base.unit_id != line.pk:
            raise Http404
    report = None
    problems: list[tuple[str, str]] = []
    newer: PlanVersion | None = None
    if request.method == "POST":
        form = PlanEditorForm(request.POST)
        if form.is_valid():
            document = plan_document_for(line=line, assumptions=form.cleaned_data["assumptions"])
            try:
                report = run_document(document)
            except PlanFileError as exc:
                problems = [(path, message.render(_)) for path, message in exc.problems]
            if report is not None and "save" in request.POST:
                try:
                    version = plan_version_save(
                        line=line,
                        period_label=report.period_label,
                        paradigm=report.paradigm,
                        assumptions=document,
                        result=report_to_dict(report),
                        by=request.user,
                        note=form.cleaned_data["note"],
                        based_on=form.cleaned_data["based_on"],
                    )
                except StaleObject as stale:
                    # The author's text stays in the form; the newer version is linked,
                    # and saving again (now based on it) adds theirs after it.
                    newer = stale.record
                    data = request.POST.copy()
                    data["based_on"] = str(newest_version_id(line=line))
                    form = PlanEditorForm(data)
                    form.is_valid()
                    form.add_error(None, stale)
                else:
                    messages.success(
                        request,
                        _("Saved as draft version %(number)s.") % {"number": version.number},
                    )
                    return redirect("planning:plan_detail", pk=version.pk)
    else:
        source = base.assumptions if base else starting_assumptions(line=line)
        form = PlanEditorForm(
            initial={
                "assumptions": assumptions_for_editing(source),
                "based_on": newest_version_id(line=line),
            }
        )
    return render(
        request,
        "planning/plan_edit.html",
        {
            "line": line,
            "form": form,
            "report": report,
            "problems": problems,
            "base": base,
            "newer": newer,
        },
        status=409 if newer is not None else 200,
    )


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One saved version, planned again from its stored assumptions in the viewer's language."""
    version = _version_or_404(request, pk)
    if "compare" in request.GET:
        other = _id_or_404(request.GET["compare"])
        return redirect("planning:plan_compare", pk=version.pk, other=other)
    try:
        report = run_document(version.assumptions)
    except PlanFileError as exc:  # a document saved by an older planner may no longer validate
        report = None
        for path, message in exc.problems:
            messages.error(
                request, _("%(path)s: %(problem)s") % {"path": path, "problem": message.render(_)}
            )
    others = plan_versions(line=version.unit).exclude(pk=version.pk)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "version": version,
            "line": version.unit,
            "report": report,
            "others": others,
            "changes": history_for(version, request.user),
            "can_approve": can_approve(user=request.user, line=version.unit)
            and version.status == PlanStatus.DRAFT
            and version.created_by_id != request.user.pk,
        },
    )


def plan_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The version's decomposition as an XLSX workbook or JSON, in the viewer's language."""
    version = _version_or_404(request, pk)
    try:
        report = run_document(version.assumptions)
    except PlanFileError:
        raise Http404 from None
    stem = f"plan-{version.unit.code}-{version.period_label}-v{version.number}"
    if fmt == "xlsx":
        response = HttpResponse(
            workbook_bytes(report, _),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            report_to_json(report, _), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a draft; only someone above the line may."""
    version = _version_or_404(request, pk)
    if not can_approve(user=request.user, line=version.unit):
        raise Http404
    seen = request.POST.get("expected_version", "")
    try:
        plan_version_approve(
            version=version,
            by=request.user,
            # The version the page showed; a page without it (a script) is not checked.
            expected_version=int(seen)
            if seen.isascii() and seen.isdigit() and len(seen) < 10
            else None,
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("Version %(number)s approved on %(date)s; it is now locked.")
            % {"number": version.number, "date": timezone.localdate().isoformat()},
        )
    return redirect("planning:plan_detail", pk=version.pk)


def plan_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """What changed between two versions: assumptions and computed results."""
    old, new = _version_or_404(request, other), _version_or_404(request, pk)
    if old.unit_id != new.unit_id:
        raise Http404
    return render(
        request,
        "planning/plan_compare.html",
        {
            "line": new.unit,
            "old": old,
            "new": new,
            "assumption_changes": diff(old.assumptions, new.assumptions),
            "result_changes": diff(_numbers(old.result), _numbers(new.result)),
        },
    )


def _numbers(result: dict[str, Any]) -> dict[str, Any]:
    """The parts of a stored result worth comparing: the tree and the data, not prose."""
    return {"tree": result.get("tree", {}), "data": result.get("data", {})}


def yaml_dump(document: dict[str, Any]) -> str:
    """A document as readable YAML (Chinese kept as is, keys in written order)."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
