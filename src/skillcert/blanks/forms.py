"""Back-office forms of the blank ledger: they only parse input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from skillcert.blanks.choices import LEVEL_TITLE_ZH, BlankLevel
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter

_DATE = forms.DateInput(attrs={"type": "date"})


def _qs(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _orgs(user: Any, permission: str, kinds: list[str]) -> Any:
    return Organisation.objects.filter(org_filter(user, None, permission), kind__in=kinds).order_by("path")


class ReceiveForm(forms.Form):
    holder = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Receiving centre"))
    level = forms.ChoiceField(choices=BlankLevel.choices, label=_("Level"))
    first = forms.CharField(max_length=12, label=_("First serial"), help_text="JS00000001")
    last = forms.CharField(max_length=12, label=_("Last serial"), help_text="JS00010000")
    document_number = forms.CharField(max_length=60, label=_("Dispatch document number"))
    document_date = forms.DateField(label=_("Document date"), widget=_DATE)
    received_on = forms.DateField(label=_("Received on"), widget=_DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "holder").queryset = _orgs(user, "blanks.manage", [OrgKind.PROVINCE, OrgKind.INDUSTRY])


class AllocateForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("From"))
    target = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("To"))
    level = forms.ChoiceField(choices=BlankLevel.choices, label=_("Level"))
    count = forms.IntegerField(min_value=1, max_value=1_000_000, label=_("Count"))
    document_number = forms.CharField(max_length=60, required=False, label=_("Document number"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "source").queryset = _orgs(user, "blanks.manage", [OrgKind.PROVINCE, OrgKind.INDUSTRY])
        # stations are listed too, so that the service's R1.8 refusal is what the user sees
        _qs(self, "target").queryset = _orgs(
            user, "blanks.view", [OrgKind.CITY, OrgKind.INDUSTRY_BRANCH, OrgKind.STATION]
        )


def _serial_list(text: str) -> list[str]:
    return [s for s in text.replace(",", " ").replace("，", " ").split() if s]


class SpoilForm(forms.Form):
    serials = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Serials (one per line)"))
    reason = forms.CharField(max_length=200, label=_("Reason"))

    def clean_serials(self) -> list[str]:
        return _serial_list(self.cleaned_data["serials"])


class DestroyForm(forms.Form):
    holder = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Destroying centre"))
    serials = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Serials (one per line)"))
    destroyed_on = forms.DateField(label=_("Destroyed on"), widget=_DATE)
    place = forms.CharField(max_length=100, required=False, label=_("Place"))
    witness_1 = forms.CharField(max_length=150, label=_("Witness 1 (username)"))
    witness_2 = forms.CharField(max_length=150, label=_("Witness 2 (username)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "holder").queryset = _orgs(user, "blanks.manage", [OrgKind.CITY, OrgKind.INDUSTRY_BRANCH])

    def clean_serials(self) -> list[str]:
        return _serial_list(self.cleaned_data["serials"])

    # The witnesses stay usernames here: whether they are people of the chosen centre is the service's
    # question (destruction.find_witness), asked with the centre.


class RequisitionForm(forms.Form):
    city = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("City centre"))
    zero_declaration = forms.BooleanField(required=False, label=_("Zero declaration (no need this quarter)"))
    note = forms.CharField(max_length=300, required=False, label=_("Note"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "city").queryset = _orgs(
            user, "blanks.requisition", [OrgKind.CITY, OrgKind.INDUSTRY_BRANCH]
        )
        for level in ["5", "4", "3", "2", "1"]:
            self.fields[f"planned_{level}"] = forms.IntegerField(
                min_value=0,
                max_value=1_000_000,
                initial=0,
                required=False,
                label=_("Planned, level %(level)s (%(title)s)")
                % {"level": level, "title": LEVEL_TITLE_ZH[level]},
            )

    def planned(self) -> dict[str, int]:
        return {lv: self.cleaned_data.get(f"planned_{lv}") or 0 for lv in "54321"}


class ApproveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    comment = forms.CharField(max_length=300, required=False, label=_("Comment"))


class RequisitionAllocateForm(forms.Form):
    document_number = forms.CharField(max_length=60, required=False, label=_("Document number"))

    def __init__(self, *args: Any, planned: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in "54321":
            self.fields[f"count_{level}"] = forms.IntegerField(
                min_value=0,
                max_value=1_000_000,
                initial=planned.get(level, 0),
                required=False,
                label=_("Allocate, level %(level)s") % {"level": level},
            )

    def counts(self) -> dict[str, int]:
        return {lv: self.cleaned_data.get(f"count_{lv}") or 0 for lv in "54321"}


class FeeForm(forms.Form):
    city = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("City centre"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    quarter = forms.IntegerField(min_value=1, max_value=4, label=_("Quarter"))
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, label=_("Amount (yuan)"))
    remitted_on = forms.DateField(required=False, label=_("Remitted on"), widget=_DATE)
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _qs(self, "city").queryset = _orgs(user, "blanks.view", [OrgKind.CITY, OrgKind.INDUSTRY_BRANCH])
