"""Static files (WhiteNoise) and media: var/media by default, Cloudflare R2 when R2_BUCKET is set."""

from .env import BASE_DIR, VAR_DIR, env

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)  # Django serves var/media itself on the embedded default
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names + far-future cache headers: safe for a CDN to cache at the edge.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# Files: filesystem by default; Cloudflare R2 (S3 API, django-storages) when R2_BUCKET is set.
# On R2 the bucket stays private and every URL is signed and short-lived (querystring auth):
# pages and the API hand them only to those allowed to see the file (members of its
# organization; anyone for a published one). R2_SIGNED_URLS=false serves every file from
# R2_PUBLIC_DOMAIN instead, unsigned: only for a bucket that holds nothing private.
R2_BUCKET = env("R2_BUCKET", default="")
R2_SIGNED_URLS = env.bool("R2_SIGNED_URLS", default=True)
R2_SIGNED_URL_SECONDS = env.int("R2_SIGNED_URL_SECONDS", default=600)
if R2_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": R2_BUCKET,
            "endpoint_url": env("R2_ENDPOINT_URL", default=""),
            "access_key": env("R2_ACCESS_KEY_ID", default=""),
            "secret_key": env("R2_SECRET_ACCESS_KEY", default=""),
            "region_name": env("R2_REGION", default="auto"),
            # django-storages never signs a custom domain's URLs: signing means no custom domain.
            "custom_domain": None if R2_SIGNED_URLS else env("R2_PUBLIC_DOMAIN", default="") or None,
            "default_acl": None,
            "querystring_auth": R2_SIGNED_URLS,
            "querystring_expire": R2_SIGNED_URL_SECONDS,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
