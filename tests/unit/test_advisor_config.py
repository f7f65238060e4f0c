"""Advisor thresholds from configuration: overrides apply, mistakes are listed with paths."""

import pytest

from salesmesh.core.advisor import (
    AdvisorError,
    AdvisorThresholds,
    Bands,
    BusinessIndicators,
    advise,
)
from salesmesh.core.advisor_config import thresholds_from_mapping


def test_empty_configuration_is_the_documented_defaults():
    assert thresholds_from_mapping({}) == AdvisorThresholds()


def test_overrides_replace_only_what_they_name():
    thresholds = thresholds_from_mapping(
        {
            "demand_customers": [30, 300, 3000],
            "market_maturity": {"project": 1, "behaviour": 2, "probability": 4},
            "weights": {"sales_cycle_days": 0},
            "close_call_margin": 8,
        }
    )
    assert thresholds.demand_customers == Bands(30, 300, 3000)
    assert thresholds.market_maturity == Bands(1, 2, 4)
    assert thresholds.weights.sales_cycle_days == 0
    assert thresholds.weights.demand_customers == AdvisorThresholds().weights.demand_customers
    assert thresholds.close_call_margin == 8


def test_a_higher_demand_anchor_moves_a_borderline_line_away_from_probability():
    line = BusinessIndicators(5000, 1500, 4, 4)
    default = advise(line)
    stricter = advise(line, thresholds_from_mapping({"demand_customers": [200, 2000, 20000]}))
    assert stricter.scores.probability < default.scores.probability


def test_every_mistake_is_reported_with_its_path():
    with pytest.raises(AdvisorError) as excinfo:
        thresholds_from_mapping(
            {
                "demand_customer": [1, 2, 3],
                "market_maturity": [1, 2],
                "weights": {"maturity": 1, "demand_customers": "x"},
                "close_call_margin": True,
            }
        )
    paths = [path for path, _message in excinfo.value.problems]
    assert paths == [
        "advisor.demand_customer",
        "advisor.market_maturity",
        "advisor.weights.maturity",
        "advisor.weights.demand_customers",
        "advisor.close_call_margin",
    ]


def test_anchors_out_of_order_are_refused_by_the_core_rules():
    with pytest.raises(AdvisorError) as excinfo:
        thresholds_from_mapping({"demand_customers": [2000, 200, 20]})
    assert excinfo.value.problems[0][0].startswith("advisor.demand_customers")
