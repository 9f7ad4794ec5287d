from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import CreditTransaction
from ..selectors import ledger_description_display


class TrialSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    max = serializers.IntegerField()
    ends_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField(help_text="The trial period runs and the organization has no paid plan.")


class CreditBalanceSerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    bonus_balance = serializers.IntegerField()
    total = serializers.IntegerField()
    trial = TrialSerializer()


class CreditTransactionSerializer(serializers.ModelSerializer):
    refund_of = serializers.UUIDField(source="refund_of_id", allow_null=True, read_only=True)
    description = serializers.SerializerMethodField(help_text="In the caller's language (Accept-Language).")

    class Meta:
        model = CreditTransaction
        fields = [
            "id",
            "type",
            "amount",
            "main_amount",
            "bonus_amount",
            "balance_after",
            "bonus_balance_after",
            "feature",
            "reference_type",
            "reference_id",
            "description",
            "refund_of",
            "created_at",
        ]
        read_only_fields = fields

    def get_description(self, row: CreditTransaction) -> str:
        return ledger_description_display(row)


class CreditTransactionPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CreditTransactionSerializer(many=True)


class CreditTransactionFilterSerializer(serializers.Serializer):
    """The query string of /api/credits/transactions: `type`, and `from` / `to` as ISO dates."""

    type = serializers.ChoiceField(choices=CreditTransaction.Type.choices, required=False)

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so these two cannot be class attributes.
        fields["from"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        fields["to"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": [_("Must not be after `to`.")]})
        return attrs
