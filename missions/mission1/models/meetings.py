import datetime
from decimal import Decimal

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from core.french import short_date
from core.lateness import Lateness, start_of_day
from core.querysets import CommuneScopedQuerySet

# Head-counts of people not recorded by name: (field name, French label, contact categories it covers).
HEADCOUNT_FIELDS = [
    ("count_elus", "Élu·e·s", {"elu"}),
    ("count_residents", "Habitant·e·s", {"habitant"}),
    ("count_associations", "Associations", {"association"}),
    ("count_farmers", "Agriculteur·rice·s", {"agriculteur"}),
    ("count_others", "Autres acteurs", {"agent", "restauration", "commerce", "institution", "autre"}),
]


class MeetingQuerySet(CommuneScopedQuerySet):
    """Each row belongs to a commune: visibility follows it (see CommuneScopedQuerySet)."""

    def without_minutes_after(self, today: datetime.date, due_days: int):
        """Meetings still without minutes more than `due_days` days (the programme's `minutes_due_days`) after the
        day they were held, on `today`. The same rule as `Meeting.minutes_lateness_on()`."""
        return self.filter(minutes="", starts_at__lt=start_of_day(today - datetime.timedelta(days=due_days)))


class Meeting(VersionedModel):
    """A meeting held in the field. Internal notes are for the team only, never shown to élus."""

    name_is_feminine = True

    class Kind(models.TextChoices):
        LAUNCH = "lancement", "Réunion de lancement"
        ELECTED = "elus", "Réunion d'élus"
        PUBLIC = "publique", "Réunion publique"
        STAKEHOLDERS = "atelier_acteurs", "Atelier d'acteurs"
        STEERING = "copil", "Comité de pilotage"
        INTERVIEW = "entretien", "Entretien"
        VISIT = "visite", "Visite"

    starts_at = models.DateTimeField("date et heure")
    place = models.CharField("lieu", max_length=200)
    kind = models.CharField("type de réunion", max_length=20, choices=Kind.choices)
    title = models.CharField("objet", max_length=200, blank=True)
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    accompaniment = models.ForeignKey(
        "missions.Accompaniment",
        verbose_name="accompagnement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    support_request = models.ForeignKey(
        "missions.SupportRequest",
        verbose_name="demande d'accompagnement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
    )
    participants = models.ManyToManyField(
        "communes.Contact", through="MeetingParticipant", related_name="meetings", verbose_name="participants"
    )
    count_elus = models.PositiveSmallIntegerField("élu·e·s non nommé·e·s", default=0)
    count_residents = models.PositiveSmallIntegerField("habitant·e·s", default=0)
    count_associations = models.PositiveSmallIntegerField("associations", default=0)
    count_farmers = models.PositiveSmallIntegerField("agriculteur·rice·s", default=0)
    count_others = models.PositiveSmallIntegerField("autres acteurs", default=0)
    agenda = models.TextField("ordre du jour", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)])
    minutes = models.TextField("compte rendu", blank=True, max_length=20000, validators=[MaxLengthValidator(20000)])
    decisions = models.TextField("décisions", blank=True, max_length=10000, validators=[MaxLengthValidator(10000)])
    next_steps = models.TextField(
        "prochaines étapes", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )
    internal_notes = models.TextField(
        "notes internes",
        blank=True,
        help_text="Visibles de GBM et du prestataire uniquement, jamais des élus.",
        max_length=10000,
        validators=[MaxLengthValidator(10000)],
    )
    time_spent_half_days = models.DecimalField(
        "temps passé (demi-journées)",
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("20"))],
    )
    created_by = models.ForeignKey(
        "pat_portal.User", verbose_name="saisi par", on_delete=models.PROTECT, related_name="+", null=True
    )

    history = HistoricalRecords(excluded_fields=[])
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["-starts_at"], name="meeting_starts_idx"),
            # Covers the counts of meetings per month of a programme (the dashboard's chart: the moment and the
            # accompaniment, whose programme is checked, read from the index alone: 9 ms → 4 ms at scale 20).
            models.Index(fields=["starts_at", "accompaniment"], name="meeting_month_idx"),
            # The meetings still without minutes (a consultant's home lists and counts them): a few among
            # thousands, found without reading the others' minutes (3.9 ms → 0.04 ms of SQL at scale 20).
            models.Index(fields=["starts_at"], condition=models.Q(minutes=""), name="meeting_no_minutes_idx"),
            models.Index(fields=["commune", "-starts_at"], name="meeting_commune_idx"),
            models.Index(fields=["kind"], name="meeting_kind_idx"),
        ]

    def __str__(self):
        label = self.title or self.get_kind_display()
        return f"{label} — {short_date(self.starts_at)}"

    def get_absolute_url(self):
        return reverse("missions:meeting_detail", args=[self.pk])

    def minutes_lateness_on(self, today: datetime.date, due_days: int) -> Lateness | None:
        """Late when there are still no minutes more than `due_days` days after the meeting's day; counted from the
        due day. The same rule as `Meeting.objects.without_minutes_after()`."""
        if self.minutes:
            return None
        return Lateness.after(timezone.localdate(self.starts_at) + datetime.timedelta(days=due_days), today)

    @property
    def headcount_total(self) -> int:
        return sum(getattr(self, name) for name, _label, _categories in HEADCOUNT_FIELDS)

    def headcounts(self) -> list[tuple[str, int]]:
        return [(label, getattr(self, name)) for name, label, _categories in HEADCOUNT_FIELDS if getattr(self, name)]


class MeetingParticipant(models.Model):
    class Attendance(models.TextChoices):
        PRESENT = "present", "Présent·e"
        EXCUSED = "excuse", "Excusé·e"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participations")
    contact = models.ForeignKey(
        "communes.Contact", verbose_name="contact", on_delete=models.PROTECT, related_name="meeting_participations"
    )
    attendance = models.CharField("présence", max_length=10, choices=Attendance.choices, default=Attendance.PRESENT)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "participant·e"
        verbose_name_plural = "participant·e·s"
        constraints = [models.UniqueConstraint(fields=["meeting", "contact"], name="participant_unique_per_meeting")]

    def __str__(self):
        return f"{self.contact} ({self.get_attendance_display()})"
