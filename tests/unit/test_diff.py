from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.diff import diff, flatten

documents = st.recursive(
    st.integers() | st.text(max_size=5) | st.booleans(),
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


@given(documents)
def test_a_document_does_not_differ_from_itself(document):
    assert diff(document, document) == []


@given(documents, documents)
def test_diff_is_empty_exactly_when_leaves_are_equal(a, b):
    assert (diff(a, b) == []) == (flatten(a) == flatten(b))
