"""Create and edit pages of process records; each validates, calls one service, redirects.

A record to edit is looked up through its kind's ``*_visible_to`` selector (a
project's parts through their project's), so out of scope is 404, never 403.
A service's ValidationError is shown on the form's fields, never as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.activities.services import (
    activity_create,
    activity_delete,
    activity_update,
    solution_request_create,
    solution_request_update,
)
from salesmesh.org.models import User
from salesmesh.pipeline.models import Opportunity
from salesmesh.pipeline.selectors import leads_visible_to, opportunities_visible_to
from salesmesh.pipeline.services import (
    lead_create,
    lead_update,
    opportunity_create,
    opportunity_update,
)
from salesmesh.projects.models import Milestone, Project, Resource, StageReview, Stakeholder
from salesmesh.projects.selectors import projects_visible_to
from salesmesh.projects.services import (
    milestone_create,
    milestone_edit,
    project_create,
    project_update,
    resource_create,
    resource_update,
    stage_review_create,
    stage_review_update,
    stakeholder_create,
    stakeholder_update,
)
from salesmesh.records.forms import (
    AccountForm,
    ActivityForm,
    ContactForm,
    LeadForm,
    MilestoneForm,
    OpportunityForm,
    ProjectForm,
    RecordForm,
    ResourceForm,
    SolutionRequestForm,
    StageReviewForm,
    StakeholderForm,
    add_service_errors,
)
from salesmesh.records.selectors import contacts_visible_to
from salesmesh.records.views import new_title

form_methods = require_http_methods(["GET", "POST"])


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: never anonymous here


def _data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _list(kind: str) -> str:
    return reverse("records:list", args=[kind])


def _form_page(
    request: HttpRequest,
    *,
    form: RecordForm,
    save: Callable[[], Model],
    done: Callable[[Any], str],
    back: str,
    title: str | None = None,
    delete: str | None = None,
) -> HttpResponse:
    """Render ``form``; on a valid POST call ``save`` (one service) and go to ``done``.

    ``delete`` is the address of the record's delete confirmation, if it may be deleted.
    """
    if request.method == "POST" and form.is_valid():
        try:
            record = save()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            kind = capfirst(record._meta.verbose_name)
            messages.success(
                request, _("%(kind)s saved: %(record)s") % {"kind": kind, "record": record}
            )
            return redirect(done(record))
    instance = form.instance
    if title is None:
        title = (
            _("Edit %(kind)s: %(record)s")
            % {"kind": instance._meta.verbose_name, "record": instance}
            if instance.pk is not None
            else new_title(type(instance))
        )
    return render(
        request,
        "records/form.html",
        {"form": form, "title": title, "back": back, "delete": delete},
    )


def _account_url(account: Account) -> str:
    return reverse("records:account", args=[account.pk])


# Accounts and contacts ------------------------------------------------------------------


@login_required
@form_methods
def account_new(request: HttpRequest) -> HttpResponse:
    """A new account with its first ownership."""
    user = _user(request)
    form = AccountForm(_data(request), user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: account_create(by=user, **form.cleaned_data),
        done=_account_url,
        back=_list("accounts"),
    )


@login_required
@form_methods
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an account; a new owner is a hand-over recorded in the ownership history."""
    user = _user(request)
    account = get_object_or_404(accounts_visible_to(user=user), pk=pk)
    form = AccountForm(_data(request), instance=account, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: account_update(account=account, by=user, **form.changed()),
        done=_account_url,
        back=_account_url(account),
    )


def _contact_done(contact: Contact) -> str:
    return reverse("records:account", args=[contact.account_id])


@login_required
@form_methods
def contact_new(request: HttpRequest) -> HttpResponse:
    """A new contact of any visible account (from the contact list)."""
    user = _user(request)
    form = ContactForm(_data(request), user=user, with_account=True)
    return _form_page(
        request,
        form=form,
        save=lambda: contact_create(**form.cleaned_data),
        done=_contact_done,
        back=_list("contacts"),
    )


@login_required
@form_methods
def account_contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new contact of one account (the form on the account page posts here)."""
    user = _user(request)
    account = get_object_or_404(accounts_visible_to(user=user), pk=pk)
    form = ContactForm(_data(request), instance=Contact(account=account), user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: contact_create(account=account, **form.cleaned_data),
        done=_contact_done,
        back=_account_url(account),
        title=f"{new_title(Contact)} · {account}",
    )


@login_required
@form_methods
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a contact of a visible account."""
    user = _user(request)
    contact = get_object_or_404(contacts_visible_to(user=user).select_related("account"), pk=pk)
    form = ContactForm(_data(request), instance=contact, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: contact_update(contact=contact, **form.changed()),
        done=_contact_done,
        back=_contact_done(contact),
    )


# Leads and opportunities ----------------------------------------------------------------


