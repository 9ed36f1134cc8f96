import datetime as dt

from django.utils import timezone

from finops.core.models import Heartbeat


def process_health(*, stale_after: dt.timedelta = dt.timedelta(minutes=2)) -> list[dict[str, object]]:
    """Worker and beat liveness for the admin home page."""
    seen = {h.name: h.seen_at for h in Heartbeat.objects.filter(name__in=("worker", "beat"))}
    now = timezone.now()
    return [
        {"name": name, "seen_at": seen.get(name), "is_alive": bool(seen.get(name) and now - seen[name] < stale_after)}
        for name in ("worker", "beat")
    ]
