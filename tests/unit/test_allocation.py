"""Allocation of targets over the org tree and over periods, exact to the cent.

Expected amounts are worked out by hand in the comments. China's 2025 working days
come from the State Council's schedule: January has 19 (1 Jan and 28-31 Jan off for
New Year and the Spring Festival, Sunday 26 Jan worked), February 19 (1-4 Feb off,
Saturday 8 Feb worked), March 21 (no holiday; 31 days minus 10 weekend days).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.allocation import (
    DEFAULT_RAMP_MONTHS,
    AllocatedNode,
    AllocationError,
    AllocationMethod,
    AllocationNode,
    PeriodAllocationRequest,
    RampCurve,
    Seasonality,
    TreeAllocationRequest,
    allocate_period,
    allocate_period_counts,
    allocate_tree,
    allocate_tree_counts,
    split_amount,
    split_count,
    weekly_totals,
)
from salesmesh.core.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salesmesh.core.i18n import Message
from salesmesh.core.money import to_money

M = Decimal
N = AllocationNode
Method = AllocationMethod
FC = FiscalCalendar()
# Shared so the per-year working-day tables are built once for all (hypothesis) examples.
CN = WorkCalendar("CN")


def _tree(
    total: Decimal | int, *children: AllocationNode, **kwargs: object
) -> TreeAllocationRequest:
    """A request whose root 'co' has the given children."""
    return TreeAllocationRequest(total=total, root=N("co", children=children), **kwargs)  # type: ignore[arg-type]


def _problems(excinfo: pytest.ExceptionInfo[AllocationError]) -> list[tuple[str, str]]:
    """Problems of an AllocationError as (path, English text)."""
    return [(path, str(message)) for path, message in excinfo.value.problems]


# --- flat splits -------------------------------------------------------------------------


def test_split_amount_preserves_the_total_and_falls_back_to_equal() -> None:
    # 100.00 over 1:1:1 -> 33.33 each and one cent left, to the first part.
    split = split_amount(M("100"), [1, 1, 1])
    assert split.parts == (M("33.34"), M("33.33"), M("33.33"))
    assert not split.equal_fallback
    # All weights zero: equal split, flagged.
    split = split_amount(M("10"), [0, 0, 0])
    assert split.parts == (M("3.34"), M("3.33"), M("3.33"))
    assert split.equal_fallback
    # Nothing to split: zeros, no fallback needed.
    assert split_amount(M("0"), [0, 0]).parts == (M("0.00"), M("0.00"))


def test_split_count_is_exact_in_whole_units() -> None:
    # 10 calls over 1:2 -> 3.33 / 6.67 -> floors 3 / 6, the unit left goes to .67 -> 3 / 7.
    assert split_count(10, [1, 2]).parts == (3, 7)
    assert split_count(5, [0, 0]).parts == (3, 2)


# --- tree: methods -----------------------------------------------------------------------


def test_historical_share_over_three_teams() -> None:
    # 1,000,000.00 by 500k / 300k / 200k = 50% / 30% / 20%.
    result = allocate_tree(
        _tree(
            M("1000000.00"),
            N("a", historical_revenue=M("500000")),
            N("b", historical_revenue=M("300000")),
            N("c", historical_revenue=M("200000")),
            method=Method.HISTORICAL_SHARE,
        )
    )
    assert result.amounts() == {
        "co": M("1000000.00"),
        "a": M("500000.00"),
        "b": M("300000.00"),
        "c": M("200000.00"),
    }
    assert result.root.method is Method.HISTORICAL_SHARE
    assert [child.weight for child in result.root.children] == [500000, 300000, 200000]
    assert result.warnings == ()


def test_equal_split_gives_the_odd_cent_to_the_first() -> None:
    # 1,000,000.00 / 3 = 333,333.33 and 1/3 cent each -> one cent left over, to "a".
    result = allocate_tree(_tree(M("1000000"), N("a"), N("b"), N("c")))
    assert result.amounts() == {
        "co": M("1000000.00"),
        "a": M("333333.34"),
        "b": M("333333.33"),
        "c": M("333333.33"),
    }


def test_potential() -> None:
    # 90,000.00 by potential 1 : 2 -> 30,000.00 / 60,000.00.
    result = allocate_tree(
        _tree(M("90000"), N("a", potential=1), N("b", potential=2), method=Method.POTENTIAL)
    )
    assert result.amounts()["a"] == M("30000.00")
    assert result.amounts()["b"] == M("60000.00")


def test_default_ramp_is_linear_over_six_months() -> None:
    ramp = RampCurve()
    assert DEFAULT_RAMP_MONTHS == 6
    # min(1, (t + 1) / 6): 1/6 in the first month, full from tenure 5.
    assert [ramp.factor(t) for t in range(8)] == [
        Fraction(1, 6),
        Fraction(2, 6),
        Fraction(3, 6),
        Fraction(4, 6),
        Fraction(5, 6),
        1,
        1,
        1,
    ]


def test_capacity_with_a_new_hire_on_the_default_ramp() -> None:
    # Three reps of capacity 10; "c" has 2 completed months of tenure at the period
    # start -> ramp (2 + 1) / 6 = 1/2 -> weights 10 : 10 : 5 (sum 25).
    # 100,000.00 x 10/25 = 40,000.00; x 5/25 = 20,000.00.
    reps = (
        N("a", capacity=10, tenure_months=24),
        N("b", capacity=10),  # no tenure known: fully productive
        N("c", capacity=10, tenure_months=2),
    )
    result = allocate_tree(_tree(M("100000"), *reps, method=Method.CAPACITY))
    assert result.amounts() == {
        "co": M("100000.00"),
        "a": M("40000.00"),
        "b": M("40000.00"),
        "c": M("20000.00"),
    }
    assert result.root.children[2].weight == 5

    # The same from a hire date: hired 2024-11-01, tenure at 2025-01-01 is 2 months.
    by_date = (*reps[:2], N("c", capacity=10, hire_date=date(2024, 11, 1)))
    result = allocate_tree(
        _tree(M("100000"), *by_date, method=Method.CAPACITY, tenure_as_of=date(2025, 1, 1))
    )
    assert result.amounts()["c"] == M("20000.00")


def test_capacity_with_a_custom_ramp_curve() -> None:
    # Curve 1/4, 1/2, 3/4 then full: tenure 2 -> 3/4 -> weights 10 : 10 : 7.5 (sum 27.5).
    # In cents: 10,000,000 x 10/27.5 = 3,636,363.63..; x 7.5/27.5 = 2,727,272.72..
    # Floors 3,636,363 + 3,636,363 + 2,727,272 = 9,999,998: two cents left, to the
    # largest remainders .727 ("c") then .636 (tie "a"/"b", the earlier wins: "a").
    result = allocate_tree(
        _tree(
            M("100000"),
            N("a", capacity=10),
            N("b", capacity=10),
            N("c", capacity=10, tenure_months=2),
            method=Method.CAPACITY,
            ramp=RampCurve(factors=(Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))),
        )
    )
    assert result.amounts() == {
        "co": M("100000.00"),
        "a": M("36363.64"),
        "b": M("36363.63"),
        "c": M("27272.73"),
    }


def test_whole_tree_with_a_method_per_level() -> None:
    # company 1,200,000.00 -> two lines by potential 2 : 1 -> 800,000 / 400,000.
    # line "ent" -> teams by history 300k : 100k -> 600,000 / 200,000.
    # team "north" (600,000) -> reps by ramped capacity 8 x 1, 8 x 1/2 = 8 : 4
    #   -> 400,000 / 200,000.
    # line "smb" has no own potential: its potential is its teams' sum, 1.
    north = N(
        "north",
        historical_revenue=M("300000"),
        method=Method.CAPACITY,
        children=(N("r1", capacity=8), N("r2", capacity=8, tenure_months=2)),
    )
    south = N("south", historical_revenue=M("100000"))
    ent = N("ent", potential=2, method=Method.HISTORICAL_SHARE, children=(north, south))
    smb = N("smb", children=(N("s1", potential=M("0.25")), N("s2", potential=M("0.75"))))
    result = allocate_tree(
        TreeAllocationRequest(
            total=M("1200000"), root=N("co", children=(ent, smb)), method=Method.POTENTIAL
        )
    )
    assert result.amounts() == {
        "co": M("1200000.00"),
        "ent": M("800000.00"),
        "north": M("600000.00"),
        "r1": M("400000.00"),
        "r2": M("200000.00"),
        "south": M("200000.00"),
        "smb": M("400000.00"),
        # smb splits by the request's method (potential) .25 : .75.
        "s1": M("100000.00"),
        "s2": M("300000.00"),
    }
    paths = {node.id: node.path for node in result.root.walk()}
    assert paths["r2"] == "root.children[0].children[0].children[1]"


def test_all_zero_weights_fall_back_to_equal_with_a_warning() -> None:
    result = allocate_tree(
        _tree(
            M("100"),
            N("a", historical_revenue=0),
            N("b", historical_revenue=0),
            method=Method.HISTORICAL_SHARE,
        )
    )
    assert result.amounts()["a"] == M("50.00")
    assert result.amounts()["b"] == M("50.00")
    [(path, message)] = result.warnings
    assert path == "root.children"
    assert isinstance(message, Message)
    assert message.template.startswith("every unlocked child of %(node)s has zero weight")
    assert "50" not in str(message)
    assert "100.00" in str(message)


def test_counts_split_down_a_tree() -> None:
    # 100 calls by capacity 1 : 2 : 3 -> 16.67 / 33.33 / 50 -> floors 16 / 33 / 50 = 99;
    # the unit left goes to the largest remainder .67 -> 17 / 33 / 50.
    result = allocate_tree_counts(
        _tree(
            100,
            N("a", capacity=1),
            N("b", capacity=2),
            N("c", capacity=3, locked=None),
            method=Method.CAPACITY,
        )
    )
    assert result.amounts() == {"co": 100, "a": 17, "b": 33, "c": 50}
    assert all(type(node.amount) is int for node in result.root.walk())


# --- tree: overrides ---------------------------------------------------------------------


def test_override_keeps_its_amount_and_the_rest_rebalances() -> None:
    # Team "c" is locked at 250,000.00; the remaining 750,000.00 goes to "a" and "b"
    # by history 500k : 300k -> 750,000 x 5/8 = 468,750 and x 3/8 = 281,250.
    result = allocate_tree(
        _tree(
            M("1000000"),
            N("a", historical_revenue=M("500000")),
            N("b", historical_revenue=M("300000")),
            N("c", historical_revenue=M("200000"), locked=M("250000")),
            method=Method.HISTORICAL_SHARE,
        )
    )
    assert result.amounts() == {
        "co": M("1000000.00"),
        "a": M("468750.00"),
        "b": M("281250.00"),
        "c": M("250000.00"),
    }
    locked = result.root.children[2]
    assert locked.locked
    assert locked.weight is None


def test_locked_node_splits_its_own_amount_over_its_children() -> None:
    # "b" locked at 10.00 -> "a" gets 90.00; "b"'s children split its 10.00 equally.
    result = allocate_tree(
        _tree(M("100"), N("a"), N("b", locked=M("10"), children=(N("b1"), N("b2"))))
    )
    assert result.amounts() == {
        "co": M("100.00"),
        "a": M("90.00"),
        "b": M("10.00"),
        "b1": M("5.00"),
        "b2": M("5.00"),
    }


def test_all_siblings_locked_summing_to_the_parent_is_fine() -> None:
    result = allocate_tree(_tree(M("100"), N("a", locked=M("40")), N("b", locked=M("60"))))
    assert result.amounts() == {"co": M("100.00"), "a": M("40.00"), "b": M("60.00")}


def test_override_larger_than_the_parent_is_an_error() -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(_tree(M("100"), N("a", locked=M("150")), N("b")))
    assert _problems(excinfo) == [
        ("root.children[0].locked", "override 150.00 of node a exceeds parent co's target 100.00")
    ]


def test_override_larger_than_a_computed_parent_names_that_parent() -> None:
    # "t" gets 50.00 of 100.00; its child locked at 60.00 cannot fit.
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(_tree(M("100"), N("s"), N("t", children=(N("t1", locked=M("60")),))))
    assert _problems(excinfo) == [
        (
            "root.children[1].children[0].locked",
            "override 60.00 of node t1 exceeds parent t's target 50.00",
        )
    ]


def test_locked_siblings_exceeding_the_parent_is_an_error() -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(_tree(M("100"), N("a", locked=M("60")), N("b", locked=M("50")), N("c")))
    assert _problems(excinfo) == [
        (
            "root.children",
            "the overrides of the children of co add up to 110.00, exceeding its target 100.00",
        )
    ]


def test_all_siblings_locked_not_summing_to_the_parent_is_an_error() -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(_tree(M("100"), N("a", locked=M("60")), N("b", locked=M("30"))))
    assert _problems(excinfo) == [
        (
            "root.children",
            "every child of co is locked but the overrides add up to 90.00, not its target 100.00",
        )
    ]


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    request = TreeAllocationRequest(
        total=M("100"),
        method=Method.HISTORICAL_SHARE,
        root=N(
            "co",
            children=(
                N("a", historical_revenue=-1),
                N("b", historical_revenue=0.5),  # type: ignore[arg-type]
                N("b", children=(N("x", locked=M("500")), N("y"))),
                N("d", hire_date=date(2024, 1, 1)),
            ),
        ),
    )
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(request)
    assert _problems(excinfo) == [
        ("root.children[0].historical_revenue", "must not be negative"),
        (
            "root.children[1].historical_revenue",
            "must be a Decimal, an int or a Fraction, not float",
        ),
        ("root.children[2].id", "id b is already used at root.children[1]"),
        ("tenure_as_of", "required because root.children[3] has a hire_date"),
        # The second "b" has no history of its own, so its children's is needed (its
        # amount stays unknown, so x's override is checked only once this is fixed).
        (
            "root.children[2].children[0].historical_revenue",
            "required to split the target of co by historical_share",
        ),
        (
            "root.children[2].children[1].historical_revenue",
            "required to split the target of co by historical_share",
        ),
        (
            "root.children[3].historical_revenue",
            "required to split the target of co by historical_share",
        ),
    ]
    assert "root.children[0].historical_revenue: must not be negative" in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("request_", "path", "text"),
    [
        (_tree(M("-1"), N("a")), "total", "must not be negative"),
        (_tree(Decimal("NaN"), N("a")), "total", "must be a finite number"),
        (
            TreeAllocationRequest(total=M("10"), root=N("co", locked=M("9"))),
            "root.locked",
            "the root's amount is the total 10; it cannot be locked at 9",
        ),
        (_tree(M("1"), N("a", tenure_months=-1)), "root.children[0].tenure_months", "must be"),
        (
            _tree(M("1"), N("a", tenure_months=1, hire_date=date(2025, 1, 1))),
            "root.children[0].tenure_months",
            "give either hire_date or tenure_months, not both",
        ),
        (
            _tree(M("1"), N("a"), ramp=RampCurve(ramp_months=0)),
            "ramp.ramp_months",
            "must be a whole",
        ),
        (
            _tree(M("1"), N("a"), ramp=RampCurve(factors=(Fraction(3, 2),))),
            "ramp.factors[0]",
            "must be between 0 and 1",
        ),
    ],
)
def test_invalid_fields_are_named(request_: TreeAllocationRequest, path: str, text: str) -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree(request_)
    [(got_path, got_text)] = _problems(excinfo)
    assert got_path == path
    assert got_text.startswith(text)


def test_counts_refuse_fractional_overrides() -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_tree_counts(_tree(10, N("a", locked=M("2.5")), N("b")))
    assert _problems(excinfo) == [("root.children[0].locked", "must be a whole number")]


# --- tree: properties --------------------------------------------------------------------

weights = st.one_of(
    st.integers(min_value=0, max_value=1000),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
)


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> AllocationNode:
    """A random tree up to three levels deep; ids are filled in by ``_number``."""
    children: tuple[AllocationNode, ...] = ()
    if depth < 3 and draw(st.booleans()):
        children = tuple(draw(st.lists(_trees(depth + 1), min_size=1, max_size=4)))
    own = draw(st.booleans()) or not children  # leaves always carry their inputs
    return N(
        "",
        children=children,
        historical_revenue=draw(weights) if own else None,
        potential=draw(weights) if own else None,
        capacity=draw(weights) if own else None,
        tenure_months=draw(st.none() | st.integers(0, 12)),
        method=draw(st.none() | st.sampled_from(Method)),
    )


def _number(node: AllocationNode, prefix: str = "n") -> AllocationNode:
    """Give every node a unique id derived from its position."""
    return N(
        prefix,
        children=tuple(_number(c, f"{prefix}.{i}") for i, c in enumerate(node.children)),
        historical_revenue=node.historical_revenue,
        potential=node.potential,
        capacity=node.capacity,
        tenure_months=node.tenure_months,
        method=node.method,
        locked=node.locked,
    )


def _with_locks(node: AllocationNode, locks: dict[str, Decimal]) -> AllocationNode:
    """A copy of the tree with the given nodes locked."""
    return N(
        node.id,
        children=tuple(_with_locks(c, locks) for c in node.children),
        historical_revenue=node.historical_revenue,
        potential=node.potential,
        capacity=node.capacity,
        tenure_months=node.tenure_months,
        method=node.method,
        locked=locks.get(node.id),
    )


def _assert_exact(node: AllocatedNode[Decimal]) -> None:
    """Every amount is whole cents and every node's children add up to it exactly."""
    for each in node.walk():
        assert each.amount == to_money(each.amount)
        assert each.amount >= 0
        if each.children:
            assert sum(child.amount for child in each.children) == each.amount