@login_required
@form_methods
def lead_new(request: HttpRequest) -> HttpResponse:
    """A new lead."""
    user = _user(request)
    form = LeadForm(_data(request), user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: lead_create(**form.cleaned_data),
        done=lambda lead: _list("leads"),
        back=_list("leads"),
    )


@login_required
@form_methods
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a visible lead (its status, qualification date …)."""
    user = _user(request)
    lead = get_object_or_404(leads_visible_to(user=user), pk=pk)
    form = LeadForm(_data(request), instance=lead, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: lead_update(lead=lead, **form.changed()),
        done=lambda lead: _list("leads"),
        back=_list("leads"),
    )


def _opportunity_url(opportunity: Opportunity) -> str:
    return reverse("records:opportunity", args=[opportunity.pk])


@login_required
@form_methods
def opportunity_new(request: HttpRequest) -> HttpResponse:
    """A new opportunity (``?account=`` preselects the account)."""
    user = _user(request)
    form = OpportunityForm(
        _data(request), user=user, initial={"account": request.GET.get("account")}
    )

    def save() -> Opportunity:
        data = dict(form.cleaned_data)
        if "forecast_category" not in form.changed_data:
            data["forecast_category"] = None  # the service derives it from the stage
        return opportunity_create(by=user, **data)

    return _form_page(
        request, form=form, save=save, done=_opportunity_url, back=_list("opportunities")
    )


@login_required
@form_methods
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a visible opportunity; a new stage is recorded in its stage history."""
    user = _user(request)
    opportunity = get_object_or_404(opportunities_visible_to(user=user), pk=pk)
    form = OpportunityForm(_data(request), instance=opportunity, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: opportunity_update(
            opportunity=opportunity,
            by=user,
            expected_version=form.expected_version(),
            **form.changed(),
        ),
        done=_opportunity_url,
        back=_opportunity_url(opportunity),
    )


# Activities and solution requests -------------------------------------------------------


def _activity_done(activity: Activity) -> str:
    if activity.opportunity_id is not None:
        return reverse("records:opportunity", args=[activity.opportunity_id])
    return _list("activities")


@login_required
@form_methods
def activity_new(request: HttpRequest) -> HttpResponse:
    """Log an activity (``?opportunity=`` preselects the deal); the rollups count it."""
    user = _user(request)
    form = ActivityForm(
        _data(request), user=user, initial={"opportunity": request.GET.get("opportunity")}
    )
    return _form_page(
        request,
        form=form,
        save=lambda: activity_create(**form.cleaned_data),
        done=_activity_done,
        back=_list("activities"),
    )


@login_required
@form_methods
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a visible activity; the rollups move with it."""
    user = _user(request)
    activity = get_object_or_404(activities_visible_to(user=user), pk=pk)
    form = ActivityForm(_data(request), instance=activity, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: activity_update(activity=activity, **form.changed()),
        done=_activity_done,
        back=_list("activities"),
        delete=reverse("records:activity_delete", args=[activity.pk]),
    )


@login_required
@form_methods
def activity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm (GET), then delete a visible activity and uncount it (POST only)."""
    activity = get_object_or_404(
        activities_visible_to(user=_user(request)).select_related("person"), pk=pk
    )
    if request.method == "POST":
        activity_delete(activity=activity)
        messages.success(
            request,
            _("%(kind)s deleted: %(record)s")
            % {"kind": capfirst(Activity._meta.verbose_name), "record": activity},
        )
        return redirect(_list("activities"))
    return render(
        request,
        "records/confirm_delete.html",
        {
            "record": activity,
            "model_meta": Activity._meta,
            "back": reverse("records:activity_edit", args=[activity.pk]),
        },
    )


def _solution_request_url(solution_request: SolutionRequest) -> str:
    return reverse("records:solution_request", args=[solution_request.pk])


@login_required
@form_methods
def solution_request_new(request: HttpRequest) -> HttpResponse:
    """A new presales solution request (``?opportunity=`` preselects the deal)."""
    user = _user(request)
    form = SolutionRequestForm(
        _data(request), user=user, initial={"opportunity": request.GET.get("opportunity")}
    )
    return _form_page(
        request,
        form=form,
        save=lambda: solution_request_create(**form.cleaned_data),
        done=_solution_request_url,
        back=_list("solution_requests"),
    )


