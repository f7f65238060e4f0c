"""GET /healthz: open to monitors without a login; says only which check failed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from salesmesh.ops.health import check_health


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with every check ``ok``, or 503 naming the failing one (no versions, no errors)."""
    health = check_health()
    return JsonResponse(health.as_dict(), status=200 if health.healthy else 503)
