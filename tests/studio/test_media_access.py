"""Media on the filesystem storage: a published file is public; any other file only answers
members of its organization (200); anonymous visitors and other organizations get 404; paths
that leave the storage are 404, never a file and never a 500."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from studio import services

PNG = b"\x89PNG private pixels"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "secret.txt").write_text("outside the storage")


@pytest.fixture
def draft(project_with_story):
    stored = default_storage.save("assets/2026/12/draft.png", ContentFile(PNG))
    return services.asset_create(project=project_with_story, beat=None, kind="image", file_name=stored)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fetch(client: Client, name: str):
    return client.get(f"/media/{name}")


def test_an_unpublished_file_is_hidden_from_anonymous_visitors(draft):
    assert fetch(Client(), draft.file.name).status_code == 404


def test_an_unpublished_file_is_hidden_from_other_organizations(draft, outsider):
    assert fetch(as_user(outsider), draft.file.name).status_code == 404


def test_an_unpublished_file_is_served_to_its_organization(draft, owner):
    response = fetch(as_user(owner), draft.file.name)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Cache-Control"].startswith("private")


def test_a_published_file_is_public(draft):
    services.asset_publish(asset=draft)

    response = fetch(Client(), draft.file.name)

    assert response.status_code == 200 and response["Cache-Control"].startswith("public")


def test_an_unpublished_again_file_is_private_again(draft):
    services.asset_unpublish(asset=services.asset_publish(asset=draft))

    assert fetch(Client(), draft.file.name).status_code == 404


def test_a_generated_file_without_an_asset_belongs_to_the_organization_in_its_path(organization, owner, outsider):
    name = default_storage.save(f"ai/{organization.pk}/image/job.png", ContentFile(PNG))

    assert fetch(as_user(owner), name).status_code == 200
    assert fetch(as_user(outsider), name).status_code == 404
    assert fetch(Client(), name).status_code == 404


@pytest.mark.parametrize(
    "name", ["../secret.txt", "assets/../../secret.txt", "assets/%2e%2e/%2e%2e/secret.txt", "assets//x.png", "a%00b"]
)
def test_a_path_outside_the_storage_is_not_found(draft, owner, name):
    assert fetch(as_user(owner), name).status_code == 404


def test_a_file_that_does_not_exist_is_not_found_for_members_too(organization, owner):
    assert fetch(as_user(owner), f"ai/{organization.pk}/image/none.png").status_code == 404
