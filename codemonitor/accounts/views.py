"""Signing in and out, two-factor codes, passwords."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import mark_verified, signed_in_user
from codemonitor.accounts.models import ApiToken, User
from codemonitor.accounts.services import (
    API_TOKENS_PER_USER,
    ApiTokenRefused,
    SignInRefused,
    api_token_create,
    api_token_revoke,
    client_network,
    password_reset_request,
    sign_in_check,
    totp_check,
    totp_confirm,
    totp_new_secret,
    totp_uri,
    user_two_factor_off,
)
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.languages import active as active_language
from codemonitor.core.throttle import client_ip, client_key, throttle_hit

PENDING = "sign_in_pending_user"
NEXT = "sign_in_next"


class SignInForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Email address or user name"), max_length=254)
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput, max_length=4096
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"), max_length=12
    )


def _next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home")


def _complete(request: HttpRequest, user: User, *, verified: bool) -> None:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if verified:
        mark_verified(request, user)
    # Every sign-in, with the network it came from (not the address): the owner's networks
    # still sign in when the account is being guessed at from elsewhere.
    audit_log(
        action=Action.USER_SIGNED_IN,
        target=user,
        actor=user,
        data={"network": client_network(client_ip(request))},
    )


def _refusal(refused: SignInRefused) -> str:
    if refused.locked_until is None:
        # Failures from many addresses: paused for everyone, whichever address this is.
        return _(
            "There have been too many failed attempts to sign in to this account in the last "
            "hour. Signing in to it is paused for a while; please try again later."
        )
    return _(
        "Too many failed attempts from your connection: please wait until %(time)s before "
        "you try again, or reset your password."
    ) % {"time": formats.time_format(timezone.localtime(refused.locked_until), "H:i")}


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        limit, window = settings.RATE_SIGN_IN_PER_IP
        address = client_key(request)
        if not throttle_hit(f"sign-in:ip:{address}", limit=limit, window_seconds=window):
            form.add_error(
                None, _("Too many attempts from this address; please wait a few minutes.")
            )
            return render(
                request, "accounts/sign_in.html", {"form": form, "next": target}, status=429
            )
        try:
            user = sign_in_check(
                request=request, username=username, password=form.cleaned_data["password"]
            )
        except SignInRefused as refused:
            form.add_error(None, _refusal(refused))
            return render(
                request, "accounts/sign_in.html", {"form": form, "next": target}, status=429
            )
        if user is None:
            form.add_error(None, _("The email address or the password is not right."))
            return render(
                request, "accounts/sign_in.html", {"form": form, "next": target}, status=400
            )
        if user.two_factor_enabled:
            request.session[PENDING] = user.pk
            request.session[NEXT] = _next(request, target)
            return redirect("accounts:code")
        _complete(request, user, verified=not user.two_factor_required)
        if user.two_factor_required:
            request.session[NEXT] = _next(request, target)
            messages.info(
                request,
                _(
                    "Secretariat accounts sign in with a second factor. Set up "
                    "your authenticator app to continue."
                ),
            )
            return redirect("accounts:two_factor")
        return HttpResponseRedirect(_next(request, target))
    return render(request, "accounts/sign_in.html", {"form": form, "next": target})


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return redirect("accounts:sign_in")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            right = totp_check(user=user, code=form.cleaned_data["code"], ip=client_key(request))
        except SignInRefused:
            form.add_error(None, _("Too many codes tried; wait a few minutes."))
            status = 429
        else:
            if right:
                target = request.session.get(NEXT) or reverse("home")
                _complete(request, user, verified=True)
                return HttpResponseRedirect(_next(request, target))
            form.add_error(
                "code",
                _("This code is not right or has expired; enter the code your app shows now."),
            )
    return render(request, "accounts/code.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app; required for the Secretariat."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    if user.two_factor_enabled and signed_in_user(request) is None:
        return redirect("accounts:sign_in")
    form = CodeForm(request.POST or None)
    if (request.method == "POST" and request.POST.get("action") == "new") or not user.totp_secret:
        totp_new_secret(user)
        if request.method == "POST":
            return redirect("accounts:two_factor")
    elif request.method == "POST" and form.is_valid():
        if totp_confirm(user, form.cleaned_data["code"]):
            mark_verified(request, user)
            messages.success(request, _("Two-factor sign-in is on."))
            target = request.session.pop(NEXT, None)
            return HttpResponseRedirect(_next(request, target))
        form.add_error(
            "code", _("This code is not right or has expired; enter the code your app shows now.")
        )
    uri = totp_uri(user)
    qr = base64.b64encode(segno.make(uri, error="m").svg_inline(scale=4).encode()).decode()
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "secret": user.totp_secret,
            "qr": qr,
            "uri": uri,
            "required": user.two_factor_required,
            "enabled": user.two_factor_enabled,
        },
    )


@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return redirect("accounts:sign_in")
    if user.two_factor_required:
        messages.error(request, _("Secretariat accounts must keep two-factor sign-in."))
    else:
        user_two_factor_off(user=user)
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:account")


@never_cache
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    return render(request, "accounts/account.html", {"account": user})


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the token"),
        help_text=gettext_lazy("What it is for, e.g. “the ministry's dashboard”."),
        max_length=100,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """One's own tokens for the read API: made here (the token is shown on this answer only,
    never again), listed, revoked."""
    user = signed_in_user(request)
    if user is None:
        return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    form = ApiTokenForm(request.POST or None)
    made: tuple[ApiToken, str] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = api_token_create(user=user, name=form.cleaned_data["name"])
            except ApiTokenRefused:
                form.add_error(
                    None,
                    _(
                        "You hold %(count)s tokens already: revoke one you no longer use "
                        "before you make another."
                    )
                    % {"count": API_TOKENS_PER_USER},
                )
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    tokens = list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "account": user,
            "form": form,
            "tokens": tokens,
            "made": made[0] if made else None,
            "secret": made[1] if made else "",
        },
        status=status,
    )


@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return redirect(f"{reverse('accounts:sign_in')}?next={reverse('accounts:api_tokens')}")
    try:
        token = api_token_revoke(user=user, token_id=token_id)
    except LookupError:
        raise Http404 from None
    messages.success(
        request,
        _("The token “%(name)s” is revoked: it reads nothing any more.") % {"name": token.name},
    )
    return redirect("accounts:api_tokens")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("home")


class _PasswordReset(auth_views.PasswordResetView):
    """Django's form and token, with limits, and the email sent by the worker.

    Limited per IP address and per email address (counted whatever the address); within the
    limits the request only queues a task that looks the address up (`password_reset_request`),
    so that it does the same work, in the same time, for a registered address and another.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        request = self.request
        email = form.cleaned_data["email"]
        ip_limit, ip_window = settings.RATE_RESET_PER_IP
        email_limit, email_window = settings.RATE_RESET_PER_EMAIL
        if not throttle_hit(
            f"reset:ip:{client_key(request)}", limit=ip_limit, window_seconds=ip_window
        ) or not throttle_hit(
            f"reset:email:{email.strip().lower()}", limit=email_limit, window_seconds=email_window
        ):
            form.add_error(
                None,
                _(
                    "Too many requests to reset a password came from here or for this "
                    "address in the last hour. Please try again later."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        password_reset_request(
            email=email,
            protocol="https" if request.is_secure() else "http",
            domain=request.get_host(),
            language=active_language(),
        )
        return HttpResponseRedirect(self.get_success_url())


password_reset = _PasswordReset.as_view(
    template_name="accounts/password_reset.html",
    success_url=reverse_lazy("accounts:password_reset_sent"),
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html"
)


class _PasswordSet(auth_views.PasswordResetConfirmView):
    """Django's view, with the new password audited (the password itself never is)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_log(action=Action.USER_PASSWORD_SET, target=form.user, actor=form.user)
        return response


password_reset_confirm = _PasswordSet.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
