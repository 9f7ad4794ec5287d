from django.core.management import call_command
from django.test import Client


def test_static_files_have_hashed_names_and_a_year_of_caching(settings, tmp_path, db):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.templatetags.static import static

    url = static("css/modo.css")

    assert url != "/static/css/modo.css" and url.endswith(".css")  # content hash in the name
    response = Client().get(url)
    assert response.status_code == 200
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
