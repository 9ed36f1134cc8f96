from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from finops.core.models import new_correlation_id
from reconciliation.matching.states import (
    LIVE_MATCH_RUN_STATES,
    MATCH_RUN_TRANSITIONS,
    MatchKind,
    MatchRunState,
    MatchTrigger,
)


class MatchRun(models.Model):
    """One run of a matching kind over one entity (and, for kinds that partition by it, one
    currency; blank is every currency). Shared by every kind: 3-way match, cash application, bank
    reconciliation.

    At most one run per (kind, entity, currency) is queued or running: a partial unique constraint
    says so. A run asked for while one is running sets `rerun_requested` on it instead, and the
    running one queues its successor when it finishes, so data that arrived meanwhile is matched.
    The worker holds a lease it renews with every progress report; a run whose lease expired is
    handed back to the queue by the sweeper (its worker died)."""

    TRANSITIONS = MATCH_RUN_TRANSITIONS

    kind = models.CharField(max_length=32, choices=MatchKind.choices)
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3, blank=True, help_text="Blank: every currency of the entity.")
    state = models.CharField(max_length=16, choices=MatchRunState.choices, default=MatchRunState.QUEUED)
    trigger = models.CharField(max_length=16, choices=MatchTrigger.choices, default=MatchTrigger.MANUAL)
    trigger_detail = models.CharField(max_length=200, blank=True, help_text="What set it off, in words.")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_version = models.CharField(max_length=200, blank=True, help_text="The rules and tolerances it ran under.")
    counts = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    rerun_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, db_index=True, default=new_correlation_id)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "entity", "currency"],
                condition=Q(state__in=["queued", "running"]),
                name="matchrun_one_live_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=r"^[A-Z]{3}$"), name="matchrun_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(processed__lte=models.F("total")),
                name="matchrun_processed_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["entity", "kind", "created_at"], name="matchrun_entity_kind_idx"),
            models.Index(fields=["lease_expires_at"], condition=Q(state="running"), name="matchrun_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.pk} ({self.scope})"

    @property
    def scope(self) -> str:
        code = self.entity.code if self.entity_id else "?"
        return f"{code} {self.currency}" if self.currency else code

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_MATCH_RUN_STATES

    @property
    def percent(self) -> int | None:
        """How far the run is, for the progress bar; None while the total is not known."""
        if not self.total:
            return 100 if self.total == 0 and not self.is_live else None
        return min(100, self.processed * 100 // self.total)
