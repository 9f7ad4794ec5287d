from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("studio/<uuid:project_id>/", views.project_page, name="studio-project"),
    path("studio/<uuid:project_id>/jobs/", views.project_jobs, name="studio-project-jobs"),
    path("studio/<uuid:project_id>/versions/", views.story_versions_page, name="studio-versions"),
    path("studio/<uuid:project_id>/versions/<int:version>/", views.story_version_page, name="studio-version"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/<uuid:asset_id>/", views.gallery_item, name="gallery-item"),
    path("notifications/", views.notifications_page, name="notifications"),
]
