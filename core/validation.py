"""Strict request bodies for MODO's own endpoints: a field of the wrong JSON type is refused
(DRF would turn 7 into "7" or "1" into 1), and so is a field the endpoint does not know
(DRF would silently drop it). Both answer 400 VALIDATION_ERROR naming the fields.

The OpenAPI schema says the same: request bodies have `additionalProperties: false`
(`request_bodies_closed`, a drf-spectacular postprocessing hook).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# The JSON types each kind of DRF field takes from a body; a subclass matches its parent.
# Order matters: BooleanField before IntegerField because bool is an int in Python.
_JSON_TYPES: list[tuple[type[serializers.Field], tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), _("Must be true or false.")),
    (serializers.ChoiceField, (str,), _("Must be a string.")),
    (serializers.CharField, (str,), _("Must be a string.")),
    (serializers.UUIDField, (str,), _("Must be a string.")),
    (serializers.IntegerField, (int,), _("Must be an integer.")),
    (serializers.ListField, (list,), _("Must be a list.")),
]


def _type_error(field: serializers.Field, value) -> str | None:
    if value is None:
        return None  # allow_null decides
    for kind, types, message in _JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, types) or (kind is serializers.IntegerField and isinstance(value, bool))
            return str(message) if wrong else None
    return None


class StrictRequestSerializer(serializers.Serializer):
    """The base of every request body serializer: exact JSON types, no unknown fields."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors: dict[str, list[str]] = {}
            for name in data:
                if name not in self.fields or self.fields[name].read_only:
                    errors[str(name)] = [str(_("Unknown field."))]
            for name, field in self.fields.items():
                if name in data and not field.read_only:
                    message = _type_error(field, data[name])
                    if message:
                        errors[name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def request_bodies_closed(result, generator, request, public):
    """drf-spectacular postprocessing hook: every request body component refuses unknown fields."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