totals = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), tree=_trees(), total=totals, method=st.sampled_from(Method))
def test_random_trees_with_feasible_locks_preserve_every_total(
    data: st.DataObject, tree: AllocationNode, total: Decimal, method: AllocationMethod
) -> None:
    root = _number(tree)
    locks: dict[str, Decimal] = {}
    # Locks at one depth change only their siblings and their subtrees, never the
    # amounts above them, so choosing them level by level from the amounts the parents
    # already have keeps every choice feasible.
    for depth in range(1, 4):
        result = allocate_tree(
            TreeAllocationRequest(total=total, root=_with_locks(root, locks), method=method)
        )
        for parent in result.root.walk():
            if parent.path.count("children") != depth - 1 or not parent.children:
                continue
            chosen = [child for child in parent.children if data.draw(st.booleans(), label="lock")]
            budget = int(parent.amount * 100)
            for k, child in enumerate(chosen):
                if k == len(chosen) - 1 and len(chosen) == len(parent.children):
                    cents = budget  # every sibling locked: they must add up to the parent
                else:
                    cents = data.draw(st.integers(0, budget), label="cents")
                budget -= cents
                locks[child.id] = Decimal(cents) / 100

    request = TreeAllocationRequest(total=total, root=_with_locks(root, locks), method=method)
    result = allocate_tree(request)
    assert result.root.amount == to_money(total)
    _assert_exact(result.root)
    for node in result.root.walk():
        if node.id in locks:
            assert node.locked
            assert node.amount == locks[node.id]

    counts = allocate_tree_counts(TreeAllocationRequest(total=int(total), root=root, method=method))
    for count_node in counts.root.walk():
        if count_node.children:
            assert sum(child.amount for child in count_node.children) == count_node.amount


