"""django-allauth hooks: a new user always gets their personal organization in the same transaction."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from django.utils import translation

from core.emails import email_html, language_checked, site_link

from .services import organization_create_personal

# Where to go once signed up (a higher app sets it, e.g. billing: the plan chosen on the public
# page): kept in the session through signup, email confirmation and sign-in, used once.
AFTER_SIGNUP_URL = "after_signup_url"


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        return request.session.pop(AFTER_SIGNUP_URL, None) or super().get_signup_redirect_url(request)

    def get_login_redirect_url(self, request):
        return request.session.pop(AFTER_SIGNUP_URL, None) or super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        if self.request.user.is_authenticated and self.request.session.get(AFTER_SIGNUP_URL):
            return self.request.session.pop(AFTER_SIGNUP_URL)
        return super().get_email_verification_redirect_url(email_address)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth builds its links (confirmation, password reset) on the request's host: every
        one of them goes to SITE_URL instead, as every other email's links do."""
        context = {key: _on_site(value) for key, value in context.items()}
        site = Site(id=settings.SITE_ID, domain=urlsplit(settings.SITE_URL).netloc, name=settings.SITE_NAME)
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's templates are text only: the HTML part is the text in the site's layout."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if not getattr(message, "alternatives", None) and message.content_subtype == "plain":
            message.attach_alternative(email_html(message.body), "text/html")
        return message

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def save_user(self, request, user, form, commit=True):
        user.language = _request_language(request)  # what they signed up in: their emails' language
        if not commit:
            return super().save_user(request, user, form, commit=False)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            organization_create_personal(user=user)
        return user


def _on_site(value):
    """An absolute link of any host, moved to SITE_URL; anything else unchanged."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return value
    parts = urlsplit(value)
    return site_link(parts.path + (f"?{parts.query}" if parts.query else ""))


def _request_language(request) -> str:
    """The language the request is served in (LocaleMiddleware: the switcher's cookie, else
    Accept-Language), one of LANGUAGES."""
    return language_checked(getattr(request, "LANGUAGE_CODE", None) or translation.get_language())


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        sociallogin.user.language = _request_language(request)
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            organization_create_personal(user=user)
        return user
