from django.urls import path

from .live import generate_story, job_events
from .views import GenerateImageView, GenerateVideoView, JobCancelView, JobDetailView

urlpatterns = [
    path("generate-story", generate_story, name="ai-generate-story"),
    path("generate-image", GenerateImageView.as_view(), name="ai-generate-image"),
    path("generate-video", GenerateVideoView.as_view(), name="ai-generate-video"),
    path("jobs/<str:job_id>", JobDetailView.as_view(), name="ai-job"),
    path("jobs/<str:job_id>/events", job_events, name="ai-job-events"),
    path("jobs/<str:job_id>/cancel", JobCancelView.as_view(), name="ai-job-cancel"),
]
