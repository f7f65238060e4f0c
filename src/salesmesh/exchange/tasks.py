"""Checking and importing uploads: in the request when small, by the background worker when large.

The worker (``salesmesh db_worker``) is another process, so the page cannot
see its memory: the run's status lives in the database and the percentage in
Django's cache (file-based, shared by every process on the machine), written
after each chunk of rows and read by the run page's progress partial.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation

from salesmesh.exchange.importer import Progress, run_import
from salesmesh.exchange.models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)

# Long enough to outlive the slowest import; a finished run reads its own row, not the cache.
PROGRESS_TTL_SECONDS = 24 * 60 * 60
RUNNING = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class ProgressState(TypedDict):
    """How far a running check or import has got."""

    percent: int
    rows: int


def progress_key(run_id: object) -> str:
    """The cache key holding one run's progress."""
    return f"salesmesh:import-progress:{run_id}"


def progress_writer(run_id: object) -> Progress:
    """A progress callback for ``run_import`` that publishes to the shared cache."""
    key = progress_key(run_id)

    def publish(fraction: float, rows: int) -> None:
        state: ProgressState = {"percent": max(0, min(100, int(fraction * 100))), "rows": rows}
        cache.set(key, state, PROGRESS_TTL_SECONDS)

    return publish


def progress_of(*, run: ImportRun) -> ProgressState:
    """The latest progress of a run: the cache while it runs, the run row once it stopped."""
    if run.status in RUNNING:
        state: ProgressState | None = cache.get(progress_key(run.pk))
        if state is not None:
            return state
    return {"percent": run.progress, "rows": run.rows}


def import_run_execute(
    *, run_id: str, commit: bool, language: str | None = None
) -> ImportRun | None:
    """Check (or commit) one run, turning any unexpected failure into a failed run."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        # Deleted while it waited in the queue: nothing to do.
        logger.warning("import run %s no longer exists", run_id)
        return None
    # Stored error messages are read by the person who uploaded: write them in their language.
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            return run_import(run=run, commit=commit, progress=progress_writer(run.pk))
        except Exception:
            # The engine reports bad files as errors; reaching here is a bug or an outage.
            logger.exception("import run %s stopped unexpectedly", run_id)
            ImportRun.objects.filter(pk=run_id).update(
                status=ImportStatus.FAILED, finished_at=timezone.now()
            )
            return ImportRun.objects.filter(pk=run_id).first()
        finally:
            cache.delete(progress_key(run_id))


@task
def import_run_task(*, run_id: str, commit: bool, language: str | None = None) -> str:
    """Background job: check or import one stored upload; returns the final status."""
    run = import_run_execute(run_id=run_id, commit=commit, language=language)
    return run.status if run is not None else ""


def import_run_start(*, run: ImportRun, commit: bool) -> bool:
    """Check or import the run now when its file is small, else queue it; True if queued.

    The caller has already moved the run to ``queued`` (that claim stops a double start).
    """
    cache.delete(progress_key(run.pk))
    language = translation.get_language()
    if run.size_bytes <= settings.SALESMESH_IMPORT_INLINE_BYTES:
        import_run_execute(run_id=str(run.pk), commit=commit, language=language)
        run.refresh_from_db()
        return False
    # The worker must find the run's row: enqueue only once it is committed.
    transaction.on_commit(
        lambda: import_run_task.enqueue(run_id=str(run.pk), commit=commit, language=language)
    )
    return True