@settings(max_examples=150, deadline=None)
@given(
    total=totals,
    child_weights=st.lists(st.integers(0, 1000), min_size=2, max_size=6),
    lock_flags=st.lists(st.booleans(), min_size=6, max_size=6),
    index=st.integers(0, 5),
    raise_by=st.integers(1, 1000),
)
def test_raising_a_weight_never_lowers_that_childs_share(
    total: Decimal,
    child_weights: list[int],
    lock_flags: list[bool],
    index: int,
    raise_by: int,
) -> None:
    index %= len(child_weights)
    # Small locks (1% of the total each) are always feasible; the child raised is unlocked.
    lock = to_money(total / 100)

    def request(weight_of_index: int) -> TreeAllocationRequest:
        children = tuple(
            N(
                f"c{i}",
                potential=weight_of_index if i == index else w,
                locked=lock if lock_flags[i] and i != index else None,
            )
            for i, w in enumerate(child_weights)
        )
        return _tree(total, *children, method=Method.POTENTIAL)

    before = allocate_tree(request(child_weights[index])).amounts()[f"c{index}"]
    after = allocate_tree(request(child_weights[index] + raise_by)).amounts()[f"c{index}"]
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(total=totals, child_weights=st.lists(st.integers(0, 1000), min_size=1, max_size=8))
def test_each_part_is_within_a_cent_of_its_exact_share(
    total: Decimal, child_weights: list[int]
) -> None:
    children = tuple(N(f"c{i}", potential=w) for i, w in enumerate(child_weights))
    result = allocate_tree(_tree(total, *children, method=Method.POTENTIAL))
    weight_sum = sum(child_weights)
    for child, w in zip(result.root.children, child_weights, strict=True):
        exact = (
            Fraction(total) / len(child_weights)
            if weight_sum == 0
            else Fraction(total) * w / weight_sum
        )
        assert abs(Fraction(child.amount) - exact) < Fraction(1, 100)


