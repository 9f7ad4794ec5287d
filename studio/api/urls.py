from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="api-projects"),
    path("projects/<str:project_id>/", views.ProjectDetailView.as_view(), name="api-project"),
    path("projects/<str:project_id>/restore", views.ProjectRestoreView.as_view(), name="api-project-restore"),
    path("projects/<str:project_id>/versions", views.StoryVersionListView.as_view(), name="api-story-versions"),
    path(
        "projects/<str:project_id>/versions/<str:version>",
        views.StoryVersionDetailView.as_view(),
        name="api-story-version",
    ),
    path(
        "projects/<str:project_id>/versions/<str:version>/restore",
        views.StoryVersionRestoreView.as_view(),
        name="api-story-version-restore",
    ),
    path("projects/<str:project_id>/beats/", views.BeatListView.as_view(), name="api-project-beats"),
    path("projects/<str:project_id>/film", views.ProjectFilmView.as_view(), name="api-project-film"),
    path("projects/<str:project_id>/beats/reorder", views.BeatReorderView.as_view(), name="api-beats-reorder"),
    path("projects/<str:project_id>/assets/", views.AssetListView.as_view(), name="api-project-assets"),
    path("beats/<str:beat_id>/", views.BeatDetailView.as_view(), name="api-beat"),
    path("beats/<str:beat_id>/restore", views.BeatRestoreView.as_view(), name="api-beat-restore"),
    path("beats/<str:beat_id>/variants", views.BeatVariantListView.as_view(), name="api-beat-variants"),
    path("beats/<str:beat_id>/choose", views.BeatVariantChooseView.as_view(), name="api-beat-choose"),
    path("assets/<str:asset_id>/publish", views.AssetPublishView.as_view(), name="api-asset-publish"),
    path("assets/<str:asset_id>/unpublish", views.AssetUnpublishView.as_view(), name="api-asset-unpublish"),
    path("public/contents", views.PublicContentListView.as_view(), name="api-public-contents"),
]
