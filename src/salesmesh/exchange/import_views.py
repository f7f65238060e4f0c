"""Import pages: upload a file, check it, fix the mapping, import it, see what it changed.

Every run is private to the person who uploaded it (administrators may look,
but only the uploader acts on it): anyone else gets 404, exactly as if the run
did not exist. Small files are checked and imported inside the request; large
ones go to the background worker and the run page polls their progress.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salesmesh.exchange.forms import ImportUploadForm, MappingForm
from salesmesh.exchange.import_fields import import_spec
from salesmesh.exchange.models import (
    ImportChange,
    ImportKind,
    ImportRun,
    ImportStatus,
)
from salesmesh.exchange.selectors import import_runs_visible_to
from salesmesh.exchange.services import import_preset_save, import_run_claim, import_run_create
from salesmesh.exchange.tasks import RUNNING, import_run_start, progress_of
from salesmesh.org.models import User
from salesmesh.org.selectors import user_is_admin

PAGE_SIZE = 50
# A run may be checked again while its file still waits on disk and nothing runs it.
RECHECKABLE = (ImportStatus.VALID, ImportStatus.INVALID, ImportStatus.FAILED)
# Where a changed record of each kind can be opened; the other kinds have no page of their own.
RECORD_URLS = {
    ImportKind.ACCOUNTS: "records:account",
    ImportKind.OPPORTUNITIES: "records:opportunity",
}
# The record list that shows what a run of each kind created (contacts live on their accounts).
RECORD_LISTS = {
    ImportKind.ACCOUNTS: "accounts",
    ImportKind.CONTACTS: "accounts",
    ImportKind.LEADS: "leads",
    ImportKind.OPPORTUNITIES: "opportunities",
    ImportKind.STAGE_HISTORY: "opportunities",
    ImportKind.ACTIVITIES: "activities",
}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them away
        raise Http404
    return user


def _run_or_404(request: HttpRequest, pk: uuid.UUID, *, acting: bool = False) -> ImportRun:
    run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk)
    user = _user(request)
    if run.created_by_id == user.pk:
        return run
    # Administrators may look at anyone's run, but the file is imported with its
    # uploader's scope, so only the uploader changes it. Others never learn it exists.
    if not acting and user_is_admin(user=user):
        return run
    raise Http404


def _changes_page(request: HttpRequest, run: ImportRun) -> tuple[Page[ImportChange], list[Any]]:
    """One page of the records the run changed: each with its address and (field, old, new)."""
    changes = ImportChange.objects.filter(run=run).order_by("pk")
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    url_name = RECORD_URLS.get(ImportKind(run.kind))
    labels = {field.key: field.label for field in import_spec(run.kind).fields}
    rows = [
        (
            change,
            reverse(url_name, args=[change.record_id]) if url_name else "",
            [(labels.get(name, name), *values) for name, values in change.changes.items()],
        )
        for change in page.object_list
    ]
    return page, rows


def _mapping_form(run: ImportRun, data: Any = None) -> MappingForm | None:
    if not run.headers or run.status not in RECHECKABLE:
        return None
    return MappingForm(
        data, spec=import_spec(run.kind), headers=list(run.headers), mapping=run.mapping or {}
    )


def _render_run(
    request: HttpRequest, run: ImportRun, *, form: MappingForm | None = None, status: int = 200
) -> HttpResponse:
    acting = run.created_by_id == _user(request).pk
    context: dict[str, Any] = {
        "run": run,
        "acting": acting,
        "running": run.status in RUNNING,
        "progress": progress_of(run=run),
        "form": (form or _mapping_form(run)) if acting else None,
        "more_errors": max(run.error_count - len(run.errors), 0),
    }
    if run.status == ImportStatus.DONE:
        context["changes"], context["change_rows"] = _changes_page(request, run)
        context["records_list_url"] = reverse(
            "records:list", args=[RECORD_LISTS[ImportKind(run.kind)]]
        )
    return render(request, "exchange/import_run.html", context, status=status)


# Views ------------------------------------------------------------------------


def import_upload(request: HttpRequest) -> HttpResponse:
    """``/data/import/``: choose the kind and the file; the file is checked before anything else."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = import_run_create(
                user=_user(request),
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                preset=form.cleaned_data["preset"],
                create_missing=form.cleaned_data["create_missing"],
            )
            if import_run_start(run=run, commit=False):
                messages.info(
                    request, _("The file is large: it is being checked in the background.")
                )
            return redirect("exchange:import_run", pk=run.pk)
        status = 400
    else:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind", "")})
        status = 200
    return render(request, "exchange/import_upload.html", {"form": form}, status=status)


@require_GET
def import_run_list(request: HttpRequest) -> HttpResponse:
    """``/data/imports/``: the runs the user may see, newest first."""
    user = _user(request)
    page = Paginator(import_runs_visible_to(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/import_list.html",
        {"page": page, "show_uploader": user_is_admin(user=user)},
    )


@require_GET
def import_run_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One run: its progress while it runs, then its counts, mapping and errors or changes."""
    return _render_run(request, _run_or_404(request, pk))


@require_GET
def import_run_progress(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The progress partial the run page polls; once the run stops, the page reloads itself."""
    run = _run_or_404(request, pk)
    running = run.status in RUNNING
    response = render(
        request,
        "exchange/partials/import_progress.html",
        {"run": run, "running": running, "progress": progress_of(run=run)},
    )
    if not running and request.headers.get("HX-Request"):
        # The finished page differs too much to patch in: let htmx load it whole.
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_run_mapping(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Save the edited mapping on the run and check again, or save it as a named preset too."""
    run = _run_or_404(request, pk, acting=True)
    form = _mapping_form(run, request.POST)
    if form is None:
        messages.error(request, _("This import can no longer be changed."))
        return redirect("exchange:import_run", pk=run.pk)
    if not form.is_valid():
        return _render_run(request, run, form=form, status=400)
    mapping = form.cleaned_data["mapping"]
    if "save_preset" in request.POST:
        name = form.cleaned_data["preset_name"].strip()
        if not name:
            form.add_error("preset_name", _("Give the preset a name."))
            return _render_run(request, run, form=form, status=400)
        preset = import_preset_save(user=_user(request), kind=run.kind, name=name, mapping=mapping)
        if preset is None:
            form.add_error(
                "preset_name", _("Someone else has a preset of this name; choose another.")
            )
            return _render_run(request, run, form=form, status=400)
        messages.success(request, _("Saved the mapping as “%(name)s”.") % {"name": name})
        if mapping == run.mapping:
            # Already checked with exactly this mapping: no need to read the file again.
            return redirect("exchange:import_run", pk=run.pk)
    if not Path(run.stored_path).is_file() or not import_run_claim(run=run, allowed=RECHECKABLE):
        messages.error(request, _("This import can no longer be changed."))
        return redirect("exchange:import_run", pk=run.pk)
    ImportRun.objects.filter(pk=run.pk).update(mapping=mapping)
    run.mapping = mapping
    import_run_start(run=run, commit=False)
    return redirect("exchange:import_run", pk=run.pk)


@require_POST
def import_run_commit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Import a checked file: all of it or nothing, with what each record had before."""
    run = _run_or_404(request, pk, acting=True)
    if not Path(run.stored_path).is_file() or not import_run_claim(
        run=run, allowed=(ImportStatus.VALID,)
    ):
        messages.error(request, _("Only a checked file without errors can be imported, once."))
        return redirect("exchange:import_run", pk=run.pk)
    if import_run_start(run=run, commit=True):
        messages.info(request, _("The file is large: it is being imported in the background."))
    return redirect("exchange:import_run", pk=run.pk)
