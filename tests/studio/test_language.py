"""Bahasa Indonesia: pages and API error messages follow the request's language.

The compiled catalogue (locale/id/LC_MESSAGES/django.mo) is built by `make` before the tests.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def test_an_unknown_language_code_is_a_clear_400(client, db):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    assert response.status_code == 400
    assert "Unknown language. Choose one of: en, id." in response.content.decode()


def test_an_unknown_accept_language_falls_back_to_english(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="xx-YY, zz;q=0.5")

    assert page.status_code == 200 and '<html lang="en">' in page.content.decode()


def test_an_unknown_language_code_setting_is_a_start_up_error():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "modo.settings.local", "LANGUAGE_CODE": "xx"}

    started = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert started.returncode != 0 and "LANGUAGE_CODE must be one of en, id" in started.stderr


def test_amounts_and_dates_read_the_indonesian_way(client, owner):
    from django.utils import timezone, translation
    from django.utils.formats import date_format

    client.force_login(owner)

    page = client.get("/billing/", HTTP_ACCEPT_LANGUAGE="id").content.decode()

    assert "Rp 99.000" in page and "Rp 249.000" in page
    today = timezone.localdate()
    with translation.override("id"):
        indonesian = date_format(today, "DATE_FORMAT")  # the trial period starts today
    with translation.override("en"):
        english = date_format(today, "DATE_FORMAT")
    assert indonesian in page and english not in page


def test_a_notification_written_by_a_worker_reads_in_the_readers_language(client, owner, organization):
    from studio.services import notification_create

    notification_create(
        user=owner,
        organization_id=organization.id,
        message="Your video for “%(title)s” is ready.",
        params={"title": "Layang-layang"},
    )
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    english = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    indonesian = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="id").content.decode()

    assert "Your video for “Layang-layang” is ready." in english
    assert "Layang-layang" in indonesian and "Your video for" not in indonesian
