"""Public webhook endpoints: no authentication, no CSRF; each gateway verifies its own way."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import ErrorSerializer

from .midtrans import midtrans_notification_receive
from .receipt import delivery_source
from .xendit import xendit_callback_receive

_RECEIVED = inline_serializer(
    "WebhookReceived",
    {"received": serializers.BooleanField(), "verdict": serializers.CharField(help_text="What was done with it.")},
)
_RESPONSES = {
    200: OpenApiResponse(_RECEIVED, description="Stored and processed (or already done)."),
    400: OpenApiResponse(ErrorSerializer, description="Not JSON, missing fields, bad or mismatched amount."),
    401: OpenApiResponse(ErrorSerializer, description="Signature or callback token wrong."),
    404: OpenApiResponse(ErrorSerializer, description="Unknown order (or, for Midtrans, GoPay account)."),
    429: OpenApiResponse(ErrorSerializer, description="RATE_LIMITED: too many rejected deliveries from this address."),
}


class _RawJSONParser(BaseParser):
    """Never used to parse: the views read request.body themselves (signatures need the raw
    bytes, and any content type is stored). It only documents the JSON body in the schema."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class _WebhookView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [_RawJSONParser]
    throttle_classes: list = []

    def answer(self, answer) -> Response:
        return Response(answer.body, status=answer.status, headers=answer.headers)


class MidtransWebhookView(_WebhookView):
    @extend_schema(
        operation_id="webhooks_midtrans",
        summary="Midtrans HTTP notification (public; verified by signature_key)",
        request=OpenApiTypes.OBJECT,
        responses={**_RESPONSES, 503: OpenApiResponse(ErrorSerializer, description="Status API down: retry.")},
        auth=[],
    )
    def post(self, request):
        return self.answer(
            midtrans_notification_receive(body=request.body, headers=request.headers, source=delivery_source(request))
        )


class XenditWebhookView(_WebhookView):
    @extend_schema(
        operation_id="webhooks_xendit",
        summary="Xendit invoice callback (public; verified by x-callback-token)",
        parameters=[OpenApiParameter("x-callback-token", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        request=OpenApiTypes.OBJECT,
        responses=_RESPONSES,
        auth=[],
    )
    def post(self, request):
        return self.answer(
            xendit_callback_receive(body=request.body, headers=request.headers, source=delivery_source(request))
        )
