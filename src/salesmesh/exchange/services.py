"""Writes of imports: store an upload as a run, claim a run for work, save a mapping preset."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from salesmesh.exchange.models import ImportPreset, ImportRun, ImportStatus
from salesmesh.org.models import User
from salesmesh.org.selectors import user_is_admin


def _store_upload(*, upload: UploadedFile[bytes], run_id: uuid.UUID) -> Path:
    """Save the upload under the import directory, whole or not at all."""
    directory = Path(settings.SALESMESH_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name or "").suffix.lower()
    target = directory / f"{run_id}{suffix}"
    partial = directory / f".{run_id}{suffix}.part"
    try:
        with partial.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        # A reader (the worker) sees no file or the complete file, never half of one.
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def import_run_create(
    *,
    user: User,
    kind: str,
    upload: UploadedFile[bytes],
    preset: ImportPreset | None,
    create_missing: bool = False,
) -> ImportRun:
    """Store the upload and record a queued run for it."""
    run = ImportRun(
        kind=kind,
        create_missing=create_missing,
        filename=Path(upload.name or "").name[:255],
        size_bytes=upload.size or 0,
        mapping=dict(preset.mapping) if preset is not None else {},
        created_by=user,
        status=ImportStatus.QUEUED,
    )
    path = _store_upload(upload=upload, run_id=run.pk)
    run.stored_path = str(path)
    try:
        run.save(force_insert=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return run


def import_run_claim(*, run: ImportRun, allowed: tuple[str, ...]) -> bool:
    """Move the run to ``queued`` if it is in an allowed status; False if someone was first."""
    claimed = ImportRun.objects.filter(pk=run.pk, status__in=allowed).update(
        status=ImportStatus.QUEUED, progress=0
    )
    if claimed:
        run.status, run.progress = ImportStatus.QUEUED, 0
    return bool(claimed)


@transaction.atomic
def import_preset_save(
    *, user: User, kind: str, name: str, mapping: dict[str, Any]
) -> ImportPreset | None:
    """Create the named preset, or update it if the user made it; None if it is someone else's."""
    preset = ImportPreset.objects.select_for_update().filter(kind=kind, name=name).first()
    if preset is None:
        try:
            with transaction.atomic():
                return ImportPreset.objects.create(
                    kind=kind, name=name, mapping=mapping, created_by=user
                )
        except IntegrityError:
            # Someone saved the same name a moment ago; theirs stands.
            return None
    if preset.created_by_id != user.pk and not user_is_admin(user=user):
        return None
    preset.mapping = mapping
    preset.save(update_fields=["mapping", "updated_at"])
    return preset
