"""From lägesbild to action (Lag 2023:196 5–6 §, 9–13 §): problems and their causes, the
decided åtgärdsplan and its measures with measurable goals, follow-up, effect evaluations,
written agreements, the strategic council, citizen promises and EST meetings."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LiveManager(models.Manager[Any]):
    """The default manager of a record that can be removed: removed rows are left out of every
    list, query, document and count (and of related managers, which use the default manager's
    class). ``all_objects`` still reads them, for the history."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(removed_at__isnull=True)


class LiveCauseManager(LiveManager):
    """A cause is gone with its problem, too."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(problem__removed_at__isnull=True)


class Removable(models.Model):
    """Soft removal (issue 13, item 8): the row stays, for the audit trail and the history."""

    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    objects = LiveManager()
    all_objects: ClassVar[models.Manager[Any]] = models.Manager()  # noqa: DJ012 (the default manager is the first)

    class Meta:
        abstract = True


class Colour(models.TextChoices):
    GREEN = "green", _("Green: on track")
    YELLOW = "yellow", _("Yellow: at risk")
    RED = "red", _("Red: off track")


class Problem(Removable):
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="problems"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(
        "areas.Area", blank=True, related_name="+", verbose_name=_("areas")
    )
    categories = models.ManyToManyField(
        "incidents.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=2, choices=[(1, _("High")), (2, _("Medium")), (3, _("Low"))]
    )
    evidence = models.CharField(
        _("evidence"),
        max_length=1000,
        blank=True,
        help_text=_("Where the problem was seen: the finding or the filtered map (a link)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "title"]

    def __str__(self) -> str:
        return self.title


class CauseGroup(models.TextChoices):
    PLACE = "place", _("Place")
    TARGET = "target", _("Target or victim")
    OFFENDER = "offender", _("Offender")
    SITUATION = "situation", _("Situation")


class Cause(Removable):
    """One cause in the crime triangle / fishbone; ``chain`` describes a chain of events."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="causes")
    group = models.CharField(_("group"), max_length=16, choices=CauseGroup.choices)
    text = models.CharField(_("cause"), max_length=500)
    chain = models.TextField(_("chain of events"), blank=True)

    objects: ClassVar[LiveManager] = LiveCauseManager()

    class Meta:
        ordering = ["group", "id"]
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.text


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DECIDED = "decided", _("Decided")
    FOLLOWED_UP = "followed_up", _("Followed up")


