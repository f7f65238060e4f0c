"""Activities, presales solution requests, and the rollups maintained from activities.

Dashboards read the two rollup tables, never raw activities (DESIGN.md §4).
Every write of an activity goes through ``activities.services``, which keeps
the rollups equal to a recount; ``salesmesh rollups --verify`` proves it.
"""

from __future__ import annotations

from itertools import combinations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Account
from salesmesh.pipeline.models import Opportunity

MINUTES_PER_DAY = 24 * 60


class ActivityType(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    DEMO = "demo", _("Demo")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom message")
    EVENT = "event", _("Event")


class Activity(models.Model):
    """One sales behaviour: who did what, with which account, when, and whether it reached.

    ``person`` and ``account`` are protected: deleting either would change the
    rollups behind the services' back.
    """

    type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,  # led by the (person, occurred_at) index
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        db_index=False,  # led by the (account, occurred_at) index
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    reached = models.BooleanField(
        _("reached"), default=False, help_text=_("The customer was actually reached.")
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=0, validators=[MaxValueValidator(MINUTES_PER_DAY)]
    )
    external_id = models.CharField(
        _("external ID"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The activity's ID in the source system (imports upsert by it)."),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__lte=MINUTES_PER_DAY),
                name="activity_duration_within_a_day",
            ),
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="activity_external_id_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="activity_person_time"),
            models.Index(fields=["account", "occurred_at"], name="activity_account_time"),
            # The activity list of a manager or the head, newest first: most rows are theirs
            # to see, so reading this index backwards finds a page after a page's worth of
            # rows instead of sorting the whole table (the demo's list page: 120 → 40 ms on
            # PostgreSQL, 115 → 26 ms on SQLite; what is left is mostly the count).
            models.Index(fields=["-occurred_at", "-id"], name="activity_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.person} · {self.occurred_at:%Y-%m-%d %H:%M}"


# The presales steps in the order they happen; a later step cannot be dated
# before an earlier one that is recorded.
SOLUTION_STEPS = ("requested_at", "responded_at", "submitted_at", "reviewed_at", "completed_at")


def _steps_in_order() -> models.Q:
    condition = models.Q()
    for earlier, later in combinations(SOLUTION_STEPS, 2):
        condition &= (
            models.Q(**{f"{earlier}__isnull": True})
            | models.Q(**{f"{later}__isnull": True})
            | models.Q(**{f"{later}__gte": models.F(earlier)})
        )
    return condition


class SolutionRequest(models.Model):
    """A presales solution request: intake, response, submission, review, completion.

    Presales is measured on response rate, first-pass rate and completion
    rate (DESIGN.md §1.2), all from these timestamps.
    """

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="solution_requests",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="solution_requests",
    )
    presales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presales owner"),
        on_delete=models.PROTECT,
        related_name="solution_requests",
    )
    requested_at = models.DateTimeField(_("requested at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    passed_first_review = models.BooleanField(
        _("passed first review"),
        null=True,
        blank=True,
        help_text=_("Whether the customer accepted the solution at the first review."),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("solution request")
        verbose_name_plural = _("solution requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_steps_in_order(),
                name="solution_request_steps_in_order",
                violation_error_message=_(
                    "Requested, responded, submitted, reviewed and completed must be in order."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(passed_first_review__isnull=True)
                | models.Q(reviewed_at__isnull=False),
                name="solution_request_verdict_needs_review",
                violation_error_message=_("A review verdict needs the review's date."),
            ),
        ]
        indexes = [
            models.Index(fields=["presales_owner", "requested_at"], name="solution_owner_time"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.requested_at:%Y-%m-%d}"


# The rollups' counts carry no CHECK constraints (not negative, reached within
# attempts): ``rollups_apply`` upserts *deltas*, and SQLite and PostgreSQL both
# check the candidate row of ``INSERT … ON CONFLICT`` before they find the
# conflict, so a row holding a delta of −1 would be refused although the total
# it produces is valid. ``rollups_verify`` checks the totals against a recount.


class ActivityDailyRollup(models.Model):
    """Attempts and reached activities per person × local day × type (maintained)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # led by the unique (person, day, type) index
    )
    day = models.DateField(_("day"))
    type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    attempts = models.IntegerField(_("attempts"))
    reached = models.IntegerField(_("reached"))

    class Meta:
        verbose_name = _("daily activity rollup")
        verbose_name_plural = _("daily activity rollups")
        ordering = ["-day", "person", "type"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day", "type"], name="daily_rollup_key"),
        ]
        indexes = [
            # Only rows an apply has just emptied are in it, so deleting them is cheap.
            models.Index(
                fields=["attempts"], condition=models.Q(attempts=0), name="daily_rollup_empty"
            ),
            # The key and the counts: the board and the mesh sum a line's reps' calls and
            # visits over a period from this index alone, never visiting the table (half
            # the time for 1,000 reps × a quarter on SQLite and PostgreSQL,
            # benchmarks/mesh.py). The type before the day: a sum of two types reads their
            # two ranges, not the other five types' rows in between (SQLite 23 → 17 ms for
            # a quarter). Sums over every type use the key's own index. Fields rather than
            # ``include``, which SQLite would ignore.
            models.Index(
                fields=["person", "type", "day", "attempts", "reached"],
                name="daily_rollup_counts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.day} · {self.type}"


class AccountWeeklyTouch(models.Model):
    """Activities with an account per week starting Monday, local time (maintained)."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # led by the unique (account, week_start) index
    )
    week_start = models.DateField(_("week starting"))
    touches = models.IntegerField(_("touches"))
    reached = models.IntegerField(_("reached"))

    class Meta:
        verbose_name = _("weekly account touch")
        verbose_name_plural = _("weekly account touches")
        ordering = ["-week_start", "account"]
        constraints = [
            models.UniqueConstraint(fields=["account", "week_start"], name="weekly_touch_key"),
        ]
        indexes = [
            models.Index(fields=["week_start"], name="weekly_touch_week"),
            models.Index(
                fields=["touches"], condition=models.Q(touches=0), name="weekly_touch_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.week_start}"