# --- periods -----------------------------------------------------------------------------


def test_first_quarter_2025_in_china_with_seasonality() -> None:
    # Seasonality Jan 2, Feb 1, Mar 3 (sum 6) over 300,000.00:
    #   Jan 100,000.00, Feb 50,000.00, Mar 150,000.00.
    # Jan: 10,000,000 cents / 19 working days = 526,315 rem 15 -> the first 15 days get
    #      5,263.16 and the last 4 get 5,263.15.
    # Feb: 5,000,000 / 19 = 263,157 rem 17 -> 17 days of 2,631.58, 2 of 2,631.57.
    # Mar: 15,000,000 / 21 = 714,285 rem 15 -> 15 days of 7,142.86, 6 of 7,142.85.
    request = PeriodAllocationRequest(
        total=M("300000"),
        period=FC.quarter(2025, 1),
        work_calendar=CN,
        seasonality=Seasonality.from_months({1: 2, 2: 1, 3: 3}),
    )
    result = allocate_period(request)
    assert [(m.period.label, m.working_days, m.amount) for m in result.months] == [
        ("2025-01", 19, M("100000.00")),
        ("2025-02", 19, M("50000.00")),
        ("2025-03", 21, M("150000.00")),
    ]
    jan, feb, mar = result.months
    assert [d.amount for d in jan.days] == [M("5263.16")] * 15 + [M("5263.15")] * 4
    assert [d.amount for d in feb.days] == [M("2631.58")] * 17 + [M("2631.57")] * 2
    assert [d.amount for d in mar.days] == [M("7142.86")] * 15 + [M("7142.85")] * 6
    # The make-up working days are in, the Spring Festival is out.
    jan_days = [d.day for d in jan.days]
    assert date(2025, 1, 26) in jan_days
    assert date(2025, 1, 1) not in jan_days
    assert date(2025, 1, 28) not in jan_days
    assert jan_days[-1] == date(2025, 1, 27)
    assert date(2025, 2, 8) in [d.day for d in feb.days]
    assert result.warnings == ()

    weeks = result.weeks()
    assert weeks[0].period.label == "2025-W01"
    assert (weeks[0].period.start, weeks[0].period.end) == (date(2025, 1, 1), date(2025, 1, 5))
    # 2025-W01 clipped to 1-5 Jan holds 2 and 3 Jan: 2 x 5,263.16 = 10,526.32.
    assert (weeks[0].working_days, weeks[0].amount) == (2, M("10526.32"))
    # 2025-W04 (20-26 Jan): 20, 21, 22 Jan are days 13-15 (5,263.16 each), 23, 24 and
    # Sunday 26 Jan are days 16-18 (5,263.15) -> 15,789.48 + 15,789.45 = 31,578.93.
    assert (weeks[3].working_days, weeks[3].amount) == (6, M("31578.93"))
    # 2025-W05 (27 Jan - 2 Feb): only 27 Jan works (day 19 of January) -> 5,263.15.
    assert (weeks[4].working_days, weeks[4].amount) == (1, M("5263.15"))
    # The last week is clipped to Monday 31 March, the 21st March day -> 7,142.85.
    assert weeks[-1].period.start == weeks[-1].period.end == date(2025, 3, 31)
    assert weeks[-1].amount == M("7142.85")
    assert sum(w.amount for w in weeks) == M("300000.00")
    assert weekly_totals(request) == weeks


