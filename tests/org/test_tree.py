"""The org tree: structure rules, fixed-query reads and the scoping function."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from salesmesh.org.models import Membership, OrgUnit, Paradigm, Role, UnitKind, User
from salesmesh.org.selectors import (
    memberships_visible_to,
    org_tree_for,
    unit_ancestors,
    unit_descendants,
    units_visible_to,
)
from salesmesh.org.services import unit_create

pytestmark = pytest.mark.django_db


def build_deep_tree(depth: int) -> list[OrgUnit]:
    """A chain company → line → team → sub-team … of the given depth."""
    chain = [unit_create(parent=None, code="c", name_zh="公司", kind=UnitKind.COMPANY)]
    chain.append(
        unit_create(
            parent=chain[-1],
            code="line",
            name_zh="线",
            kind=UnitKind.BUSINESS_LINE,
            paradigm=Paradigm.PROBABILITY,
        )
    )
    for level in range(depth - 2):
        chain.append(
            unit_create(
                parent=chain[-1], code=f"t{level}", name_zh=f"组{level}", kind=UnitKind.TEAM
            )
        )
    return chain


@pytest.mark.parametrize("depth", [3, 6, 12])
def test_ancestors_load_in_one_query_at_any_depth(django_assert_num_queries, depth):
    chain = build_deep_tree(depth)
    leaf = OrgUnit.objects.get(pk=chain[-1].pk)

    with django_assert_num_queries(1):
        ancestors = unit_ancestors(unit=leaf)

    assert [unit.code for unit in ancestors] == [unit.code for unit in chain[:-1]]


@pytest.mark.parametrize("depth", [3, 6, 12])
def test_descendants_load_in_one_query_at_any_depth(django_assert_num_queries, depth):
    chain = build_deep_tree(depth)
    root = OrgUnit.objects.get(pk=chain[0].pk)

    with django_assert_num_queries(1):
        below = list(unit_descendants(unit=root))

    assert [unit.code for unit in below] == [unit.code for unit in chain[1:]]
    assert next(u.code for u in unit_descendants(unit=root, include_self=True)) == "c"


def test_business_line_without_paradigm_is_refused():
    company = unit_create(parent=None, code="c", name_zh="公司", kind=UnitKind.COMPANY)

    with pytest.raises(ValidationError) as excinfo:
        unit_create(parent=company, code="l", name_zh="线", kind=UnitKind.BUSINESS_LINE)
    assert "paradigm" in excinfo.value.message_dict

    # The database refuses it too, for writers that bypass the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.add_child(
            company, instance=OrgUnit(code="l", name_zh="线", kind=UnitKind.BUSINESS_LINE)
        )


def test_company_with_paradigm_is_refused():
    company = OrgUnit(code="c", name_zh="公司", kind=UnitKind.COMPANY, paradigm=Paradigm.PROJECT)
    with pytest.raises(ValidationError):
        company.clean()


def test_a_person_holds_a_role_in_a_unit_once():
    unit = unit_create(parent=None, code="c", name_zh="公司", kind=UnitKind.COMPANY)
    person = User.objects.create(username="p")
    Membership.objects.create(user=person, unit=unit, role=Role.REP)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=person, unit=unit, role=Role.REP)


def visible_codes(username: str) -> set[str]:
    return set(
        units_visible_to(user=User.objects.get(username=username)).values_list("code", flat=True)
    )


def test_admin_and_head_see_the_whole_company(demo_company):
    everything = set(OrgUnit.objects.values_list("code", flat=True))
    assert visible_codes("admin") == everything
    assert visible_codes("head") == everything


def test_line_manager_sees_their_line_subtree_only(demo_company):
    assert visible_codes("manager") == {"smb", "smb-east", "smb-south", "smb-north"}


def test_rep_sees_only_their_own_team(demo_company):
    assert visible_codes("rep") == {"smb-east"}
    assert visible_codes("bd") == {"ka-bd"}


def test_inactive_user_sees_nothing(demo_company):
    User.objects.filter(username="manager").update(is_active=False)
    assert visible_codes("manager") == set()


def test_org_tree_shows_ancestors_as_context_in_fixed_queries(
    demo_company, django_assert_max_num_queries
):
    rep = User.objects.get(username="rep")

    with django_assert_max_num_queries(5):
        roots = org_tree_for(user=rep)

    assert [root.unit.code for root in roots] == ["yunfan"]
    company = roots[0]
    assert not company.visible
    line = company.children[0]
    assert (line.unit.code, line.visible) == ("smb", False)
    team = line.children[0]
    assert (team.unit.code, team.visible, team.headcount) == ("smb-east", True, 8)


def test_org_tree_query_count_does_not_grow_with_the_company(
    demo_company, django_assert_max_num_queries
):
    admin = User.objects.get(username="admin")
    company = OrgUnit.objects.get(code="yunfan")
    for index in range(30):
        unit_create(
            parent=company,
            code=f"extra-{index}",
            name_zh=f"额外{index}",
            kind=UnitKind.BUSINESS_LINE,
            paradigm=Paradigm.PROBABILITY,
        )

    with django_assert_max_num_queries(5):
        roots = org_tree_for(user=admin)

    assert len(roots[0].children) == 33
    assert roots[0].subtree_headcount == User.objects.count()


def visible_people(username: str) -> set[str]:
    user = User.objects.get(username=username)
    return set(memberships_visible_to(user=user).values_list("user__username", flat=True))


def test_rep_sees_only_their_own_people_row(demo_company):
    assert visible_people("rep") == {"rep"}


def test_line_manager_sees_everyone_in_their_line(demo_company):
    smb_people = set(
        Membership.objects.filter(unit__code__startswith="smb").values_list(
            "user__username", flat=True
        )
    )
    assert visible_people("manager") == smb_people
    assert "sdr" not in visible_people("manager")
