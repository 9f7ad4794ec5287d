from rest_framework import serializers

from core.api import datetime_text
from core.validation import StrictRequestSerializer

from ..models import Invitation, Membership


class UserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    date_joined = serializers.DateTimeField()


class OrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    is_personal = serializers.BooleanField(source="organization.is_personal")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class SubscriptionSectionSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)


class CreditsSectionSerializer(serializers.Serializer):
    balance = serializers.IntegerField(allow_null=True)
    bonus_balance = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField(allow_null=True)
    low = serializers.BooleanField(
        allow_null=True, help_text="Below CREDITS_LOW_BALANCE_THRESHOLD: time to buy credits."
    )


class TrialSectionSerializer(serializers.Serializer):
    used = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField(allow_null=True)


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    organization = OrganizationSerializer()
    organizations = OrganizationSerializer(many=True)
    subscription = SubscriptionSectionSerializer()
    credits = CreditsSectionSerializer()
    trial = TrialSectionSerializer()


def me_representation(*, user, membership: Membership, memberships, sections: dict) -> dict:
    """MeSerializer's output, built directly: /api/me opens every page of the studio, and DRF's
    eight nested serializers (fields deep-copied per instance) were a fifth of its CPU.
    tests/accounts/test_api.py checks that both give the same body."""

    def organization(entry: Membership) -> dict:
        org = entry.organization
        return {"id": str(org.id), "name": org.name, "is_personal": org.is_personal, "role": entry.role}

    subscription, credits, trial = sections["subscription"], sections["credits"], sections["trial"]
    return {
        "user": {
            "id": str(user.id),
            "email": user.email,
            "name": user.name,
            "date_joined": datetime_text(user.date_joined),
        },
        "organization": organization(membership),
        "organizations": [organization(entry) for entry in memberships],
        "subscription": {**subscription, "current_period_end": datetime_text(subscription["current_period_end"])},
        "credits": dict(credits),
        "trial": {**trial, "ends_at": datetime_text(trial["ends_at"])},
    }


class OrganizationUpdateSerializer(StrictRequestSerializer):
    name = serializers.CharField(max_length=120)


class MemberSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")


class InvitationCreateSerializer(StrictRequestSerializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(
        choices=[Membership.Role.ADMIN, Membership.Role.MEMBER], default=Membership.Role.MEMBER
    )


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "expires_at", "created_at"]
