from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("studio/<uuid:project_id>/", views.project_page, name="studio-project"),
    path("studio/<uuid:project_id>/jobs/", views.project_jobs, name="studio-project-jobs"),
    path("gallery/", views.gallery, name="gallery"),
    path("notifications/", views.notifications_page, name="notifications"),
]
