from django.urls import path

from . import views

urlpatterns = [
    path("plans", views.PlanListView.as_view(), name="api-billing-plans"),
    path("checkout", views.CheckoutView.as_view(), name="api-billing-checkout"),
    path("orders/<str:order_id>", views.OrderDetailView.as_view(), name="api-billing-order"),
]
