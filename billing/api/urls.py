from django.urls import path

from . import subscription, views

urlpatterns = [
    path("plans", views.PlanListView.as_view(), name="api-billing-plans"),
    path("checkout", views.CheckoutView.as_view(), name="api-billing-checkout"),
    path("orders/<str:order_id>", views.OrderDetailView.as_view(), name="api-billing-order"),
    path("orders/<str:order_id>/pay", subscription.OrderPayView.as_view(), name="api-billing-order-pay"),
    path("orders/<str:order_id>/invoice.pdf", subscription.InvoicePdfView.as_view(), name="api-billing-invoice-pdf"),
    path("invoices", subscription.InvoiceListView.as_view(), name="api-billing-invoices"),
    path("subscription", subscription.SubscriptionView.as_view(), name="api-billing-subscription"),
    path("subscription/cancel", subscription.SubscriptionCancelView.as_view(), name="api-billing-cancel"),
    path("subscription/resume", subscription.SubscriptionResumeView.as_view(), name="api-billing-resume"),
    path("subscription/renew", subscription.SubscriptionRenewView.as_view(), name="api-billing-renew"),
    path("subscription/change/preview", subscription.PlanChangePreviewView.as_view(), name="api-billing-preview"),
    path("subscription/upgrade", subscription.PlanUpgradeView.as_view(), name="api-billing-upgrade"),
    path("subscription/downgrade", subscription.PlanDowngradeView.as_view(), name="api-billing-downgrade"),
    path("subscription/auto-renewal", subscription.AutoRenewalView.as_view(), name="api-billing-auto-renewal"),
]
