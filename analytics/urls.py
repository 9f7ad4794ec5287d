from django.contrib import admin
from django.urls import path

from . import views

app_name = "analytics"

# admin_view: staff only (others are sent to the admin login), never cached, CSRF-protected.
urlpatterns = [
    path("", admin.site.admin_view(views.overview), name="overview"),
    path("<slug:chart>/", admin.site.admin_view(views.chart), name="chart"),
]