def test_flat_default_gives_every_whole_month_the_same_amount() -> None:
    # Default seasonality is flat per month (not per working day): 90.00 / 3 = 30.00 each
    # although March has 21 working days and January 19.
    result = allocate_period(PeriodAllocationRequest(M("90"), FC.quarter(2025, 1), CN))
    assert [m.amount for m in result.months] == [M("30.00")] * 3


def test_a_week_straddling_two_months() -> None:
    # 2025-W27 is Mon 30 Jun - Sun 6 Jul. June 2025 has 20 CN working days (21 weekdays,
    # Dragon Boat Festival on 2 Jun), July 23. The June piece holds 1 of its 20, the July
    # piece 4 of its 23, so with flat seasonality the weights are 1/20 : 4/23, i.e.
    # 23 : 80. 10,000 cents x 23/103 = 2,233.009 -> 2,233; x 80/103 = 7,766.99 -> 7,766;
    # the cent left goes to the larger remainder (.99, July): 22.33 / 77.67.
    # July's 7,767 cents over 4 days = 1,941 rem 3 -> 19.42 x 3 and 19.41.
    result = allocate_period(PeriodAllocationRequest(M("100"), FC.parse("2025-W27"), CN))
    june, july = result.months
    assert (june.weight, july.weight) == (Fraction(1, 20), Fraction(4, 23))
    assert (june.amount, july.amount) == (M("22.33"), M("77.67"))
    assert [d.amount for d in july.days] == [M("19.42")] * 3 + [M("19.41")]
    [week] = result.weeks()
    assert (week.working_days, week.amount) == (5, M("100.00"))


