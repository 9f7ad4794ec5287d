from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from billing.views import plan_remembered
from core import views as core_views
from studio.media import media_file

# The admin signs in through allauth's login, so allauth's rate limits (and 2FA) guard it too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "MODO staff"
admin.site.site_title = "MODO staff"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/", include("modo.api_urls")),
    path("", include("observability.urls")),
    path("admin/analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", core_views.language_set, name="set_language"),
    # Short addresses for the pages people type; defined after allauth's so reverse() names these.
    path("login/", plan_remembered(account_views.login), name="account_login"),
    path("register/", plan_remembered(account_views.signup), name="account_signup"),
    path("logout/", account_views.logout, name="account_logout"),
    path("", include("accounts.urls")),
    path("", include("billing.urls")),
    path("", include("studio.urls")),
]

if settings.SERVE_MEDIA:
    # Filesystem storage: Django serves media itself, each file only to those allowed to see it
    # (studio.media). On R2 the storage signs short-lived URLs instead.
    urlpatterns.append(path("media/<path:path>", media_file, name="media-file"))

handler404 = core_views.not_found
handler500 = core_views.server_failure
