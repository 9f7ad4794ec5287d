from django.urls import path

from .views import GenerateImageView, GenerateStoryView, GenerateVideoView, JobDetailView

urlpatterns = [
    path("generate-story", GenerateStoryView.as_view(), name="ai-generate-story"),
    path("generate-image", GenerateImageView.as_view(), name="ai-generate-image"),
    path("generate-video", GenerateVideoView.as_view(), name="ai-generate-video"),
    path("jobs/<str:job_id>", JobDetailView.as_view(), name="ai-job"),
]
