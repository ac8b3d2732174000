"""The register of designated national authorities, as the Secretariat keeps it: every Member
State's entry, its history, the focal points, and the changes focal points propose."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import (
    secretariat_admin,
    secretariat_admin_required,
    secretariat_required,
)
from codemonitor.accounts.models import Role, User, focal_points_by_country
from codemonitor.accounts.services import InviteRefused, user_invite
from codemonitor.core.text import text_plain
from codemonitor.reference.models import MemberState
from codemonitor.registers.forms import AuthorityForm
from codemonitor.registers.models import NationalAuthority, NationalAuthorityProposal
from codemonitor.registers.services import authority_save, proposal_decide, register_csv


class FocalPointForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email of the focal point"), max_length=254)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)


@require_safe
@secretariat_required
def register(request: HttpRequest) -> HttpResponse:
    authorities = {a.member_state_id: a for a in NationalAuthority.objects.all()}
    focal = focal_points_by_country()
    rows = [
        {
            "country": state,
            "authority": authorities.get(state.pk),
            "focal_points": focal.get(state.pk, []),
        }
        for state in MemberState.objects.order_by("iso3")
    ]
    proposals = NationalAuthorityProposal.objects.filter(
        state=NationalAuthorityProposal.State.PENDING
    ).select_related("member_state", "proposed_by")
    return render(
        request,
        "backoffice/register.html",
        {
            "rows": rows,
            "proposals": proposals,
            "designated": sum(1 for row in rows if row["authority"]),
        },
    )


@require_safe
@secretariat_required
def register_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(register_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="designated-national-authorities.csv"'
    return response


@require_http_methods(["GET", "POST"])
@secretariat_required
def entry(request: HttpRequest, iso3: str) -> HttpResponse:
    state = get_object_or_404(MemberState, pk=iso3.upper())
    authority = NationalAuthority.objects.filter(member_state=state).first()
    form = AuthorityForm(request.POST or None, instance=authority, prefix="authority")
    invite = FocalPointForm(prefix="focal")
    if request.method == "POST":
        user = secretariat_admin(request)
        if request.POST.get("action") == "invite":
            invite = FocalPointForm(request.POST, prefix="focal")
            if invite.is_valid():
                try:
                    user_invite(
                        email=invite.cleaned_data["email"],
                        role=Role.FOCAL_POINT,
                        member_state_id=state.pk,
                        invited_by=user,
                        first_name=invite.cleaned_data["first_name"],
                        last_name=invite.cleaned_data["last_name"],
                        base_url=request.build_absolute_uri("/").rstrip("/"),
                    )
                except InviteRefused:
                    invite.add_error("email", _("This address already has another role."))
                else:
                    messages.success(request, _("The focal point is invited."))
                    return redirect("backoffice:register_entry", iso3=state.pk)
        elif form.is_valid():
            authority_save(
                member_state_id=state.pk,
                data=form.cleaned_data,
                user=user,
                note=text_plain(request.POST.get("note", ""), limit=1000),
            )
            messages.success(request, _("The register entry is saved."))
            return redirect("backoffice:register_entry", iso3=state.pk)
    history = authority.changes.select_related("changed_by") if authority else []
    return render(
        request,
        "backoffice/register_entry.html",
        {
            "country": state,
            "authority": authority,
            "form": form,
            "invite": invite,
            "history": history,
            "focal_points": User.objects.filter(
                member_state=state, role=Role.FOCAL_POINT, is_active=True
            ),
            "proposals": NationalAuthorityProposal.objects.filter(member_state=state),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@secretariat_admin_required
def proposal_decision(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    user = secretariat_admin(request)
    proposal = get_object_or_404(NationalAuthorityProposal, pk=proposal_id)
    if decision not in {"accept", "decline"}:
        raise Http404
    proposal_decide(
        proposal=proposal,
        user=user,
        accept=decision == "accept",
        note=text_plain(request.POST.get("note", ""), limit=1000),
    )
    messages.success(
        request, _("The proposal is %(state)s.") % {"state": proposal.get_state_display().lower()}
    )
    return redirect("backoffice:register_entry", iso3=proposal.member_state_id)