@login_required
@form_methods
def solution_request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next steps of a visible solution request."""
    user = _user(request)
    solution_request = get_object_or_404(solution_requests_visible_to(user=user), pk=pk)
    form = SolutionRequestForm(_data(request), instance=solution_request, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: solution_request_update(solution_request=solution_request, **form.changed()),
        done=_solution_request_url,
        back=_solution_request_url(solution_request),
    )


# Projects and their parts ---------------------------------------------------------------


def _project_url(project: Project) -> str:
    return reverse("records:project", args=[project.pk])


def _part_done(part: Milestone | Stakeholder | StageReview | Resource) -> str:
    project_id = part.milestone.project_id if isinstance(part, Resource) else part.project_id
    return reverse("records:project", args=[project_id])


@login_required
@form_methods
def project_new(request: HttpRequest) -> HttpResponse:
    """A new project with an account of its business line."""
    user = _user(request)
    form = ProjectForm(_data(request), user=user, initial={"account": request.GET.get("account")})
    return _form_page(
        request,
        form=form,
        save=lambda: project_create(**form.cleaned_data),
        done=_project_url,
        back=_list("projects"),
    )


@login_required
@form_methods
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a visible project."""
    user = _user(request)
    project = get_object_or_404(projects_visible_to(user=user), pk=pk)
    form = ProjectForm(_data(request), instance=project, user=user)
    return _form_page(
        request,
        form=form,
        save=lambda: project_update(project=project, **form.changed()),
        done=_project_url,
        back=_project_url(project),
    )


def _visible_project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(projects_visible_to(user=_user(request)), pk=pk)


def _visible_part(request: HttpRequest, model: type[Any], pk: int, via: str) -> Any:
    """A part of a visible project (``via`` is the path from the part to its project)."""
    visible = projects_visible_to(user=_user(request)).values("pk")
    return get_object_or_404(
        model.objects.filter(**{f"{via}__in": visible}).select_related(via), pk=pk
    )


@login_required
@form_methods
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new milestone of a visible project, with what it depends on."""
    project = _visible_project(request, pk)
    form = MilestoneForm(
        _data(request), instance=Milestone(project=project), project=project, user=_user(request)
    )
    return _form_page(
        request,
        form=form,
        save=lambda: milestone_create(project=project, **form.cleaned_data),
        done=_part_done,
        back=_project_url(project),
        title=f"{new_title(Milestone)} · {project}",
    )


@login_required
@form_methods
def milestone_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a milestone and its dependencies together (all or nothing)."""
    milestone = _visible_part(request, Milestone, pk, "project")
    user = _user(request)
    form = MilestoneForm(_data(request), instance=milestone, project=milestone.project, user=user)

    def save() -> Milestone:
        fields = form.changed()
        depends_on = fields.pop("depends_on", None)
        return milestone_edit(
            milestone=milestone,
            depends_on=depends_on,
            by=user,
            expected_version=form.expected_version(),
            **fields,
        )

    return _form_page(
        request, form=form, save=save, done=_part_done, back=_project_url(milestone.project)
    )


@login_required
@form_methods
def stakeholder_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new stakeholder of a visible project."""
    project = _visible_project(request, pk)
    form = StakeholderForm(
        _data(request), instance=Stakeholder(project=project), project=project, user=_user(request)
    )
    return _form_page(
        request,
        form=form,
        save=lambda: stakeholder_create(project=project, **form.cleaned_data),
        done=_part_done,
        back=_project_url(project),
        title=f"{new_title(Stakeholder)} · {project}",
    )


@login_required
@form_methods
def stakeholder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a stakeholder of a visible project."""
    stakeholder = _visible_part(request, Stakeholder, pk, "project")
    form = StakeholderForm(
        _data(request), instance=stakeholder, project=stakeholder.project, user=_user(request)
    )
    return _form_page(
        request,
        form=form,
        save=lambda: stakeholder_update(stakeholder=stakeholder, **form.changed()),
        done=_part_done,
        back=_project_url(stakeholder.project),
    )


@login_required
@form_methods
def resource_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new resource for a milestone of a visible project."""
    project = _visible_project(request, pk)
    form = ResourceForm(_data(request), project=project, user=_user(request))
    return _form_page(
        request,
        form=form,
        save=lambda: resource_create(**form.cleaned_data),
        done=_part_done,
        back=_project_url(project),
        title=f"{new_title(Resource)} · {project}",
    )


@login_required
@form_methods
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a resource of a visible project."""
    resource = _visible_part(request, Resource, pk, "milestone__project")
    project = resource.milestone.project
    form = ResourceForm(_data(request), instance=resource, project=project, user=_user(request))
    return _form_page(
        request,
        form=form,
        save=lambda: resource_update(resource=resource, **form.changed()),
        done=_part_done,
        back=_project_url(project),
    )


@login_required
@form_methods
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new stage review of a visible project."""
    project = _visible_project(request, pk)
    form = StageReviewForm(
        _data(request), instance=StageReview(project=project), project=project, user=_user(request)
    )
    return _form_page(
        request,
        form=form,
        save=lambda: stage_review_create(project=project, **form.cleaned_data),
        done=_part_done,
        back=_project_url(project),
        title=f"{new_title(StageReview)} · {project}",
    )


@login_required
@form_methods
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a stage review of a visible project."""
    review = _visible_part(request, StageReview, pk, "project")
    form = StageReviewForm(
        _data(request), instance=review, project=review.project, user=_user(request)
    )
    return _form_page(
        request,
        form=form,
        save=lambda: stage_review_update(review=review, **form.changed()),
        done=_part_done,
        back=_project_url(review.project),
    )
