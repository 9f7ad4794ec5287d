from django.urls import path

from . import views

urlpatterns = [
    path("billing/", views.billing_page, name="billing"),
    path("billing/checkout/", views.checkout, name="billing-checkout"),
    path("billing/dev-checkout/<str:order_id>/", views.dev_checkout, name="billing-dev-checkout"),
]
