"""``core.mesh.health_of`` compares exactly: the same verdict as a Fraction-based score.

``health_of`` cross-multiplies integer ratios instead of building Fractions (a 1,000-rep
behaviour board calls it 4,000 times, benchmarks/mesh.py); the reference below is the
definition of docs/metrics.md written with Fractions.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.mesh import Direction, Health, HealthThresholds, health_of


def reference(
    actual: Decimal, expected: Decimal | Fraction, direction: Direction, t: HealthThresholds
) -> Health:
    """score = actual ÷ expected (or its inverse, lower is better), then the thresholds."""
    if direction is Direction.HIGHER_IS_BETTER:
        if expected <= 0:
            return Health.GREEN
        score = Fraction(actual) / Fraction(expected)
    else:
        if actual <= 0:
            return Health.GREEN
        score = Fraction(expected) / Fraction(actual)
    if score < Fraction(t.red_below):
        return Health.RED
    if score < Fraction(t.amber_below):
        return Health.AMBER
    return Health.GREEN


counts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
fractions = st.fractions(min_value=0, max_value=10**6, max_denominator=10**6)
thresholds = st.tuples(
    st.decimals(min_value=0, max_value=2, places=4), st.decimals(min_value=0, max_value=2, places=4)
).map(lambda pair: HealthThresholds(amber_below=max(pair), red_below=min(pair)))


@given(
    actual=counts, expected=counts | fractions, direction=st.sampled_from(Direction), t=thresholds
)
def test_health_of_matches_the_fraction_definition(
    actual: Decimal, expected: Decimal | Fraction, direction: Direction, t: HealthThresholds
) -> None:
    assert health_of(actual=actual, expected=expected, direction=direction, thresholds=t) is (
        reference(actual, expected, direction, t)
    )


@given(expected=st.integers(min_value=1, max_value=10**6), t=thresholds)
def test_on_the_threshold_is_not_below_it(expected: int, t: HealthThresholds) -> None:
    # A score exactly at a threshold is not below it: exactly at red_below is amber or green.
    actual = Decimal(expected) * t.red_below
    verdict = health_of(
        actual=actual,
        expected=Decimal(expected),
        direction=Direction.HIGHER_IS_BETTER,
        thresholds=t,
    )
    assert verdict is not Health.RED


def test_close_calls_either_side_of_a_threshold() -> None:
    t = HealthThresholds(amber_below=Decimal("0.90"), red_below=Decimal("0.75"))
    higher = Direction.HIGHER_IS_BETTER
    expected = Fraction(4, 3)  # 1.333…: no finite decimal
    # 1 ÷ 4/3 = 0.75 exactly: not below red, below amber.
    assert (
        health_of(actual=Decimal(1), expected=expected, direction=higher, thresholds=t)
        is Health.AMBER
    )
    # 0.7499999925: just below red; 1.2 ÷ 4/3 = 0.9 exactly: not below amber.
    assert (
        health_of(actual=Decimal("0.99999999"), expected=expected, direction=higher, thresholds=t)
        is Health.RED
    )
    assert (
        health_of(actual=Decimal("1.2"), expected=expected, direction=higher, thresholds=t)
        is Health.GREEN
    )
