"""Admin building blocks shared by the process-data apps.

The admin is one more write path, so records with rules (one owner, stage
history, rollups, dependency graphs) are saved through their services, and
histories written by services are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record only services write (a history, a rollup): listed and shown, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """Saves through the app's services instead of ``Model.save()``.

    Subclasses implement ``service_create`` (all the form's cleaned fields)
    and ``service_update`` (only the fields the user changed). A rule the
    form could not see (the service rechecks under a lock) comes back as a
    message on the form's page, and nothing is saved.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # the admin's own transaction has rolled back
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        model_fields = {field.name for field in obj._meta.get_fields()}
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in model_fields and (not change or name in form.changed_data)
        }
        if change:
            self.service_update(request, obj, data)
            return
        created = self.service_create(request, data)
        # The admin goes on to log and redirect with ``obj``: make it the saved row.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
