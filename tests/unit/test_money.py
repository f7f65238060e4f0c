"""Money quantisation and cent-exact splits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.money import MoneyError, largest_remainder, split_money, to_money


def test_to_money_rounds_half_away_from_zero():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("-2.345") == Decimal("-2.35")
    assert to_money(7) == Decimal("7.00")


@pytest.mark.parametrize("bad", [0.1, "abc", "NaN", "Infinity"])
def test_to_money_refuses_floats_and_non_amounts(bad):
    with pytest.raises(MoneyError):
        to_money(bad)


def test_to_money_holds_up_to_28_digits_to_the_cent():
    # 10^25 has 26 digits, 28 with its two cents: exactly the default decimal precision.
    assert to_money(10**25) == Decimal("10000000000000000000000000.00")
    assert to_money("9" * 26) == Decimal("9" * 26 + ".00")


@pytest.mark.parametrize(
    "bad",
    [
        10**26,  # 27 digits + 2 cents = 29 > 28
        "1" * 30,
        Decimal("1E+1000000"),
        "99999999999999999999999999.995",  # rounds up to 10^26, one digit too many
        pytest.param(10**5000, id="int-too-long-to-print"),
    ],
)
def test_to_money_refuses_amounts_too_long_for_the_cent(bad):
    # Once decimal.InvalidOperation escaped here: quantize sat outside the try.
    with pytest.raises(MoneyError, match="has too many digits to hold to the cent"):
        to_money(bad)


@given(
    st.decimals(allow_nan=True, allow_infinity=True)
    # Powers of ten both sides of what 28 digits hold to the cent (10^25 yes, 10^26 no).
    | st.integers(-40, 40).map(lambda exponent: Decimal(1).scaleb(exponent))
    | st.integers()
    | st.text(max_size=40)
)
def test_to_money_gives_cents_or_a_money_error(value):
    try:
        amount = to_money(value)
    except MoneyError:
        return
    assert amount == amount.quantize(Decimal("0.01"))


def test_split_by_hand():
    # 100.00 over 1:1:1 → 33.34, 33.33, 33.33 (the leftover cent goes to the first).
    assert split_money(Decimal("100"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    # 10 units over 0.5 / 0.3 / 0.2 exactly.
    assert largest_remainder(10, [Fraction(1, 2), Decimal("0.3"), Decimal("0.2")]) == [5, 3, 2]
    # Largest remainder wins the leftover unit: 7 over 1:2 → 2.33 / 4.67 → 2, 5.
    assert largest_remainder(7, [1, 2]) == [2, 5]


def test_negative_total_keeps_one_sign():
    assert largest_remainder(-7, [1, 2]) == [-2, -5]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(MoneyError):
        largest_remainder(10, weights)


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
    any
)


@given(amounts, weight_lists)
def test_split_preserves_the_total_to_the_cent(total, weights):
    parts = split_money(total, weights)
    assert sum(parts) == to_money(total)
    assert all(part == to_money(part) for part in parts)


@given(st.integers(min_value=0, max_value=10**9), weight_lists)
def test_each_part_is_within_one_unit_of_its_exact_share(total, weights):
    parts = largest_remainder(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1
        if weight == 0:
            assert part == 0


@given(st.integers(min_value=0, max_value=10**6), weight_lists)
def test_heavier_weight_never_gets_less(total, weights):
    parts = largest_remainder(total, weights)
    for i in range(len(weights)):
        for j in range(len(weights)):
            if weights[i] > weights[j]:
                assert parts[i] >= parts[j]
