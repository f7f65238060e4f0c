"""The plan document: the header every plan has, and one paradigm section.

A plan document has a common header (version, paradigm, name, period, target …) and
exactly one paradigm section named like the paradigm (``probability:``, ``behaviour:``
or ``project:``, see ``sections``), and optionally ``allocation:`` (the target over the
org tree, see ``schema_allocation``); docs/plan-file.md describes every key. Unknown keys
are errors: a typo must not silently fall back to a default. ``PLAN_DOCUMENT`` validates
a mapping into the subclass its ``paradigm`` names.

The models check each value on its own (types, ranges, choices, the period label, the
seasonality of the period's months); rules that relate several values (probabilities
summing to 1, lags, owners, cyclic milestones) are the core planners', which the loader
runs and reports with the same paths. Numbers are exact Decimals (see ``amounts``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationInfo
from pydantic import field_validator as _field_validator

from salesmesh.core.allocation import Seasonality
from salesmesh.core.calendar import CalendarError, FiscalCalendar, Grain, Period, WorkCalendar
from salesmesh.core.i18n import gettext_noop
from salesmesh.planfile.schema_allocation import AllocationSpec
from salesmesh.planfile.sections import (
    AdvisorSpec,
    BehaviourSection,
    ProbabilitySection,
    ProjectSection,
)
from salesmesh.planfile.values import (
    Money,
    Month,
    NonNegative,
    OptionalText,
    SpecModel,
    Text,
    check_version,
    fail,
)

__all__ = [
    "PARADIGMS",
    "PLAN_DOCUMENT",
    "AdvisorSpec",
    "AllocationSpec",
    "BehaviourPlanDocument",
    "BehaviourSection",
    "PlanDocument",
    "PlanHeader",
    "ProbabilityPlanDocument",
    "ProbabilitySection",
    "ProjectPlanDocument",
    "ProjectSection",
]

PARADIGMS = ("probability", "behaviour", "project")


# -- the document -----------------------------------------------------------------------------


class PlanDocument(SpecModel):
    """The header every plan has; a loaded document is one of the three subclasses."""

    version: Annotated[int, BeforeValidator(check_version)]
    paradigm: str
    name: Text
    description: OptionalText = ""
    # Declared before ``period``: the period label is read with this fiscal calendar.
    fiscal_year_start_month: Month = 1
    period: str
    country: str = "CN"
    currency: str = "CNY"
    target: Money
    seasonality: dict[Month, NonNegative] | None = None
    advisor: AdvisorSpec | None = None
    # Optional for every paradigm: the target over the line's teams and people.
    allocation: AllocationSpec | None = None

    @_field_validator("period", mode="before")
    @classmethod
    def _check_period(cls, value: object, info: ValidationInfo) -> str:
        """A week or longer period label, returned in its canonical form."""
        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"FY{value}"  # ``period: 2026`` means the fiscal year.
        if not isinstance(value, str):
            raise fail(gettext_noop("must be a text"))
        fiscal = FiscalCalendar(info.data.get("fiscal_year_start_month", 1))
        try:
            period = fiscal.parse(value.strip().upper())
        except CalendarError:
            raise fail(
                gettext_noop(
                    "%(value)s is not a period label; write e.g. FY2026, FY2026-Q1, 2026-03 or "
                    "2026-W10"
                ),
                value=repr(value),
            ) from None
        if period.grain is Grain.DAY:
            raise fail(gettext_noop("must be a week or longer, not a single day"))
        return period.label

    @_field_validator("country", mode="before")
    @classmethod
    def _check_country(cls, value: object) -> str:
        """A country the holidays library has a calendar for."""
        if not isinstance(value, str):
            raise fail(gettext_noop("must be a text"))
        try:
            return WorkCalendar(value).country
        except CalendarError:
            raise fail(
                gettext_noop(
                    "unknown country %(country)s; use an ISO 3166 code such as CN, HK or US"
                ),
                country=repr(value),
            ) from None

    @_field_validator("currency", mode="before")
    @classmethod
    def _check_currency(cls, value: object) -> str:
        """A three-letter currency code (shown as the unit of amounts)."""
        if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
            return value.strip().upper()
        raise fail(gettext_noop("must be a three-letter currency code such as CNY"))

    @_field_validator("seasonality")
    @classmethod
    def _check_seasonality(
        cls, value: dict[int, Decimal] | None, info: ValidationInfo
    ) -> dict[int, Decimal] | None:
        """Every month the period touches needs a weight (a forgotten month is not 0)."""
        label = info.data.get("period")
        if value is None or label is None:
            return value
        fiscal = FiscalCalendar(info.data.get("fiscal_year_start_month", 1))
        period = fiscal.parse(label)
        months = _months_of(period)
        missing = [month for month in months if month not in value]
        if missing:
            raise fail(
                gettext_noop("needs a weight for every month of %(period)s; missing: %(months)s"),
                period=label,
                months=", ".join(str(m) for m in missing),
            )
        if not any(value[month] for month in months):
            raise fail(gettext_noop("the months of %(period)s must not all weigh 0"), period=label)
        return dict(sorted(value.items()))

    @property
    def period_label(self) -> str:
        """The period's canonical label (FY2026, FY2026-Q1, 2026-03, 2026-W10)."""
        return self.period

    @property
    def fiscal_calendar(self) -> FiscalCalendar:
        """The fiscal calendar the period is read with."""
        return FiscalCalendar(self.fiscal_year_start_month)

    @property
    def plan_period(self) -> Period:
        """The target period."""
        return self.fiscal_calendar.parse(self.period)

    def work_calendar(self) -> WorkCalendar:
        """A working-day calendar of the document's country (holidays and make-up days)."""
        return WorkCalendar(self.country)

    @property
    def seasonality_curve(self) -> Seasonality:
        """The monthly weights for the target breakdown (flat without ``seasonality``)."""
        if self.seasonality is None:
            return Seasonality()
        return Seasonality.from_months(self.seasonality)


def _months_of(period: Period) -> list[int]:
    """Calendar month numbers the period touches, in order, without repeats."""
    months: list[int] = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return list(dict.fromkeys(months))


class ProbabilityPlanDocument(PlanDocument):
    """A plan of the probability paradigm."""

    paradigm: Literal["probability"]
    probability: ProbabilitySection


class BehaviourPlanDocument(PlanDocument):
    """A plan of the behaviour paradigm."""

    paradigm: Literal["behaviour"]
    behaviour: BehaviourSection


class ProjectPlanDocument(PlanDocument):
    """A plan of the project paradigm."""

    paradigm: Literal["project"]
    project: ProjectSection


class PlanHeader(PlanDocument):
    """The header alone, to report its problems when the paradigm cannot be told."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    paradigm: str = ""


AnyPlanDocument = Annotated[
    ProbabilityPlanDocument | BehaviourPlanDocument | ProjectPlanDocument,
    Field(discriminator="paradigm"),
]
# Validates a mapping into the document class its ``paradigm`` names.
PLAN_DOCUMENT: TypeAdapter[
    ProbabilityPlanDocument | BehaviourPlanDocument | ProjectPlanDocument
] = TypeAdapter(AnyPlanDocument)
