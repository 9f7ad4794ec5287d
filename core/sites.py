"""The Site object (django.contrib.sites, read by allauth) follows SITE_URL and SITE_NAME."""

from urllib.parse import urlsplit

from django.conf import settings


def site_sync(sender=None, **kwargs) -> None:
    """After migrate (and so at every deploy): the current Site is SITE_URL's host and SITE_NAME,
    never Django's "example.com"."""
    if getattr(sender, "label", None) != "sites":
        return
    from django.contrib.sites.models import Site

    domain = urlsplit(settings.SITE_URL).netloc
    using = kwargs.get("using", "default")
    site, _created = Site.objects.using(using).get_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
    )
    if (site.domain, site.name) != (domain, settings.SITE_NAME):
        site.domain, site.name = domain, settings.SITE_NAME
        site.save(using=using)
