from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.diff import diff, flatten

documents = st.recursive(
    st.integers(-2, 2) | st.text(max_size=5) | st.booleans() | st.none(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text("abc", min_size=1, max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


def test_flatten_names_leaves_by_path():
    document = {"target": 100, "funnel": {"stages": [{"conversion": 0.5}, {"conversion": 0.4}]}}
    assert flatten(document) == {
        "target": 100,
        "funnel.stages[0].conversion": 0.5,
        "funnel.stages[1].conversion": 0.4,
    }


def test_diff_reports_changed_added_and_removed_leaves():
    old = {"target": 100, "reps": [{"id": "a"}], "note": "x"}
    new = {"target": 120, "reps": [{"id": "a"}, {"id": "b"}]}
    changes = {c.path: (c.kind, c.old, c.new) for c in diff(old, new)}
    assert changes == {
        "target": ("changed", 100, 120),
        "reps[1].id": ("added", None, "b"),
        "note": ("removed", "x", None),
    }


def test_a_yes_no_never_equals_a_number():
    # Python has True == 1 and False == 0 == 0.0, which hid these changes; 1 == 1.0 stays equal.
    old = {"a": 1, "b": 0, "c": True, "d": 1, "e": 0.0}
    new = {"a": True, "b": False, "c": 1, "d": 1.0, "e": False}
    changes = {c.path: (c.kind, c.old, c.new) for c in diff(old, new)}
    assert changes == {
        "a": ("changed", 1, True),
        "b": ("changed", 0, False),
        "c": ("changed", True, 1),
        "e": ("changed", 0.0, False),
    }
    assert type(changes["a"][2]) is bool


def test_null_is_a_value_and_absent_is_not():
    old = {"a": None, "b": 5, "c": None, "e": None}
    new = {"a": 5, "b": None, "d": None, "e": None}
    changes = {c.path: (c.kind, c.old, c.new) for c in diff(old, new)}
    assert changes == {
        "a": ("changed", None, 5),  # once "added": old was None, as if absent
        "b": ("changed", 5, None),  # once "removed"
        "c": ("removed", None, None),  # once not shown at all
        "d": ("added", None, None),  # once not shown at all
    }
    [change] = [c for c in diff(old, new) if c.path == "c"]
    assert (change.old_present, change.new_present) == (True, False)


def same(a, b):
    """Equal leaves, a yes/no never equal to a number (the oracle the diff must match)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


@given(documents)
def test_a_document_does_not_differ_from_itself(document):
    assert diff(document, document) == []


@given(documents, documents)
def test_diff_lists_exactly_the_leaves_that_differ(a, b):
    before, after = flatten(a), flatten(b)
    expected = {
        path
        for path in before.keys() | after.keys()
        if path not in before or path not in after or not same(before[path], after[path])
    }
    changes = diff(a, b)
    assert [c.path for c in changes] == sorted(expected)
    for change in changes:
        # The kind follows presence, never the value None.
        assert change.kind == (
            "added"
            if change.path not in before
            else "removed"
            if change.path not in after
            else "changed"
        )
        assert change.old == before.get(change.path)
        assert change.new == after.get(change.path)
