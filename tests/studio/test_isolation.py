"""Every studio URL, for someone of another organization: 404 and nothing leaked; anonymous: 401 or login."""

import pytest


@pytest.fixture
def urls(project_with_story, image_asset):
    beat = project_with_story.beats.first()
    return {
        "project": f"/api/projects/{project_with_story.id}/",
        "beats": f"/api/projects/{project_with_story.id}/beats/",
        "assets": f"/api/projects/{project_with_story.id}/assets/",
        "reorder": f"/api/projects/{project_with_story.id}/beats/reorder",
        "beat": f"/api/beats/{beat.id}/",
        "publish": f"/api/assets/{image_asset.id}/publish",
        "unpublish": f"/api/assets/{image_asset.id}/unpublish",
        "page": f"/studio/{project_with_story.id}/",
    }


API_CALLS = [
    ("get", "project"), ("patch", "project"), ("delete", "project"), ("get", "beats"), ("get", "assets"),
    ("post", "reorder"), ("patch", "beat"), ("post", "publish"), ("post", "unpublish"),
]  # fmt: skip


@pytest.mark.parametrize("method, name", API_CALLS)
def test_it_hides_other_organizations(api_client, outsider, urls, method, name, project_with_story):
    api_client.force_authenticate(outsider)

    response = getattr(api_client, method)(urls[name], {"title": "mine", "beat_ids": []}, format="json")

    assert response.status_code == 404
    assert "Lanterns" not in response.content.decode()
    project_with_story.refresh_from_db()
    assert project_with_story.title == "Lanterns" and not project_with_story.is_deleted


@pytest.mark.parametrize("method, name", API_CALLS)
def test_anonymous_callers_get_401(api_client, urls, method, name):
    response = getattr(api_client, method)(urls[name], {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_the_studio_page_of_another_organization_is_a_404(client, outsider, urls):
    client.force_login(outsider)

    response = client.get(urls["page"])

    assert response.status_code == 404
    assert "Lanterns" not in response.content.decode()


def test_anonymous_visitors_of_a_studio_page_go_to_login(client, urls):
    response = client.get(urls["page"])

    assert response["Location"] == f"/login/?next={urls['page']}"
