"""What the abuse rules read that no other app keeps (signup addresses), and what they raise (flags)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SignupRecord(models.Model):
    """The client address a user signed up from (allauth's user_signed_up), for the IP rule."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signup_record")
    ip_address = models.GenericIPAddressField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at", "ip_address"], name="abuse_signup_created_ip")]

    def __str__(self) -> str:
        return f"{self.ip_address} ({self.user_id})"


class AbuseFlag(models.Model):
    """One pattern a rule found for one subject, open until staff resolve it.

    At most one open flag per (rule, subject): a later scan that sees the same pattern
    refreshes the evidence of the open flag instead of raising another (partial unique index).
    """

    class Rule(models.TextChoices):
        GENERATION_BURST = "generation_burst", _("Generation burst")
        FAILED_PAYMENTS = "failed_payments", _("Repeated failed payments")
        SIGNUP_IP_BURST = "signup_ip_burst", _("Many signups from one address")
        SAFETY_REJECTIONS = "safety_rejections", _("Repeated provider safety rejections")

    rule = models.CharField(max_length=30, choices=Rule.choices)
    subject = models.CharField(max_length=120, help_text="What the flag is about: user:…, org:…, ip:…")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    evidence = models.JSONField(default=dict)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_seen_at = models.DateTimeField(help_text="The last scan that still saw the pattern.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="abuse_flag_one_open_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="abuse_flag_org_created"),
            models.Index(fields=["user", "-created_at"], name="abuse_flag_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
