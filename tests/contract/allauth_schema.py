"""allauth headless' own OpenAPI document, as allauth would serve it at /api/auth/openapi.json
(HEADLESS_SERVE_SPECIFICATION, off here): its paths rooted at /api/auth, only the routes this
project has, its signup and user shapes specified by allauth's own helpers."""

from pathlib import Path

import yaml
from allauth.headless import spec as allauth_spec
from allauth.headless.spec.internal import schema as allauth_schema

API_ROOT = "/api/auth"


def allauth_headless_schema() -> dict:
    folder = Path(allauth_spec.__file__).parent / "doc"
    spec = yaml.safe_load((folder / "openapi.yaml").read_text())
    spec["info"]["description"] = (folder / "description.md").read_text()
    allauth_schema.specify_user(spec)
    # allauth's chroot() reverses the served document's URL: the same rooting, without serving it.
    spec["paths"] = {path.replace("/_allauth", API_ROOT): item for path, item in spec["paths"].items()}
    allauth_schema.pin_client(spec)
    allauth_schema.drop_unused_client_parameter(spec)
    used_tags = allauth_schema.drop_unused_paths(spec)
    allauth_schema.drop_unused_tags(spec, used_tags)
    allauth_schema.drop_unused_tag_groups(spec, used_tags)
    allauth_schema.specify_signup_fields(spec)
    allauth_schema.specify_custom_signup_form(spec)
    allauth_schema.specify_auth(spec)
    return spec
