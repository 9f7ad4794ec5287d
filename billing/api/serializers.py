from rest_framework import serializers

from core.validation import StrictRequestSerializer

from ..models import Order
from ..offer_names import offer_name


class OfferNameField(serializers.CharField):
    """The offer's name in the caller's language (Accept-Language): seeded names are translated."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, offer) -> str:
        return offer_name(offer)


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = OfferNameField()
    price_idr = serializers.IntegerField()
    credits = serializers.IntegerField()
    daily_limit = serializers.IntegerField()


class PackSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = OfferNameField()
    price_idr = serializers.IntegerField()
    credits = serializers.IntegerField()
    bonus_credits = serializers.IntegerField()


class CatalogueSerializer(serializers.Serializer):
    plans = PlanSerializer(many=True)
    packs = PackSerializer(many=True)


class CheckoutRequestSerializer(StrictRequestSerializer):
    # Validated by the service (which knows the items on sale and the gateways configured);
    # typed here for the schema.
    item = serializers.CharField(help_text='"plan:<code>" or "pack:<code>".')
    gateway = serializers.CharField(help_text="midtrans | xendit | dev (only the configured ones).")


class CheckoutResponseSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    redirect_url = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    item = serializers.CharField()
    amount = serializers.IntegerField(help_text="IDR.")
    gateway = serializers.ChoiceField(choices=Order.Gateway.choices)
    status = serializers.ChoiceField(choices=Order.Status.choices)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
