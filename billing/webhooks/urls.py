from django.urls import path

from . import views

urlpatterns = [
    path("midtrans", views.MidtransWebhookView.as_view(), name="api-webhook-midtrans"),
    path("xendit", views.XenditWebhookView.as_view(), name="api-webhook-xendit"),
]
