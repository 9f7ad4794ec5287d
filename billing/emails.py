"""Receipts and renewal reminders, each recipient in their saved language (core.emails), else
in the order's (or subscription's) language: en or id."""

from django.template.loader import render_to_string
from django.utils.translation import get_language

from accounts.models import Membership
from core.emails import email_send, recipient_language, recipients_by_language, site_link

from .models import Order, Subscription

SUBJECTS = {
    "receipt": {"en": "Your MODO receipt: %(item)s", "id": "Tanda terima MODO Anda: %(item)s"},
    "reminder": {
        "en": "Your MODO %(item)s plan ends on %(date)s",
        "id": "Paket MODO %(item)s Anda berakhir pada %(date)s",
    },
    "dunning": {
        "en": "Payment due: your MODO %(item)s plan ends on %(date)s",
        "id": "Pembayaran tertunda: paket MODO %(item)s Anda berakhir pada %(date)s",
    },
    "gopay_unlinked": {
        "en": "Automatic renewal of your MODO %(item)s plan is off: GoPay was unlinked",
        "id": "Perpanjangan otomatis paket MODO %(item)s Anda nonaktif: GoPay diputus",
    },
}


def _language(code: str) -> str:
    return "id" if (code or "").lower().startswith("id") else "en"


def idr_format(amount: int, language: str | None = None) -> str:
    """Rupiah for the language (default: the active one), no decimals: "Rp 99.000" in
    Indonesian, "Rp 99,000" in English."""
    grouped = f"{int(amount):,}"
    return "Rp " + (grouped.replace(",", ".") if (language or get_language() or "id").startswith("id") else grouped)


def _managers_emails(organization_id, roles=(Membership.Role.OWNER, Membership.Role.ADMIN)) -> list[str]:
    return list(
        Membership.objects.filter(organization_id=organization_id, role__in=roles).values_list("user__email", flat=True)
    )


def order_receipt_email_send(*, order: Order, attachments: list[tuple[str, bytes, str]] = ()) -> None:
    """The receipt, with `attachments` (the invoice PDF) as (filename, content, mimetype)."""
    recipients = [order.user.email] if order.user_id else _managers_emails(order.organization_id)
    for language, to in recipients_by_language(recipients, fallback=order.language).items():
        language = _language(language)
        context = {
            "order": order,
            "amount": idr_format(order.amount, language),
            "organization": order.organization,
            "billing_url": site_link("/billing/"),
        }
        with recipient_language(language):
            email_send(
                subject=SUBJECTS["receipt"][language] % {"item": order.item_name},
                text=render_to_string(f"billing/emails/receipt_{language}.txt", context),
                to=to,
                attachments=attachments,
                language=language,
            )


def subscription_reminder_email_send(
    *, subscription: Subscription, renewal_order: Order | None = None, kind: str = "reminder"
) -> None:
    """A renewal reminder (before the period ends) or a dunning one (past due), with the
    renewal order's payment link when there is one."""
    recipients = _managers_emails(subscription.organization_id)
    end = subscription.current_period_end
    if kind == "dunning":
        end = subscription.grace_ends_at or end
    for language, to in recipients_by_language(recipients, fallback=subscription.language).items():
        language = _language(language)
        context = {
            "subscription": subscription,
            "plan": subscription.plan,
            "price": idr_format(subscription.plan.price_idr, language),
            "organization": subscription.organization,
            "billing_url": site_link("/billing/"),
            "pay_url": _absolute(renewal_order.redirect_url) if renewal_order and renewal_order.redirect_url else "",
            "auto": subscription.renewal_mode == Subscription.RenewalMode.AUTO,
            "grace_ends_at": subscription.grace_ends_at,
        }
        with recipient_language(language):
            email_send(
                subject=SUBJECTS[kind][language] % {"item": subscription.plan.name, "date": f"{end:%Y-%m-%d}"},
                text=render_to_string(f"billing/emails/{kind}_{language}.txt", context),
                to=to,
                language=language,
            )


def subscription_dunning_email_send(*, subscription: Subscription, renewal_order: Order | None = None) -> None:
    subscription_reminder_email_send(subscription=subscription, renewal_order=renewal_order, kind="dunning")


def _absolute(url: str) -> str:
    return url if url.startswith("http") else site_link(url)


def gopay_unlinked_email_send(*, subscription: Subscription) -> None:
    """To the owners (only they manage billing): the GoPay account paying the plan was unlinked
    in the GoPay app, so renewal is by hand now; how to pay or turn it on again."""
    recipients = _managers_emails(subscription.organization_id, roles=[Membership.Role.OWNER])
    for language, to in recipients_by_language(recipients, fallback=subscription.language).items():
        language = _language(language)
        context = {
            "subscription": subscription,
            "plan": subscription.plan,
            "organization": subscription.organization,
            "billing_url": site_link("/billing/"),
        }
        with recipient_language(language):
            email_send(
                subject=SUBJECTS["gopay_unlinked"][language] % {"item": subscription.plan.name},
                text=render_to_string(f"billing/emails/gopay_unlinked_{language}.txt", context),
                to=to,
                language=language,
            )
