from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Membership


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Membership.Role.MEMBER, _("Member")), (Membership.Role.ADMIN, _("Admin"))],
        initial=Membership.Role.MEMBER,
    )
