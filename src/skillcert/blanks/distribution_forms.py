"""R2.8 back-office forms for paper distribution: they only parse input; the services decide."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillcert.blanks.services.distribution import awaiting_notice
from skillcert.certificates.models import Certificate
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter

_DATE = forms.DateInput(attrs={"type": "date"})
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def managed_orgs(user: Any) -> Any:
    """Organisations where the user may manage blanks (the distribution is kept there)."""
    return Organisation.objects.filter(org_filter(user, None, "blanks.manage")).order_by("path")


class CertificateChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} {obj.person.name}"


class NoticeForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    title = forms.CharField(max_length=100, label=_("Title"))
    place = forms.CharField(max_length=200, label=_("Collection place"))
    collect_from = forms.DateTimeField(label=_("Collect from"), widget=_DATETIME)
    collect_until = forms.DateTimeField(label=_("Collect until"), widget=_DATETIME)
    certificates = CertificateChoice(
        queryset=Certificate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Printed certificates covered"),
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = managed_orgs(user)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = orgs
        cast(forms.ModelChoiceField, self.fields["certificates"]).queryset = awaiting_notice(
            list(orgs)
        ).select_related("person")


class MailingForm(forms.Form):
    recipient = forms.CharField(max_length=50, label=_("Recipient"))
    address = forms.CharField(max_length=200, label=_("Mailing address"))
    tracking_number = forms.CharField(max_length=40, label=_("Tracking number"))
    mailed_on = forms.DateField(label=_("Mailed on"), widget=_DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"mailed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CollectionForm(forms.Form):
    recipient = forms.CharField(max_length=50, label=_("Collected by"))
    collected_on = forms.DateField(label=_("Collected on"), widget=_DATE)
    id_checked = forms.BooleanField(
        required=False,
        label=_("ID document checked"),
        help_text=_("Confirm that you checked the collector's ID document."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"collected_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_collected_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["collected_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The collection date cannot be in the future."))
        return day


class RecallForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = managed_orgs(user)
