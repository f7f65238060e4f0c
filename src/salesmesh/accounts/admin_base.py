"""Admin building blocks shared by the process-data apps.

The admin is one more write path, so records with rules (one owner, stage
history, rollups, dependency graphs) are saved through their services, and
histories written by services are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

# The hidden field carrying the version the change form was opened at.
EXPECTED_VERSION = "expected_version"


def _is_locked(model: type[Model]) -> bool:
    """Whether the model is optimistically locked (has the audit app's ``version`` column)."""
    try:
        model._meta.get_field("version")
    except FieldDoesNotExist:
        return False
    return True


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

    A locked model (one with a ``version``) carries the version the form was opened at in
    a hidden field, and the service refuses the save when someone has changed the record
    since: the page reloads with the message, as in the app (audit.locking).
    """

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        if obj is not None and _is_locked(self.model):
            # Declared on the base form, so the admin's field list may name it.
            base = kwargs.get("form", self.form)
            kwargs["form"] = type(
                base.__name__,
                (base,),
                {
                    EXPECTED_VERSION: forms.IntegerField(
                        widget=forms.HiddenInput, required=False, initial=obj.version
                    )
                },
            )
        return super().get_form(request, obj, change=change, **kwargs)

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
            expected = form.cleaned_data.get(EXPECTED_VERSION)
            if expected is not None:
                data[EXPECTED_VERSION] = expected
            self.service_update(request, obj, data)
            return
        created = self.service_create(request, data)
        # The admin goes on to log and redirect with ``obj``: make it the saved row.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
