"""The advisor's thresholds read from configuration (a JSON/YAML mapping).

Only what differs from the documented defaults needs to be given, e.g.::

    {"demand_customers": [30, 300, 3000],
     "weights": {"sales_cycle_days": 0},
     "close_call_margin": 8}

Anchors are ``[project, behaviour, probability]`` (or a mapping with those
keys). Every problem is reported at once with its path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from salesmesh.core.advisor import (
    AdvisorError,
    AdvisorThresholds,
    Bands,
    Factor,
    FactorWeights,
    threshold_problems,
)
from salesmesh.core.i18n import Message, gettext_noop

BAND_KEYS = ("project", "behaviour", "probability")
SCALAR_KEYS = ("close_call_margin", "contradiction_level")


def thresholds_from_mapping(data: Mapping[str, Any], path: str = "advisor") -> AdvisorThresholds:
    """Defaults overridden by ``data``; raise ``AdvisorError`` listing every problem."""
    problems: list[tuple[str, Message]] = []
    known = {factor.value for factor in Factor} | {"weights", *SCALAR_KEYS}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}"
        if key not in known:
            problems.append((where, Message(gettext_noop("unknown setting"))))
        elif key == "weights":
            weights = _weights(value, where, problems)
            if weights is not None:
                changes["weights"] = weights
        elif key in SCALAR_KEYS:
            number = _number(value, where, problems)
            if number is not None:
                changes[key] = number
        else:
            bands = _bands(value, where, problems)
            if bands is not None:
                changes[key] = bands
    thresholds = dataclasses.replace(AdvisorThresholds(), **changes)
    if not problems:
        problems.extend(threshold_problems(thresholds, path))
    if problems:
        raise AdvisorError(problems)
    return thresholds


def _number(value: object, where: str, problems: list[tuple[str, Message]]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append((where, Message(gettext_noop("must be a number"))))
        return None
    try:
        return float(value)
    except ValueError:
        problems.append((where, Message(gettext_noop("must be a number"))))
        return None


def _bands(value: object, where: str, problems: list[tuple[str, Message]]) -> Bands | None:
    if isinstance(value, Mapping):
        missing = [key for key in BAND_KEYS if key not in value]
        if missing or set(value) - set(BAND_KEYS):
            problems.append(
                (
                    where,
                    Message(gettext_noop("give the anchors as project, behaviour and probability")),
                )
            )
            return None
        items = [value[key] for key in BAND_KEYS]
    elif isinstance(value, list | tuple) and len(value) == len(BAND_KEYS):
        items = list(value)
    else:
        problems.append(
            (where, Message(gettext_noop("give three anchors: [project, behaviour, probability]")))
        )
        return None
    numbers = [_number(item, f"{where}[{i}]", problems) for i, item in enumerate(items)]
    if any(number is None for number in numbers):
        return None
    project, behaviour, probability = (float(n) for n in numbers if n is not None)
    return Bands(project, behaviour, probability)


def _weights(
    value: object, where: str, problems: list[tuple[str, Message]]
) -> FactorWeights | None:
    if not isinstance(value, Mapping):
        problems.append((where, Message(gettext_noop("must map factors to weights"))))
        return None
    changes: dict[str, float] = {}
    for key, weight in value.items():
        if key not in {factor.value for factor in Factor}:
            problems.append((f"{where}.{key}", Message(gettext_noop("unknown factor"))))
            continue
        number = _number(weight, f"{where}.{key}", problems)
        if number is not None:
            changes[str(key)] = number
    return dataclasses.replace(FactorWeights(), **changes)
