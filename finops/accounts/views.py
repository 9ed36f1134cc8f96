from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from finops.accounts.filters import UserFilter
from finops.accounts.forms import GrantForm, InviteForm, LoginForm, ReasonForm
from finops.accounts.models import User
from finops.accounts.selectors import (
    account_change_refusal,
    administered_entities,
    display_name,
    user_get_managed,
    user_grants,
    user_grants_managed,
    user_list_managed,
)
from finops.accounts.services import (
    AccessRefused,
    user_deactivate,
    user_grant_role,
    user_invitation_resend,
    user_invite,
    user_password_set,
    user_reactivate,
    user_revoke_role,
)
from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """An invited person chooses their password from the emailed one-time link."""

    template_name = "accounts/set_password.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password is set. Sign in with your username and it.")
        return HttpResponseRedirect(self.get_success_url())


def _status(person: User) -> str:
    if not person.is_active:
        return "deactivated"
    return "active" if person.has_usable_password() else "invited"


USER_EXPORT = (
    Column("username", lambda u: u.username),
    Column("name", lambda u: u.get_full_name()),
    Column("email", lambda u: u.email),
    Column("status", _status),
    Column("roles", lambda u: "; ".join(f"{g.label} · {g.entity_code}" for g in user_grants_managed(u))),
    Column("last_login", lambda u: u.last_login.isoformat() if u.last_login else ""),
)


@role_required("accounts.view_user")
def user_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="accounts/user_list.html",
        rows=user_list_managed(user=request.user),
        filterset_class=UserFilter,
        export_columns=USER_EXPORT,
        export_name="users",
        context={"can_invite": request.user.has_perm("accounts.add_user")},
    )


def _site_url(request: AuthedRequest) -> str:
    return request.build_absolute_uri("/")


@role_required("accounts.add_user")
def user_invite_view(request: AuthedRequest) -> HttpResponseBase:
    entities = administered_entities(request.user)
    form = InviteForm(request.POST or None, entities=entities)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            person = user_invite(
                actor=request.user,
                username=values["username"],
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                entity=values["entity"],
                role=form.chosen_role,
                site_url=_site_url(request),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(
                request,
                f"{display_name(person)} is invited: the link to choose a password is on its way to {person.email}.",
            )
            return redirect("accounts:user-detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "accounts/user_invite.html", {"form": form, "has_entities": entities.exists()}, status=status
    )


def _user_page(
    request: AuthedRequest,
    pk: int,
    *,
    partial: str = "",
    status: int = 200,
    error: str = "",
    grant_form: GrantForm | None = None,
    reason_form: ReasonForm | None = None,
) -> HttpResponseBase:
    person = user_get_managed(user=request.user, pk=pk)
    entities = administered_entities(request.user)
    grants = user_grants_managed(person)
    ctx: dict[str, Any] = {
        "person": person,
        "status": _status(person),
        "grants": grants,
        "works_elsewhere": len(user_grants(person)) > len(grants),
        "refusal": account_change_refusal(actor=request.user, person=person),
        "is_self": person.pk == request.user.pk,
        "grant_form": grant_form or GrantForm(entities=entities),
        "reason_form": reason_form or ReasonForm(),
        "error": error,
        "events": events_for_object(person),
    }
    template = f"accounts/user_detail.html#{partial}" if request.htmx and partial else "accounts/user_detail.html"
    return render(request, template, ctx, status=status)


@role_required("accounts.view_user")
def user_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _user_page(request, pk)


def _acted(request: AuthedRequest, pk: int, partial: str, act: Callable[[], object], done: str) -> HttpResponseBase:
    """Run one change of someone's access; 422 with the reason in the panel when a rule refuses
    it (404 and 403 come from the service's checks)."""
    try:
        act()
    except AccessRefused as refusal:
        return _user_page(request, pk, partial=partial, status=422, error=refusal.message)
    messages.success(request, done)
    return _user_page(request, pk, partial=partial) if request.htmx else redirect("accounts:user-detail", pk=pk)


@require_POST
@role_required("accounts.change_user")
def user_deactivate_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    person = user_get_managed(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _user_page(request, pk, partial="account", status=422, reason_form=form)
    reason = form.cleaned_data["reason"]
    return _acted(
        request,
        pk,
        "account",
        lambda: user_deactivate(actor=request.user, user_id=pk, reason=reason),
        f"{display_name(person)} is deactivated: they can no longer sign in.",
    )


@require_POST
@role_required("accounts.change_user")
def user_reactivate_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    person = user_get_managed(user=request.user, pk=pk)
    return _acted(
        request,
        pk,
        "account",
        lambda: user_reactivate(actor=request.user, user_id=pk),
        f"{display_name(person)} is active again, with the roles they had.",
    )


@require_POST
@role_required("accounts.change_user")
def user_resend_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    person = user_get_managed(user=request.user, pk=pk)
    return _acted(
        request,
        pk,
        "account",
        lambda: user_invitation_resend(actor=request.user, user_id=pk, site_url=_site_url(request)),
        f"A new link to choose a password is on its way to {person.email}.",
    )


def _access_change(request: AuthedRequest, pk: int, *, grant: bool) -> HttpResponseBase:
    person = user_get_managed(user=request.user, pk=pk)
    form = GrantForm(request.POST, entities=administered_entities(request.user))
    if not form.is_valid():
        return _user_page(request, pk, partial="access", status=422, grant_form=form)
    entity, role = form.cleaned_data["entity"], form.chosen_role
    if grant:
        act: Callable[[], object] = lambda: user_grant_role(  # noqa: E731
            user=person, role=role, entity=entity, granted_by=request.user
        )
        done = f"{display_name(person)} is now {role.label} in {entity.code}."
    else:
        act = lambda: user_revoke_role(user=person, role=role, entity=entity, revoked_by=request.user)  # noqa: E731
        done = f"{display_name(person)} is no longer {role.label} in {entity.code}."
    return _acted(request, pk, "access", act, done)


@require_POST
@role_required("accounts.change_user")
def user_grant_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _access_change(request, pk, grant=True)


@require_POST
@role_required("accounts.change_user")
def user_revoke_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _access_change(request, pk, grant=False)