class ActionPlan(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="action_plans"
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    situation_report = models.ForeignKey(
        "situation.SituationReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the lägesbild it rests on"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    decision_body = models.CharField(_("decided by (body)"), max_length=150, blank=True)
    decision_date = models.DateField(_("decided on"), null=True, blank=True)
    diarienummer = models.CharField(_("reference number (diarienummer)"), max_length=50, blank=True)
    minutes = models.FileField(_("minutes (PDF)"), upload_to="minutes/", blank=True)
    version = models.PositiveIntegerField(default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The decision document (issue 13, item 5): what kommunstyrelsen decides.
    effect_goals = models.TextField(_("effect goals"), blank=True)
    budget_total = models.DecimalField(
        _("budget total (SEK)"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    proposed_decision = models.TextField(_("proposed decision"), blank=True)
    follow_up_plan = models.TextField(_("follow-up plan"), blank=True)
    # Links to other steering documents (7 §): [{"kind", "title", "reference"}], checked by
    # plans/plan_document.check_links.
    links = models.JSONField(_("links to other steering documents"), default=list, blank=True)

    class Meta:
        ordering = ["-period_start", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_total__isnull=True)
                | models.Q(budget_total__gte=0, budget_total__lte=1_000_000_000),
                name="plan_budget_total_in_bounds",
            )
        ]

    def __str__(self) -> str:
        return self.title


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from the incidents")
    ENTERED = "entered", _("Entered (e.g. a survey share)")


class Measure(Removable):
    """One row of Brå's template: cause → measure → operational goal → when → who → follow-up."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="measures")
    problem = models.ForeignKey(
        Problem, on_delete=models.SET_NULL, null=True, blank=True, related_name="measures"
    )
    cause = models.ForeignKey(
        Cause, on_delete=models.SET_NULL, null=True, blank=True, related_name="measures"
    )
    unlinked_reason = models.CharField(
        _("why it is not linked to a problem"), max_length=500, blank=True
    )
    title = models.CharField(_("measure"), max_length=300)
    goal = models.CharField(_("operational goal"), max_length=500)
    indicator_kind = models.CharField(
        _("indicator"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.COMPUTED
    )
    indicator_categories = models.ManyToManyField(
        "incidents.Category", blank=True, related_name="+"
    )
    indicator_areas = models.ManyToManyField("areas.Area", blank=True, related_name="+")
    indicator_label = models.CharField(_("indicator (entered)"), max_length=200, blank=True)
    baseline_start = models.DateField(_("baseline from"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    baseline_value = models.FloatField(_("baseline"), null=True, blank=True)
    target_value = models.FloatField(_("target"), null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    when = models.CharField(_("when"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    contact = models.CharField(_("contact (role or function)"), max_length=200, blank=True)
    one_off = models.BooleanField(_("a one-off effort (punktinsats)"), default=False)
    estimated_cost = models.DecimalField(
        _("estimated cost (SEK)"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    colour = models.CharField(
        _("follow-up status"), max_length=8, choices=Colour.choices, blank=True
    )
    budget = models.DecimalField(
        _("budget (SEK)"), max_digits=12, decimal_places=0, null=True, blank=True
    )

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget__isnull=True)
                | models.Q(budget__gte=0, budget__lte=1_000_000_000),
                name="measure_budget_in_bounds",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def linked(self) -> bool:
        return self.problem_id is not None and self.cause_id is not None


class FollowUp(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField(_("date"))
    colour = models.CharField(_("status"), max_length=8, choices=Colour.choices)
    note = models.TextField(_("note"), blank=True)
    indicator_value = models.FloatField(_("indicator value"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.measure}: {self.date}"


class PlanFollowUp(models.Model):
    """The plan-level follow-up (6 §: at least every second year), approved by a body."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="plan_follow_ups")
    date = models.DateField(_("date"))
    summary = models.TextField(_("summary"))
    approved_body = models.CharField(_("approved by (body)"), max_length=150, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.plan}: {self.date}"


class Evaluation(models.Model):
    """An effect evaluation, saved as a dated snapshot of its inputs and results."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="evaluations"
    )
    title = models.CharField(_("title"), max_length=200)
    inputs = models.JSONField(default=dict)
    results = models.JSONField(default=dict)
    conclusion = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Agreement(Removable):
    """A samverkansöverenskommelse (9 §): purposes and areas are required."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(
        "tenancy.Organisation", related_name="+", verbose_name=_("parties")
    )
    purposes = models.TextField(_("purposes"))
    areas = models.ManyToManyField("areas.Area", related_name="+", verbose_name=_("areas"))
    problems = models.ManyToManyField(
        Problem, blank=True, related_name="agreements", verbose_name=_("problems")
    )
    goals = models.TextField(_("measurable goals"), blank=True)
    documentation = models.TextField(_("how the work is documented and followed up"), blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signatories = models.TextField(_("signed by (roles)"), blank=True)

    class Meta:
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return self.title


class CouncilMember(Removable):
    """A member of the strategic council (10 §), by role: the council is led by the kommun and
    its members hold leading positions."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=200)
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    leading_position = models.BooleanField(_("leading position"), default=True)
    chair = models.BooleanField(_("chair"), default=False)

    def __str__(self) -> str:
        return self.role


class CouncilMeeting(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date}"


class PromiseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    DONE = "done", _("Done")
    NOT_DONE = "not_done", _("Not done")


class PromiseParty(models.TextChoices):
    """Who makes a commitment in a medborgarlöfte: the three parts residents read."""

    KOMMUNEN = "kommunen", _("The municipality promises")
    POLISEN = "polisen", _("The police promise")
    TILLSAMMANS = "tillsammans", _("Together we promise")


class CitizenPromise(models.Model):
    """A medborgarlöfte: the public part of a samverkansöverenskommelse, with activities that
    the kommun, the police or both together promise (PromiseActivity)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("promise"), max_length=300)
    public_text = models.TextField(_("text for residents"))
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promises",
        verbose_name=_("agreement (samverkansöverenskommelse)"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.PLANNED
    )

    class Meta:
        ordering = ["-period_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="promise_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PromiseActivity(models.Model):
    """One commitment of a promise, owned by one of the three parties, with its own status
    (the latest follow-up's)."""

    promise = models.ForeignKey(CitizenPromise, on_delete=models.CASCADE, related_name="activities")
    party = models.CharField(_("who promises"), max_length=16, choices=PromiseParty.choices)
    text = models.CharField(_("activity"), max_length=500)
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.PLANNED
    )

    class Meta:
        ordering = ["party", "id"]

    def __str__(self) -> str:
        return self.text


class PromiseFollowUp(models.Model):
    """A follow-up of one activity by its party: the day, the status, a note and who."""

    activity = models.ForeignKey(
        PromiseActivity, on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=16, choices=PromiseStatus.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded for"),
    )

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.activity}: {self.date}"


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("EST meeting (weekly or fortnightly)")
    QUARTERLY = "quarterly", _("Quarterly analysis meeting")


class Meeting(models.Model):
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    date = models.DateField(_("date"))
    participants = models.ManyToManyField(
        "tenancy.Organisation", blank=True, related_name="+", verbose_name=_("participants")
    )
    agenda = models.JSONField(default=dict)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class MeetingTask(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tasks")
    text = models.CharField(_("task"), max_length=300)
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    due = models.DateField(_("due"))
    measure = models.ForeignKey(
        Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due"]

    def __str__(self) -> str:
        return self.text


class ComplianceSettings(models.Model):
    """What the municipality has named: its coordination function, the reports to
    kommunfullmäktige, and whether the public information page is on."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="compliance"
    )
    coordination_function = models.CharField(
        _("coordination function (11 §)"), max_length=300, blank=True
    )
    contact_point = models.CharField(
        _("contact point for external actors (12 §)"), max_length=300, blank=True
    )
    public_page = models.BooleanField(_("public information page (12 §) is on"), default=False)
    last_council_report = models.DateField(
        _("last report to kommunfullmäktige (13 §)"), null=True, blank=True
    )

    def __str__(self) -> str:
        return str(self.municipality)


class CouncilReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REPORTED = "reported", _("Reported to the municipal council")


class CouncilReport(models.Model):
    """The yearly report to kommunfullmäktige (13 §) as an ärende: its diarienummer, the 3–5
    key messages the coordinator writes, the proposed decision, and — once an explicit action
    says so — the day it was reported. Its sections are frozen then, so the ärende reads as it
    was reported however the data change later."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("year reported on"))
    diarienummer = models.CharField(_("diarienummer"), max_length=60, blank=True)
    key_messages = models.JSONField(_("key messages"), default=list, blank=True)
    proposed_decision = models.TextField(_("proposed decision"), blank=True)
    status = models.CharField(
        max_length=10, choices=CouncilReportStatus.choices, default=CouncilReportStatus.DRAFT
    )
    reported_on = models.DateField(_("reported to the municipal council on"), null=True, blank=True)
    frozen = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="one_council_report_per_year"
            ),
            # A report is "reported" only with the day and the diarienummer it was reported under.
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (models.Q(reported_on__isnull=False) & ~models.Q(diarienummer="")),
                name="council_report_reported_has_date_and_dnr",
            ),
        ]

    def __str__(self) -> str:
        return f"Rapport till kommunfullmäktige {self.year}"
