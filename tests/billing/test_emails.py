import pytest

from billing.models import Order
from billing.services.fulfilment import order_status_apply

from .conftest import order_make


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "line"),
    [("en", "Your MODO receipt", "Amount: Rp 249,000"), ("id", "Tanda terima MODO", "Jumlah: Rp 249.000")],
)
def test_the_receipt_goes_to_the_buyer_once_in_their_language(
    organization, owner, mailoutbox, django_capture_on_commit_callbacks, language, subject, line
):
    order = order_make(organization, item="plan:pro", gateway="dev", user=owner)
    Order.objects.filter(pk=order.pk).update(language=language)

    with django_capture_on_commit_callbacks(execute=True):
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement")
    with django_capture_on_commit_callbacks(execute=True):
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement")

    [mail] = mailoutbox
    assert mail.to == ["owner@example.com"]
    assert mail.subject.startswith(subject)
    assert line in mail.body and order.order_id in mail.body


def test_rupiah_follow_the_language():
    from django.utils import translation

    from billing.templatetags.billing import idr

    with translation.override("id"):
        indonesian = idr(1_249_000)
    with translation.override("en"):
        english = idr(1_249_000)

    assert (indonesian, english) == ("Rp 1.249.000", "Rp 1,249,000")
