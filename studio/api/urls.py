from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="api-projects"),
    path("projects/<str:project_id>/", views.ProjectDetailView.as_view(), name="api-project"),
    path("projects/<str:project_id>/beats/", views.BeatListView.as_view(), name="api-project-beats"),
    path("projects/<str:project_id>/beats/reorder", views.BeatReorderView.as_view(), name="api-beats-reorder"),
    path("projects/<str:project_id>/assets/", views.AssetListView.as_view(), name="api-project-assets"),
    path("beats/<str:beat_id>/", views.BeatDetailView.as_view(), name="api-beat"),
    path("assets/<str:asset_id>/publish", views.AssetPublishView.as_view(), name="api-asset-publish"),
    path("assets/<str:asset_id>/unpublish", views.AssetUnpublishView.as_view(), name="api-asset-unpublish"),
    path("public/contents", views.PublicContentListView.as_view(), name="api-public-contents"),
]
