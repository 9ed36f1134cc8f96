from django.http import HttpRequest

from finops.accounts.navigation import navigation_for
from finops.accounts.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": navigation_for(user, request.path),  # type: ignore[arg-type]
        "user_role_label": ", ".join(role.label for role in user_roles(user)),  # type: ignore[arg-type]
    }
