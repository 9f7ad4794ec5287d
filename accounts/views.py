"""Pages: organization settings, accepting an invitation, switching organization."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError

from . import services
from .current import remember_organization
from .forms import InvitationForm, OrganizationForm
from .models import Membership
from .selectors import (
    invitation_addressed_to,
    invitation_get_by_token,
    invitation_list_pending,
    membership_get,
    membership_list_for_organization,
)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    organization_form = OrganizationForm(initial={"name": organization.name})
    invitation_form = InvitationForm()
    status = 200
    if request.method == "POST":
        status = 400  # a POST that does not redirect had something wrong with it
        action = request.POST.get("action")
        try:
            if action == "rename":
                organization_form = OrganizationForm(request.POST)
                if organization_form.is_valid():
                    services.organization_rename(membership=membership, name=organization_form.cleaned_data["name"])
                    messages.success(request, _("Organization name saved."))
                    return redirect("settings")
            elif action == "invite":
                invitation_form = InvitationForm(request.POST)
                if invitation_form.is_valid():
                    invitation = services.invitation_create(membership=membership, **invitation_form.cleaned_data)
                    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                    return redirect("settings")
            elif action == "revoke":
                services.invitation_revoke(membership=membership, invitation_id=request.POST.get("invitation_id"))
                messages.success(request, _("Invitation revoked."))
                return redirect("settings")
            elif action in TEAM_ACTIONS:
                return _team_action(request, membership, action)
        except ApplicationError as error:
            messages.error(request, error.message)
            status = error.status_code
    context = {
        "organization_form": organization_form,
        "invitation_form": invitation_form,
        "members": membership_list_for_organization(organization_id=organization.id),
        "invitations": invitation_list_pending(organization_id=organization.id),
        "can_manage": membership.can_manage,
        "is_owner": membership.role == Membership.Role.OWNER,
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/settings.html", context, status=status)


TEAM_ACTIONS = ("create_team", "change_role", "remove", "leave", "transfer", "billing_details")


def _team_action(request: HttpRequest, membership, action: str) -> HttpResponse:
    """The team forms of the settings page; a refusal raises ApplicationError (shown by the caller)."""
    post = request.POST
    if action == "create_team":
        organization = services.organization_create_team(owner=request.user, name=post.get("name"))
        remember_organization(request, membership_get(user=request.user, organization_id=organization.pk))
        messages.success(request, _("Team %(org)s created. You are its owner.") % {"org": organization.name})
    elif action == "change_role":
        services.membership_role_change(membership=membership, user_id=post.get("user_id"), role=post.get("role"))
        messages.success(request, _("Role changed."))
    elif action == "remove":
        services.membership_remove(membership=membership, user_id=post.get("user_id"))
        messages.success(request, _("Member removed."))
    elif action == "leave":
        services.membership_leave(membership=membership)
        request.session.pop("organization_id", None)
        messages.success(request, _("You left %(org)s.") % {"org": membership.organization.name})
        return redirect("dashboard")
    elif action == "transfer":
        services.ownership_transfer(membership=membership, user_id=post.get("user_id"))
        messages.success(request, _("Ownership transferred. You are now an admin."))
    else:
        services.organization_billing_update(
            membership=membership, tax_id=post.get("tax_id"), billing_address=post.get("billing_address")
        )
        messages.success(request, _("Billing details saved."))
    return redirect("settings")


@login_required
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_get_by_token(token=token)
    except ApplicationError as error:
        return render(request, "accounts/invitation.html", {"error": error.message}, status=404)
    if not invitation_addressed_to(invitation=invitation, user=request.user):
        # Another account is signed in: say nothing about the invitation; offer to switch.
        return render(request, "accounts/invitation_other_account.html", status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ApplicationError as error:
            return render(
                request,
                "accounts/invitation.html",
                {"invitation": invitation, "error": error.message},
                status=error.status_code,
            )
        remember_organization(request, membership)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
        return redirect("dashboard")
    return render(request, "accounts/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        membership = membership_get(user=request.user, organization_id=request.POST.get("organization_id"))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        remember_organization(request, membership)
        messages.success(request, _("Now working in %(org)s.") % {"org": membership.organization.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/dashboard/"
    return redirect(next_url)
