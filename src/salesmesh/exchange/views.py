"""Downloads of process data, always scoped to what the signed-in person may see."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from salesmesh.exchange.exports import FORMATS, KINDS, iter_csv, write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_filename(kind: str, fmt: str) -> str:
    return f"{kind}-{timezone.localdate().isoformat()}.{fmt}"


@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> StreamingHttpResponse | FileResponse:
    """``/data/export/<kind>.<csv|xlsx>``: the user's visible rows of that kind, as a file."""
    spec = KINDS.get(kind)
    if spec is None or fmt not in FORMATS:
        raise Http404
    queryset = spec.visible_to(user=request.user)  # type: ignore[arg-type]
    filename = export_filename(kind, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            iter_csv(kind, queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # openpyxl needs a seekable file to zip into; it spills to disk beyond 8 MB.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(kind, queryset, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
