"""/billing/auto-renewal/: an owner turns automatic renewal on from the page.

Card data never reaches MODO: the card fields have no `name`, so the browser never posts
them; the gateway's JavaScript turns them into a token in the browser (Midtrans:
MidtransNew3ds.getCardToken; the dev gateway: a fake token made offline) and only the token
id is posted here. Midtrans' one-time token is then used for a card check with 3DS that saves
the card (services.card_check): the owner goes to the bank's page, and renewal turns automatic
when Midtrans' notification confirms it. The POST accepts exactly csrf, gateway and payment_token; anything else
(a card number field, say) is a 400 and changes nothing.

Xendit links the payment method on its own page (its Linking UI): the POST (csrf and gateway
only) makes a recurring plan waiting for that link and sends the owner there; Xendit's
`recurring.plan.activated` webhook turns automatic renewal on.

Midtrans GoPay (services.gopay_link): the POST (csrf, gateway and phone_number) asks Midtrans
to link the GoPay account and sends the owner to GoPay's activation page; GoPay sends them back
to this page with `gopay=return`, which asks Midtrans for the account (the browser proves
nothing) and then shows /billing/."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError, ValidationFailed

from .gateways import gateways_enabled
from .selectors import subscription_current_get
from .services.auto_renewal import auto_renewal_link_start, auto_renewal_start
from .services.checkout import billing_manager_require
from .services.gopay_link import gopay_link_return, gopay_link_start

# Midtrans (card, tokenised by its JS) and dev have a token form; Xendit links on its page.
PAGE_GATEWAYS = ("midtrans", "xendit", "dev")
LINKING_GATEWAYS = ("xendit",)
POSTED_FIELDS = {"csrfmiddlewaretoken", "gateway", "payment_token", "phone_number"}
MIDTRANS_JS = {
    False: "https://api.sandbox.midtrans.com/v2/assets/js/midtrans-new-3ds.min.js",
    True: "https://api.midtrans.com/v2/assets/js/midtrans-new-3ds.min.js",
}


def auto_renewal_gateways() -> list:
    """The enabled gateways the page can tokenise a payment method for."""
    return [adapter for code, adapter in gateways_enabled().items() if code in PAGE_GATEWAYS]


@login_required
@require_http_methods(["GET", "POST"])
def auto_renewal_page(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("gateway") if request.method == "POST" else request.GET.get("gateway")
    adapter = next((a for a in auto_renewal_gateways() if a.code == code), None)
    if adapter is None:
        raise Http404
    status = 200
    try:
        billing_manager_require(request.membership)
        if request.method == "GET" and adapter.code == "midtrans" and request.GET.get("gopay") == "return":
            return _gopay_returned(request)
        if request.method == "POST":
            unexpected = sorted(set(request.POST) - POSTED_FIELDS)
            if unexpected:
                raise ValidationFailed(
                    _("Only the payment token is accepted: card details must never be sent to MODO."),
                    fields={name: [_("Unexpected field.")] for name in unexpected},
                )
            if "phone_number" in request.POST:
                if adapter.code != "midtrans" or "payment_token" in request.POST:
                    raise ValidationFailed(
                        _("Link GoPay or give a card, not both."), fields={"phone_number": [_("Unexpected field.")]}
                    )
                return_url = f"{settings.SITE_URL.rstrip('/')}/billing/auto-renewal/?gateway=midtrans&gopay=return"
                return redirect(
                    gopay_link_start(
                        membership=request.membership,
                        phone_number=request.POST.get("phone_number"),
                        return_url=return_url,
                    )
                )
            if adapter.code in LINKING_GATEWAYS:
                if "payment_token" in request.POST:
                    raise ValidationFailed(
                        _("This gateway links the payment method on its own page."),
                        fields={"payment_token": [_("Unexpected field.")]},
                    )
                return_url = f"{settings.SITE_URL.rstrip('/')}/billing/?auto_renewal=linking"
                return redirect(
                    auto_renewal_link_start(membership=request.membership, gateway=adapter.code, return_url=return_url)
                )
            check_page = auto_renewal_start(
                membership=request.membership, gateway=adapter.code, payment_token=request.POST.get("payment_token")
            )
            if check_page:  # Midtrans: the bank's 3DS page for the card check, then back to /billing/
                return redirect(check_page)
            messages.success(request, _("Automatic renewal is on: the gateway charges each period."))
            return redirect("billing")
    except ApplicationError as error:
        messages.error(request, error.message)
        status = error.status_code
    context = {
        "gateway": adapter,
        "subscription": subscription_current_get(organization=request.membership.organization),
        "midtrans_js": MIDTRANS_JS[bool(settings.MIDTRANS_IS_PRODUCTION)],
        "midtrans_environment": "production" if settings.MIDTRANS_IS_PRODUCTION else "sandbox",
        "midtrans_client_key": settings.MIDTRANS_CLIENT_KEY,
        "card_check_amount": settings.BILLING_CARD_CHECK_IDR,
    }
    return render(request, "billing/auto_renewal.html", context, status=status)


def _gopay_returned(request: HttpRequest) -> HttpResponse:
    link = gopay_link_return(membership=request.membership)
    if link is not None and link.status == link.Status.LINKED:
        messages.success(request, _("GoPay is linked: automatic renewal is on."))
    return redirect("billing")  # pending, expired or refused: /billing/ says which