def test_counts_over_a_month() -> None:
    # 100 calls over February 2025's 19 working days: 5 each = 95, the 5 left go to the
    # first five days -> 6, 6, 6, 6, 6, then 5 x 14.
    result = allocate_period_counts(PeriodAllocationRequest(100, FC.parse("2025-02"), CN))
    assert [d.amount for d in result.days()] == [6] * 5 + [5] * 14
    assert result.total == 100


class _NoFebruaryWork(WorkCalendar):
    """China's calendar with every February day off, to get a month with no working days."""

    def working_dates(self, start: date, end: date) -> list[date]:
        """Working dates outside February."""
        return [d for d in super().working_dates(start, end) if d.month != 2]

    def working_days(self, start: date, end: date) -> int:
        """Count of the working dates above."""
        return len(self.working_dates(start, end))


def test_a_month_without_working_days_gets_zero_and_its_share_moves() -> None:
    # Seasonality Jan 1, Feb 2, Mar 1: February has no working day, so its share goes to
    # the others in proportion (1 : 1): 100.00 -> 50.00 / 0.00 / 50.00.
    result = allocate_period(
        PeriodAllocationRequest(
            M("100"),
            FC.quarter(2025, 1),
            _NoFebruaryWork("CN"),
            Seasonality.from_months({1: 1, 2: 2, 3: 1}),
        )
    )
    assert [m.amount for m in result.months] == [M("50.00"), M("0.00"), M("50.00")]
    assert result.months[1].days == ()
    [(path, message)] = result.warnings
    assert path == "period"
    assert str(message) == (
        "2025-02 has no working days; its seasonality share was spread over the other months"
    )


