from django.utils import timezone

from finops.core.models import Heartbeat


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
