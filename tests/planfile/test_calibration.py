"""A probability plan file calibrates the rep capability model from history when it has enough."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

from salesmesh.core.probability import CapabilityModel
from salesmesh.planfile.loader import load_plan_data
from salesmesh.planfile.runner import run_plan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "probability-smb.yaml"


def history(reps: int) -> list[dict[str, object]]:
    """Conversions generated from known weights a=0.4, b=0.2, c=0.3 around a 10% reference."""
    rows = []
    for i in range(reps):
        product = Decimal(40 + (i * 37) % 60) / 100
        scenario = Decimal(35 + (i * 53) % 65) / 100
        tenure = (i * 7) % 48
        multiplier = (
            1
            + Decimal("0.4") * (product - Decimal("0.5"))
            + Decimal("0.2") * (scenario - Decimal("0.5"))
            + Decimal("0.3") * (Decimal(min(tenure, 36)) / 36 - Decimal("0.5"))
        )
        rows.append(
            {
                "rep_id": f"h{i}",
                "conversion": str((Decimal("0.1") * multiplier).quantize(Decimal("0.000001"))),
                "product_pass_rate": str(product),
                "scenario_pass_rate": str(scenario),
                "tenure_months": tenure,
            }
        )
    return rows


def plan_with_history(reps: int) -> dict:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["probability"]["capability"] = {"history": history(reps)}
    report = run_plan(load_plan_data(data))
    return dict(report.data["plan"])


def test_enough_history_recovers_the_weights_that_generated_it():
    calibration = plan_with_history(16)["calibration"]
    assert calibration["calibrated"] is True
    model = calibration["model"]
    assert abs(model["product_weight"] - 0.4) < 0.01
    assert abs(model["scenario_weight"] - 0.2) < 0.01
    assert abs(model["tenure_weight"] - 0.3) < 0.01


def test_too_little_history_falls_back_to_the_prior_and_says_so():
    data = plan_with_history(3)
    calibration = data["calibration"]
    assert calibration["calibrated"] is False
    default = CapabilityModel()
    assert calibration["model"]["product_weight"] == default.product_weight
    assert calibration["messages"]


def test_without_history_there_is_no_calibration():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert "calibration" not in run_plan(load_plan_data(data)).data["plan"]
