"""Forms of the import pages: the upload, and the column mapping of a checked file.

They validate input and nothing else; the import engine decides what a row means.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from salesmesh.exchange.import_fields import ImportSpec
from salesmesh.exchange.mapping import MappingError, auto_mapping, mapping_from_data
from salesmesh.exchange.models import ImportKind, ImportPreset
from salesmesh.exchange.parsing import DateOrder

UPLOAD_SUFFIXES = (".csv", ".xlsx")
DATE_ORDER_CHOICES = [
    ("", _("automatic (an ambiguous date is an error)")),
    (DateOrder.YMD, _("year, month, day")),
    (DateOrder.DMY, _("day, month, year")),
    (DateOrder.MDY, _("month, day, year")),
]
# Presets are few; a name is how people tell them apart.
PRESET_NAME_MAX = 100


def megabytes(size: int) -> str:
    """A byte count as megabytes with one decimal, as the size messages show it."""
    return f"{size / (1024 * 1024):.1f}"


class ImportUploadForm(forms.Form):
    """What to import: the kind of records, the file and optionally a saved mapping."""

    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    preset = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ImportPreset.objects.order_by("kind", "name"),
        required=False,
        empty_label=_("automatic, from the headers"),
    )
    create_missing = forms.BooleanField(
        label=_("Create accounts the file names that do not exist yet"),
        help_text=_(
            "Otherwise an unknown account is reported as an error. New accounts belong to "
            "the row's owner, or to you."
        ),
        required=False,
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        # Refused before anything is stored: the size Django counted while receiving it.
        limit = settings.SALESMESH_IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(limit)s MB."),
                code="too_large",
                params={"size": megabytes(upload.size), "limit": megabytes(limit)},
            )
        if Path(upload.name or "").suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(
                _("Upload a CSV file or an Excel workbook (.xlsx)."), code="file_type"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset: ImportPreset | None = data.get("preset")
        if preset is not None and data.get("kind") and preset.kind != data["kind"]:
            self.add_error(
                "preset",
                _("This mapping is for %(kind)s; choose one for the kind you import.")
                % {"kind": ImportKind(preset.kind).label},
            )
        return data


class MappingForm(forms.Form):
    """Which field each header of the checked file feeds, the date order, a preset name.

    The fields are named by column position (``col_0``…): headers are the
    file's own words and the server keeps them, so only the choices travel.
    """

    def __init__(
        self,
        *args: Any,
        spec: ImportSpec,
        headers: list[str],
        mapping: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.headers = headers
        self.stored = mapping
        try:
            proposed = mapping_from_data(spec, headers, mapping or None)
        except MappingError:
            # A preset from an older file may name fields no more: start from the headers.
            proposed = auto_mapping(spec, headers)
        choices: list[tuple[str, str]] = [("", str(_("(ignore)")))]
        for field in spec.fields:
            label = f"{field.label} *" if field.required else str(field.label)
            choices.append((field.key, label))
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(no header)"),
                choices=choices,
                required=False,
                initial=proposed.columns.get(header, ""),
            )
        self.fields["date_order"] = forms.ChoiceField(
            label=_("Dates written as"),
            choices=DATE_ORDER_CHOICES,
            required=False,
            initial=proposed.date_order or "",
        )
        self.fields["preset_name"] = forms.CharField(
            label=_("Preset name"), max_length=PRESET_NAME_MAX, required=False
        )

    def column_fields(self) -> list[tuple[str, forms.BoundField]]:
        """Each header with its select, in file order (for the mapping table)."""
        return [(header, self[f"col_{index}"]) for index, header in enumerate(self.headers)]

    def required_fields(self) -> list[tuple[str, bool]]:
        """The kind's required fields by label, and whether a column feeds each now."""
        chosen = {self[f"col_{index}"].value() for index in range(len(self.headers))}
        return [(str(f.label), f.key in chosen) for f in self.spec.fields if f.required]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        columns = {
            header: data.get(f"col_{index}") or "" for index, header in enumerate(self.headers)
        }
        mapping: dict[str, Any] = {"columns": columns}
        # Value words come from a preset or the CLI; the page does not edit them, so keep them.
        if self.stored.get("values"):
            mapping["values"] = self.stored["values"]
        if data.get("date_order"):
            mapping["date_order"] = data["date_order"]
        try:
            mapping_from_data(self.spec, self.headers, mapping)
        except MappingError as error:
            raise forms.ValidationError(str(error), code="mapping") from error
        data["mapping"] = mapping
        return data
