"""Forms of the planning pages; they validate input and nothing else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salesmesh.core.advisor import BusinessIndicators
from salesmesh.planfile.loader import PlanFileError, parse_plan_text

MATURITY_CHOICES = [
    (1, _("1 · goal known, path not: the need is found with the customer")),
    (2, _("2 · emerging: a few early adopters can name the need")),
    (3, _("3 · explicit for those who have it; the category is young")),
    (4, _("4 · established: most buyers know the need and budget for it")),
    (5, _("5 · mature: buyers name the need and compare offers")),
]
STANDARDISATION_CHOICES = [
    (1, _("1 · bespoke per customer (consulting, design, development, on-site)")),
    (2, _("2 · mostly bespoke around reusable parts")),
    (3, _("3 · semi-standard: a standard core configured per account")),
    (4, _("4 · a standard product with options")),
    (5, _("5 · off the shelf, the same for everyone")),
]


class AdvisorForm(forms.Form):
    """The three business indicators of a business line (DESIGN.md §1)."""

    addressable_customers = forms.IntegerField(
        label=_("Potential customers (addressable)"), min_value=1, max_value=10**9
    )
    demand_customers = forms.IntegerField(
        label=_("Customers with the need now (demand)"), min_value=0, max_value=10**9
    )
    market_maturity = forms.TypedChoiceField(
        label=_("Market maturity and need explicitness"), choices=MATURITY_CHOICES, coerce=int
    )
    solution_standardisation = forms.TypedChoiceField(
        label=_("Solution standardisation"), choices=STANDARDISATION_CHOICES, coerce=int
    )
    sales_cycle_days = forms.IntegerField(
        label=_("Typical sales cycle (days, optional)"),
        min_value=1,
        max_value=3650,
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        demand, addressable = data.get("demand_customers"), data.get("addressable_customers")
        if demand is not None and addressable is not None and demand > addressable:
            self.add_error(
                "demand_customers",
                _("Cannot exceed the potential customers (%(count)s).") % {"count": addressable},
            )
        return data

    def indicators(self) -> BusinessIndicators:
        """The validated input as the core's dataclass."""
        data = self.cleaned_data
        return BusinessIndicators(
            addressable_customers=data["addressable_customers"],
            demand_customers=data["demand_customers"],
            market_maturity=data["market_maturity"],
            solution_standardisation=data["solution_standardisation"],
            sales_cycle_days=data.get("sales_cycle_days"),
        )


class PlanEditorForm(forms.Form):
    """The plan's assumptions as YAML (docs/plan-file.md); people come from the org."""

    assumptions = forms.CharField(
        label=_("Assumptions (YAML)"),
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}),
        max_length=2_000_000,
    )
    note = forms.CharField(label=_("What changed and why"), required=False, max_length=500)
    # The id of the line's newest plan version when the editor opened (0: none); a
    # version of the same period saved since refuses the save (plan_version_save).
    based_on = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**63 - 1
    )

    def clean_assumptions(self) -> dict[str, Any]:
        try:
            document, _lines = parse_plan_text(self.cleaned_data["assumptions"])
        except PlanFileError as exc:
            raise forms.ValidationError(
                [message.render(gettext) for _path, message in exc.problems]
            ) from exc
        if not isinstance(document, dict):
            raise forms.ValidationError(_("The assumptions must be a mapping of keys to values."))
        return document
