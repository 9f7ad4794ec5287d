from django.urls import path

from . import views

urlpatterns = [
    path("", views.CreditBalanceView.as_view(), name="api-credits"),
    path("transactions", views.CreditTransactionListView.as_view(), name="api-credit-transactions"),
]
