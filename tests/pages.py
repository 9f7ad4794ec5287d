"""Every page a person can reach, with something on it: the Indonesian walk and the phone
layout test visit the same list."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import Membership
from accounts.services import invitation_create
from billing.services.checkout import order_checkout
from billing.services.fulfilment import order_status_apply
from studio import services as studio_services

# What a person wrote stays as written in every language: these words may appear untranslated.
PERSON_TEXT = ["Kancil", "Buaya", "Sungai", "Kancil dan Buaya", "Kancil menipu buaya di sungai."]
STORY = {
    "title": "Kancil dan Buaya",
    "logline": "Kancil menipu buaya di sungai.",
    "genre": "fable",
    "characters": [{"name": "Kancil", "description": "Kancil menipu buaya di sungai."}],
    "beats": [{"title": f"Kancil {n}", "description": "Kancil menipu buaya di sungai."} for n in range(1, 4)],
}
PUBLIC_PAGES = ["/", "/gallery/", "/login/", "/register/", "/accounts/password/reset/"]


def pages_seed(*, owner, organization) -> list[str]:
    """Fill the owner's organization (a story, an image, a published video, a notification, a
    paid order, a pending invitation) and answer the signed-in pages to visit."""
    membership = Membership.objects.get(user=owner, organization=organization)
    project = studio_services.project_create(membership=membership, title=STORY["title"], premise=STORY["logline"])
    studio_services.story_version_create(project=project, story=STORY, premise=STORY["logline"], quality="fast")
    beat = project.beats.order_by("order").first()
    image = default_storage.save("tests/walk.png", ContentFile(b"\x89PNG walk"))
    studio_services.asset_create(project=project, beat=beat, kind="image", file_name=image)
    video = studio_services.asset_create(project=project, beat=None, kind="video", file_name="tests/walk.mp4")
    studio_services.asset_publish(asset=video)
    studio_services.notification_create(
        user=owner, organization_id=organization.id, message="Your video is ready", link=project.get_absolute_url()
    )
    order = order_checkout(membership=membership, item="pack:credits-100", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    invitation_create(membership=membership, email="guest@example.org", role="member")
    return [
        "/dashboard/",
        f"/studio/{project.id}/",
        f"/studio/{project.id}/versions/",
        f"/studio/{project.id}/versions/1/",
        "/gallery/",
        "/billing/",
        "/billing/?plan=pro",
        "/billing/invoices/",
        "/billing/auto-renewal/?gateway=dev",
        "/notifications/",
        "/settings/",
        "/settings/usage/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ]
