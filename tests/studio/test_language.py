"""Bahasa Indonesia: pages and API error messages follow the request's language.

The compiled catalogue (locale/id/LC_MESSAGES/django.mo) is built by `make` before the tests.
"""


def test_an_indonesian_request_gets_the_studio_page_in_indonesian(client, owner, organization, project):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    page = client.get(f"/studio/{project.id}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()

    assert '<html lang="id">' in page
    assert "Premis" in page and "Buat cerita" in page
    assert "Generate story" not in page


def test_the_language_switcher_keeps_indonesian_for_the_session(client, owner):
    client.force_login(owner)

    client.post("/i18n/setlang/", {"language": "id", "next": "/dashboard/"})

    assert "Dasbor" in client.get("/dashboard/").content.decode()


def test_api_errors_speak_indonesian_to_an_indonesian_client(owner_api):
    response = owner_api.get("/api/projects/00000000-0000-4000-8000-000000000000/", HTTP_ACCEPT_LANGUAGE="id")

    assert response.status_code == 404
    assert response.json() == {"error": "Proyek tidak ditemukan.", "code": "NOT_FOUND"}


def test_english_stays_the_default(client, db):
    assert "Masuk" not in client.get("/login/").content.decode()


def test_the_studio_work_reads_in_indonesian(client, owner, organization, project_with_story):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    page = client.get(f"/studio/{project_with_story.id}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()

    assert "Ini memakai %(cost)s dari %(balance)s kredit Anda." in page
    assert "Tulis ulang teks · 3 kredit" in page and "Hapus beat" in page and "Anda yakin?" in page
