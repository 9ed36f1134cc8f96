"""Abstract bases every canonical record shares, and the process heartbeat."""

import uuid

from django.db import models
from django.utils import timezone

from finops.core.money import CURRENCY_REGEX


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class SourcedModel(models.Model):
    """A record that came from (or is mirrored to) a system of record.

    source + external_id is the record's identity in that system; correlation_id ties it to the
    inbound message that created it and to every event that followed.
    """

    source = models.CharField(max_length=64, default="manual")
    external_id = models.CharField(max_length=128)
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


def currency_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__regex": CURRENCY_REGEX}), name=name)


def non_negative_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": 0}), name=name)


class Heartbeat(models.Model):
    """Last time each background process (worker, beat) proved it was alive."""

    name = models.CharField(max_length=32, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
