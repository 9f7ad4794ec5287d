from django import forms
from django.utils.translation import gettext_lazy as _

from .services.ledger import MAX_AMOUNT


class CreditAdjustForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount"),
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        help_text=_("Main credits to add; negative to take away. Not zero."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. The organization sees it in its ledger."),
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("The amount cannot be zero."))
        return amount
