"""The alert list's filters, read from the query string."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesmesh.alerts.models import AlertKind, Severity
from salesmesh.org.models import OrgUnit, User
from salesmesh.org.selectors import units_visible_to

ACKNOWLEDGED_CHOICES = [
    ("", pgettext_lazy("alerts filter", "Any")),
    ("no", _("Not acknowledged")),
    ("yes", _("Acknowledged")),
]
STATE_CHOICES = [
    ("open", pgettext_lazy("alert state", "Open")),
    ("cleared", pgettext_lazy("alert state", "Cleared")),
    ("all", pgettext_lazy("alert state", "All")),
]


class UnitChoiceField(forms.ModelChoiceField[OrgUnit]):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.display_name


class AlertFilterForm(forms.Form):
    """Kind, severity, unit (among those the user sees), acknowledged, open or cleared."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", pgettext_lazy("alerts filter", "Any")), *AlertKind.choices],
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", pgettext_lazy("alerts filter", "Any")), *Severity.choices],
    )
    unit = UnitChoiceField(
        label=_("Org unit"),
        required=False,
        queryset=OrgUnit.objects.none(),
        empty_label=pgettext_lazy("alerts filter", "Any"),
    )
    acknowledged = forms.ChoiceField(
        label=_("Acknowledged"), required=False, choices=ACKNOWLEDGED_CHOICES
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast(UnitChoiceField, self.fields["unit"])
        unit_field.queryset = units_visible_to(user=user).order_by("path")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``alerts_filtered``; an invalid field counts as unset."""
        self.is_valid()  # cleaned_data then holds every field that is valid
        data = self.cleaned_data
        acknowledged = {"yes": True, "no": False}.get(data.get("acknowledged") or "")
        return {
            "kind": data.get("kind") or "",
            "severity": data.get("severity") or "",
            "unit": data.get("unit"),
            "acknowledged": acknowledged,
            "state": data.get("state") or "open",
        }