def test_zero_seasonality_everywhere_falls_back_to_working_days() -> None:
    # January alone with a zero January weight: spread by working days, and say so.
    result = allocate_period(
        PeriodAllocationRequest(M("19"), FC.parse("2025-01"), CN, Seasonality.from_months({2: 1}))
    )
    assert [d.amount for d in result.days()] == [M("1.00")] * 19
    [(path, _)] = result.warnings
    assert path == "seasonality.weights"


def test_a_period_without_working_days() -> None:
    # National Day: nothing to put a target on, but a zero target is fine.
    holiday = FC.parse("2025-10-01")
    with pytest.raises(AllocationError) as excinfo:
        allocate_period(PeriodAllocationRequest(M("100"), holiday, CN))
    assert _problems(excinfo) == [
        ("period", "2025-10-01 has no working days to spread a total of 100 over")
    ]
    zero = allocate_period(PeriodAllocationRequest(M("0"), holiday, CN))
    assert zero.days() == ()
    assert [w.amount for w in zero.weeks()] == [M("0.00")]


def test_bad_period_inputs_are_all_reported() -> None:
    with pytest.raises(AllocationError) as excinfo:
        allocate_period(
            PeriodAllocationRequest(
                M("-1"), FC.parse("2025-01"), CN, Seasonality((1,) * 11 + (-1,))
            )
        )
    assert _problems(excinfo) == [
        ("total", "must not be negative"),
        ("seasonality.weights[11]", "must not be negative"),
    ]
    with pytest.raises(AllocationError, match="must have 12 weights"):
        allocate_period(PeriodAllocationRequest(M("1"), FC.parse("2025-01"), CN, Seasonality((1,))))


