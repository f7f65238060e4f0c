"""Plan versions: save a draft from a plan document and approve a draft, as the plan pages do.

The operations join the read router of ``api.plans`` (``/plans`` is the reads' path too:
one URL pattern must answer every method of a path). What the web allows, and no more:

- **a new draft** (the plan editor's "save"): the managers of a line (and those above,
  admins) send the assumptions as YAML or JSON text — the editor's format
  (docs/plan-file.md), read exactly, so amounts stay exact; the people come from the org;
  the planner runs and every problem is a 422 naming its path. The audit history
  records the draft's status and its target against the previous version's;
- **the assumptions of a version** as the editor shows them, to revise as a new draft;
- **approval**: only someone above the line (an admin, a manager of an ancestor unit),
  never the drafter, approves a draft; the approved version before it is superseded,
  both moves audited. Approval is locked by the version's ``version``: a stale one is a
  409. A caller who may see the plan but not approve it gets the 404 the web gives.
"""

# No `from __future__ import annotations`: ninja reads the schemas at runtime.

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import ConfigDict, Field

from salesmesh.api.common import (
    MAX_INT,
    READ_ERRORS,
    WRITE_ERRORS,
    InvalidInput,
    caller,
    invalid,
    visible_or_404,
)
from salesmesh.api.plans import PlanVersionDetailOut, get_plan, router
from salesmesh.api.writes import through_service
from salesmesh.audit.models import AuditSource
from salesmesh.planfile.loader import PlanFileError
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import assumptions_for_editing, plan_document_for, run_document
from salesmesh.planning.forms import PlanEditorForm
from salesmesh.planning.models import PlanVersion
from salesmesh.planning.selectors import can_approve, lines_managed_by
from salesmesh.planning.services import plan_version_approve, plan_version_save


class PlanDraftIn(Schema):
    """A new draft of a line's plan for the period the document names."""

    model_config = ConfigDict(extra="forbid")
    # The business line's code (as ``line`` in the plan reads).
    line: str
    # The plan document as YAML or JSON text (docs/plan-file.md); the line's people
    # (reps, the behaviour team, the allocation's org tree) are filled in from the org.
    assumptions: str
    # What changed and why.
    note: str = ""
    # The id of the line's newest plan version the caller has seen (GET /api/plans), 0 for
    # none: when a version of the same period has been saved since, the draft is refused
    # with 409 naming it. Omitted: no check (an integration that only appends drafts).
    based_on: int | None = Field(default=None, ge=0, le=MAX_INT)


class PlanApproveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    # The version the caller read (PlanVersionOut.version): approving a plan someone
    # changed since is refused with 409. Omitted: no check (as a script on the web).
    version: int | None = Field(default=None, ge=1)


class PlanAssumptionsOut(Schema):
    id: int
    line: str
    # The document as the plan editor shows it: YAML without the people the org provides.
    assumptions: str
    version: int


def _versions(request: HttpRequest) -> QuerySet[PlanVersion]:
    """Versions of the lines the caller plans for (the plan pages' rule)."""
    lines = lines_managed_by(user=caller(request)).values("pk")
    return PlanVersion.objects.filter(unit__in=lines).select_related("unit")


@router.post(
    "/plans",
    response={201: PlanVersionDetailOut, **WRITE_ERRORS},
    summary="Save a draft plan version from a plan document",
    tags=["plans"],
)
def create_plan(request: HttpRequest, body: PlanDraftIn) -> Status[PlanVersion]:
    """The next draft version of the line's plan for the document's period."""
    user = caller(request)
    line = lines_managed_by(user=user).filter(code=body.line).first()
    if line is None:
        raise InvalidInput([{"field": "line", "message": _("Not a business line you plan for.")}])
    form = PlanEditorForm({"assumptions": body.assumptions, "note": body.note})
    if not form.is_valid():
        raise invalid(form)
    document = plan_document_for(line=line, assumptions=form.cleaned_data["assumptions"])
    try:
        report = run_document(document)
    except PlanFileError as error:
        raise InvalidInput(
            [
                {
                    "field": f"assumptions.{path}" if path else "assumptions",
                    "message": message.render(_),
                }
                for path, message in error.problems
            ]
        ) from error
    version = through_service(
        lambda: plan_version_save(
            line=line,
            period_label=report.period_label,
            paradigm=report.paradigm,
            assumptions=document,
            result=report_to_dict(report),
            by=user,
            note=form.cleaned_data["note"],
            source=AuditSource.API,
            based_on=body.based_on,
        )
    )
    return Status(201, get_plan(request, version.pk))


@router.get(
    "/plans/{plan_id}/assumptions",
    response={200: PlanAssumptionsOut, **READ_ERRORS},
    summary="A plan version's assumptions, to revise as a new draft",
    tags=["plans"],
)
def get_plan_assumptions(request: HttpRequest, plan_id: int) -> PlanAssumptionsOut:
    version = visible_or_404(_versions(request), plan_id)
    return PlanAssumptionsOut(
        id=version.pk,
        line=version.unit.code,
        assumptions=assumptions_for_editing(version.assumptions),
        version=version.version,
    )


@router.post(
    "/plans/{plan_id}/approve",
    response={200: PlanVersionDetailOut, **WRITE_ERRORS},
    summary="Approve a draft plan version (someone above the line; locks it)",
    tags=["plans"],
)
def approve_plan(request: HttpRequest, plan_id: int, body: PlanApproveIn) -> PlanVersion:
    """The draft becomes the approved plan; the one approved before it is superseded."""
    user = caller(request)
    version = visible_or_404(_versions(request).defer("assumptions", "result"), plan_id)
    if not can_approve(user=user, line=version.unit):
        raise Http404
    through_service(
        lambda: plan_version_approve(
            version=version, by=user, expected_version=body.version, source=AuditSource.API
        )
    )
    return get_plan(request, plan_id)
