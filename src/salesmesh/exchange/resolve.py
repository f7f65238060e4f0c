"""Turn the names a file uses for lines, people, accounts and deals into database ids.

Loaded once per import in a fixed number of queries, and only what the
importing user may see: a file can never attach a record to a colleague's
account the user has no access to, nor learn that such an account exists
(it is reported as unknown, like a typo).

Lookups accept what people write: a line by code or name; a person by
username, employee number or full name; an account or a deal by external ID
or name. A name that several records share is reported as ambiguous rather
than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _

from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.exchange.parsing import normalise_key
from salesmesh.org.models import Membership, OrgUnit, UnitKind, User
from salesmesh.org.selectors import managed_paths, memberships_visible_to
from salesmesh.pipeline.selectors import opportunities_visible_to

AMBIGUOUS = -1


class NewAccount(NamedTuple):
    """An account the file names that does not exist yet, to be created (on request)."""

    name: str
    line_id: int


class ReferenceError_(ValueError):
    """A reference the file makes that names nothing (or several things) the user may see."""


def _add(index: dict[str, int], word: str | None, pk: int) -> None:
    if not word:
        return
    key = normalise_key(word)
    if not key:
        return
    previous = index.get(key)
    index[key] = pk if previous in (None, pk) else AMBIGUOUS


@dataclass
class Names:
    """Normalised words → id, global and per business line; AMBIGUOUS where shared."""

    everywhere: dict[str, int] = field(default_factory=dict)
    by_line: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, pk: int, line_id: int, *words: str | None) -> None:
        for word in words:
            _add(self.everywhere, word, pk)
            _add(self.by_line[line_id], word, pk)

    def find(self, word: str, line_id: int | None) -> int | None:
        index = self.by_line.get(line_id, {}) if line_id is not None else self.everywhere
        return index.get(normalise_key(word))


class Resolver:
    """The lines, people, accounts and opportunities an import may refer to."""

    def __init__(self, *, user: User, need: Iterable[str], create_missing: bool = False) -> None:
        needed = set(need)
        self.user = user
        # Unknown account names within a line become accounts to create.
        self.create_missing = create_missing
        self.lines: dict[str, int] = {}
        self.sees_everything = False
        self.writable_lines: set[int] = set()
        self.line_codes: dict[int, str] = {}
        self._load_lines()
        self.people: dict[str, int] = {}
        if "user" in needed:
            self._load_people()
        self.accounts = Names()
        if "account" in needed:
            self._load_accounts()
        self.opportunities = Names()
        self.opportunity_account: dict[int, int] = {}
        if "opportunity" in needed:
            self._load_opportunities()

    # Loading ---------------------------------------------------------------

    def _load_lines(self) -> None:
        lines = OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE).values_list(
            "pk", "code", "name_zh", "name_en", "path"
        )
        managed = managed_paths(user=self.user)
        # An administrator sees every record: writers skip their visibility checks.
        self.sees_everything = managed is None
        own = list(Membership.objects.filter(user=self.user).values_list("unit__path", flat=True))
        for pk, code, name_zh, name_en, path in lines:
            for word in (code, name_zh, name_en):
                _add(self.lines, word, pk)
            self.line_codes[pk] = code
            # A manager of the line or of anything above it may import into it; anyone
            # may import their own records into the lines they work in.
            if (
                managed is None
                or any(path.startswith(prefix) for prefix in managed)
                or any(unit_path.startswith(path) for unit_path in own)
            ):
                self.writable_lines.add(pk)

    def _load_people(self) -> None:
        visible = memberships_visible_to(user=self.user).values("user_id")
        people = User.objects.filter(pk__in=visible).values_list(
            "pk", "username", "employee_no", "name_zh", "name_en"
        )
        for pk, username, employee_no, name_zh, name_en in people:
            # Usernames are unique; names may be shared (ambiguous, reported as such).
            self.people[username.casefold()] = pk
            for word in (employee_no, name_zh, name_en):
                _add(self.people, word, pk)
            self.people[normalise_key(username)] = pk

    def _load_accounts(self) -> None:
        rows = accounts_visible_to(user=self.user).values_list(
            "pk", "line_id", "external_id", "name"
        )
        for pk, line_id, external_id, name in rows.iterator(chunk_size=5000):
            self.accounts.add(pk, line_id, external_id, name)

    def _load_opportunities(self) -> None:
        rows = opportunities_visible_to(user=self.user).values_list(
            "pk", "line_id", "external_id", "name", "account_id"
        )
        for pk, line_id, external_id, name, account_id in rows.iterator(chunk_size=5000):
            self.opportunities.add(pk, line_id, external_id, name)
            self.opportunity_account[pk] = account_id

    # Lookups -----------------------------------------------------------------

    def line(self, word: str) -> int:
        pk = self.lines.get(normalise_key(word))
        if pk is None:
            raise ReferenceError_(_("No business line is called “%(value)s”.") % {"value": word})
        if pk == AMBIGUOUS:
            raise ReferenceError_(_("Several business lines match; use the line's code."))
        if pk not in self.writable_lines:
            raise ReferenceError_(
                _("You may not import into the business line “%(value)s”.") % {"value": word}
            )
        return pk

    def person(self, word: str) -> int:
        key = word.strip().casefold()
        pk = self.people.get(key)
        if pk is None:
            pk = self.people.get(normalise_key(word))
        if pk is None:
            raise ReferenceError_(
                _("No person you may see is called “%(value)s” (use the username).")
                % {"value": word}
            )
        if pk == AMBIGUOUS:
            raise ReferenceError_(
                _("Several people are called “%(value)s”; use the username.") % {"value": word}
            )
        return pk

    def account(self, word: str, line_id: int | None) -> int | NewAccount:
        pk = self.accounts.find(word, line_id)
        if pk is None and self.create_missing and line_id is not None:
            return NewAccount(word, line_id)
        if pk is None:
            raise ReferenceError_(
                _("No account you may see has the external ID or name “%(value)s”.")
                % {"value": word}
            )
        if pk == AMBIGUOUS:
            raise ReferenceError_(
                _("Several accounts match “%(value)s”; use the external ID.") % {"value": word}
            )
        return pk

    def opportunity(self, word: str, line_id: int | None) -> int:
        pk = self.opportunities.find(word, line_id)
        if pk is None:
            raise ReferenceError_(
                _("No opportunity you may see has the external ID or name “%(value)s”.")
                % {"value": word}
            )
        if pk == AMBIGUOUS:
            raise ReferenceError_(
                _("Several opportunities match “%(value)s”; use the external ID.") % {"value": word}
            )
        return pk