@st.composite
def _periods(draw: st.DrawFn) -> Period:
    """A random period of any grain between 2023 and 2026, under a random fiscal start."""
    calendar = FiscalCalendar(draw(st.integers(1, 12)))
    day = draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)))
    return calendar.period_containing(day, draw(st.sampled_from(Grain)))


seasonalities = st.lists(
    st.integers(0, 20) | st.decimals(0, 5, places=2), min_size=12, max_size=12
).map(lambda ws: Seasonality(tuple(ws)))


@settings(max_examples=80, deadline=None)
@given(total=totals, period=_periods(), seasonality=seasonalities)
def test_days_add_up_to_months_and_months_to_the_total(
    total: Decimal, period: Period, seasonality: Seasonality
) -> None:
    request = PeriodAllocationRequest(total, period, CN, seasonality)
    if CN.working_days_in(period) == 0 and total:
        with pytest.raises(AllocationError):
            allocate_period(request)
        return
    result = allocate_period(request)
    assert result.total == to_money(total)
    assert sum(m.amount for m in result.months) == result.total
    for month in result.months:
        assert sum(d.amount for d in month.days) == month.amount
        assert [d.day for d in month.days] == CN.working_dates(month.period.start, month.period.end)
        if month.working_days == 0:
            assert month.amount == 0
    weeks = result.weeks()
    assert sum(w.amount for w in weeks) == result.total
    assert weeks[0].period.start == period.start
    assert weeks[-1].period.end == period.end
    assert all(period.contains(w.period.start) and period.contains(w.period.end) for w in weeks)

    counts = allocate_period_counts(
        PeriodAllocationRequest(int(total) % 10_000, period, CN, seasonality)
    )
    assert sum(d.amount for d in counts.days()) == counts.total
