from django.urls import path

from . import auto_renewal_views, subscription_views, views

urlpatterns = [
    path("billing/", views.billing_page, name="billing"),
    path("billing/checkout/", views.checkout, name="billing-checkout"),
    path("billing/dev-checkout/<str:order_id>/", views.dev_checkout, name="billing-dev-checkout"),
    path(
        "billing/subscription/cancel/", subscription_views.subscription_cancel_page, name="billing-subscription-cancel"
    ),
    path(
        "billing/subscription/resume/", subscription_views.subscription_resume_page, name="billing-subscription-resume"
    ),
    path("billing/change-plan/", subscription_views.plan_change_page, name="billing-plan-change"),
    path("billing/invoices/", subscription_views.invoices_page, name="billing-invoices"),
    path("billing/invoices/<str:order_id>.pdf", subscription_views.invoice_pdf_page, name="billing-invoice-pdf"),
    path("billing/auto-renewal/", auto_renewal_views.auto_renewal_page, name="billing-auto-renewal"),
    path("billing/dev-auto-renewal/", subscription_views.dev_auto_renewal_page, name="billing-dev-auto-renewal"),
    path("settings/usage/", subscription_views.usage_page, name="settings-usage"),
]
