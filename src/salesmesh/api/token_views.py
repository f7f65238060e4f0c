"""The personal API token page: create (the secret shown once), list and revoke one's own."""

from __future__ import annotations

from datetime import datetime, time
from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from salesmesh.api.tokens import token_issue, token_revoke, tokens_of
from salesmesh.org.models import User


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. the script that uses it."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Optional: the token stops working at the start of this day."),
    )

    def clean_expires_on(self) -> object:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        return day


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the page is behind the login


@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The caller's tokens; a POST creates one and shows its secret on this response only."""
    user = _user(request)
    secret = None
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires = (
            timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
            if day
            else None
        )
        issued = token_issue(owner=user, name=form.cleaned_data["name"], expires_at=expires)
        secret = issued.secret
        form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": list(tokens_of(user=user)), "secret": secret},
    )
    response["Cache-Control"] = "no-store"  # the secret must not be kept by any cache
    return response


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the caller's own tokens (anyone else's is a 404)."""
    token = get_object_or_404(tokens_of(user=_user(request)), pk=pk)
    token_revoke(token=token)
    messages.success(request, _("Token revoked: %(name)s") % {"name": token.name})
    return redirect("api:tokens")
