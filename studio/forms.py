from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PREMISE_MAX, TEXT_MAX, TITLE_MAX


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    premise = forms.CharField(
        label=_("Premise"),
        max_length=PREMISE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One or two sentences: who wants what, and what stands in the way."),
    )
    genre = forms.CharField(label=_("Genre"), max_length=60, required=False)


class BeatForm(forms.Form):
    title = forms.CharField(label=_("Beat title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("What happens"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProjectSearchForm(forms.Form):
    q = forms.CharField(label=_("Search projects"), max_length=200, required=False)
