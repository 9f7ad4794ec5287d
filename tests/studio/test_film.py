"""The project's film: beat videos in order, joined into one MP4, published with a permalink."""

import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg

import imageio_ffmpeg
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from credits.models import CreditTransaction
from studio import services
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


def _clip(tmp_path, name: str, *, sound: bool, seconds: float = 1.0) -> str:
    """A small MP4 made by ffmpeg (a test pattern, with a tone when `sound`), put in the storage."""
    path = tmp_path / f"{name}.mp4"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin"]
    command += ["-f", "lavfi", "-i", f"testsrc=size=320x240:rate=24:duration={seconds}"]
    if sound:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    return default_storage.save(f"tests/{name}.mp4", ContentFile(path.read_bytes()))


def _streams(asset, folder) -> str:
    """What ffmpeg says of the stored file's streams (the shipped ffmpeg stands in for ffprobe)."""
    path = folder / f"probe-{asset.id}.mp4"
    with default_storage.open(asset.file.name, "rb") as handle:
        path.write_bytes(handle.read())
    described = subprocess.run(  # noqa: S603
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    return "\n".join(line for line in described.splitlines() if "Stream #" in line)


def _beat_videos(project, tmp_path, *sounds: bool) -> list[Beat]:
    beats = list(Beat.objects.filter(project=project).order_by("order")[: len(sounds)])
    for n, (beat, sound) in enumerate(zip(beats, sounds, strict=True)):
        name = _clip(tmp_path, f"clip{n}", sound=sound)
        services.asset_create(project=project, beat=beat, kind="video", file_name=name)
    return beats


def test_the_film_keeps_the_sound_of_clips_that_have_it(studio, project_with_story, tmp_path):
    _beat_videos(project_with_story, tmp_path, True, False)

    studio.post(f"/studio/{project_with_story.id}/", {"action": "build-film"})

    film = Asset.objects.get(project=project_with_story, kind=Asset.Kind.FILM)
    streams = _streams(film, tmp_path)
    assert "Video: h264" in streams and "Audio: aac" in streams
    assert 1.8 < _seconds(film, tmp_path) < 2.4  # both clips, the silent one padded with silence


def test_a_film_of_silent_clips_stays_silent(studio, project_with_story, tmp_path):
    _beat_videos(project_with_story, tmp_path, False, False)

    studio.post(f"/studio/{project_with_story.id}/", {"action": "build-film"})

    streams = _streams(Asset.objects.get(project=project_with_story, kind=Asset.Kind.FILM), tmp_path)
    assert "Video: h264" in streams and "Audio" not in streams


def test_a_published_film_previews_with_its_poster_frame(studio, project_with_story, tmp_path):
    anonymous = Client()  # a link preview's crawler
    _beat_videos(project_with_story, tmp_path, True)
    studio.post(f"/studio/{project_with_story.id}/", {"action": "build-film"})
    film = Asset.objects.get(project=project_with_story, kind=Asset.Kind.FILM)
    assert film.poster.name.endswith(".jpg")

    studio.post(f"/studio/{project_with_story.id}/", {"action": "publish", "asset_id": str(film.id)})
    page = anonymous.get(f"/gallery/{film.id}/").content.decode()

    assert f'<meta property="og:image" content="http://testserver{film.poster.url}">' in page
    assert f'<meta property="og:video" content="http://testserver{film.file.url}">' in page
    assert '<meta property="og:video:type" content="video/mp4">' in page
    poster = anonymous.get(film.poster.url)
    assert poster.status_code == 200
    assert b"".join(poster.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG


def test_a_draft_films_poster_stays_private(studio, project_with_story, tmp_path):
    _beat_videos(project_with_story, tmp_path, False)
    studio.post(f"/studio/{project_with_story.id}/", {"action": "build-film"})
    film = Asset.objects.get(project=project_with_story, kind=Asset.Kind.FILM)

    assert Client().get(film.poster.url).status_code == 404
    assert studio.get(film.poster.url).status_code == 200


def test_a_failed_join_says_so_on_the_project_page_and_charges_nothing(studio, project_with_story, tmp_path):
    beat = Beat.objects.get(project=project_with_story, order=0)
    broken = default_storage.save("tests/broken.mp4", ContentFile(b"not a video at all"))
    services.asset_create(project=project_with_story, beat=beat, kind="video", file_name=broken)
    ledger = CreditTransaction.objects.count()
    url = f"/studio/{project_with_story.id}/"

    studio.post(url, {"action": "build-film"})

    assert not Asset.objects.filter(kind=Asset.Kind.FILM).exists()
    assert CreditTransaction.objects.count() == ledger
    page = studio.get(url).content.decode()
    assert "The film could not be made" in page and "generate a new video for the beat" in page
    assert "Joining the film costs no credits: nothing was charged." in page
    assert owner_film(studio, project_with_story)["failed_at"] is not None
    assert "Film tidak dapat dibuat" in studio.get(url, HTTP_ACCEPT_LANGUAGE="id").content.decode()

    # A new video for the beat, joined again: the film is made and the message is gone.
    services.asset_create(
        project=project_with_story, beat=beat, kind="video", file_name=_clip(tmp_path, "ok", sound=False)
    )
    studio.post(url, {"action": "build-film"})

    assert Asset.objects.filter(kind=Asset.Kind.FILM).exists()
    assert "The film could not be made" not in studio.get(url).content.decode()
    assert owner_film(studio, project_with_story)["failed_at"] is None


def owner_film(studio, project) -> dict:
    return studio.client.get(
        f"/api/projects/{project.id}/film", HTTP_X_ORGANIZATION=str(project.organization_id)
    ).json()
