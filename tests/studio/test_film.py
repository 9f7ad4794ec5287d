"""The project's film: beat videos in order, joined into one MP4, published with a permalink."""

import imageio_ffmpeg
from django.core.files.storage import default_storage

from studio.models import Asset, Beat


def _seconds(asset, folder) -> float:
    """The length of a stored MP4, as ffmpeg decodes it."""
    path = folder / f"{asset.id}.mp4"
    with default_storage.open(asset.file.name, "rb") as handle:
        path.write_bytes(handle.read())
    return imageio_ffmpeg.count_frames_and_secs(str(path))[1]


def _illustrate(studio, project, beats):
    url = f"/studio/{project.id}/"
    for beat in beats:
        studio.post(url, {"action": "generate-image", "beat_id": str(beat.id), "quality": "fast"})
        studio.post(url, {"action": "generate-video", "beat_id": str(beat.id), "quality": "fast"})


def test_the_film_joins_the_chosen_beat_videos_into_one_mp4(
    studio, project_with_story, on_pro_plan, owner_api, tmp_path
):
    beats = list(Beat.objects.filter(project=project_with_story).order_by("order")[:2])
    _illustrate(studio, project_with_story, beats)
    clips = owner_api.get(f"/api/projects/{project_with_story.id}/film").json()["clips"]
    assert [clip["beat_id"] for clip in clips] == [str(beat.id) for beat in beats]

    studio.post(f"/studio/{project_with_story.id}/", {"action": "build-film"})

    film = Asset.objects.get(project=project_with_story, kind=Asset.Kind.FILM)
    clip = Asset.objects.filter(kind="video", beat=beats[0]).get()
    assert _seconds(film, tmp_path) > _seconds(clip, tmp_path) * 1.5
    page = studio.get(f"/studio/{project_with_story.id}/").content.decode()
    assert "Download the film (MP4)" in page and film.file.url in page

    studio.post(f"/studio/{project_with_story.id}/", {"action": "publish", "asset_id": str(film.id)})
    permalink = studio.get(f"/gallery/{film.id}/").content.decode()
    assert f'<meta property="og:video" content="http://testserver{film.file.url}">' in permalink
    assert '<meta property="og:title" content="Lanterns">' in permalink


def test_building_a_film_without_beat_videos_says_what_to_do(owner_api, project_with_story):
    response = owner_api.post(f"/api/projects/{project_with_story.id}/film")

    assert response.status_code == 400
    assert "beat video" in response.json()["error"]
    assert not Asset.objects.filter(kind=Asset.Kind.FILM).exists()


def test_the_whole_project_animatic_is_attached_to_the_project_and_shown(studio, project_with_story, on_pro_plan):
    beat = Beat.objects.get(project=project_with_story, order=0)
    url = f"/studio/{project_with_story.id}/"
    studio.post(url, {"action": "generate-image", "beat_id": str(beat.id), "quality": "fast"})

    studio.post(url, {"action": "generate-animatic", "quality": "fast"})

    animatic = Asset.objects.get(project=project_with_story, kind="video", beat__isnull=True)
    page = studio.get(url).content.decode()
    assert "Animatics" in page and animatic.file.url in page
    assert "Whole project" in page


def test_a_published_film_has_a_permalink_with_open_graph_tags(client, image_asset):
    from studio import services

    services.asset_publish(asset=image_asset)

    page = client.get(f"/gallery/{image_asset.id}/").content.decode()

    assert '<meta property="og:title" content="Beat 1 · Lanterns">' in page
    assert f'<meta property="og:image" content="http://testserver{image_asset.file.url}">' in page
    assert f'href="/gallery/{image_asset.id}/"' in client.get("/gallery/").content.decode()


def test_an_unpublished_item_has_no_permalink(client, image_asset):
    assert client.get(f"/gallery/{image_asset.id}/").status_code == 404


def test_it_hides_other_organizations_films(project_with_story, api_client, outsider):
    api_client.force_authenticate(outsider)

    assert api_client.get(f"/api/projects/{project_with_story.id}/film").status_code == 404
    assert api_client.post(f"/api/projects/{project_with_story.id}/film").status_code == 404
