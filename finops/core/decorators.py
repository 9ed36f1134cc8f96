from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase

from finops.accounts.selectors import require_model_perm
from finops.core.http import AuthedRequest

View = Callable[..., HttpResponseBase]


def role_required(perm: str | None = None) -> Callable[[View], View]:
    """Signed in, and (when perm is given) a role that may use this kind of record; else 403."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if perm:
                require_model_perm(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
