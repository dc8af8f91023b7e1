from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username"))
    password = forms.CharField(max_length=512, label=_("Password"), widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=10, label=_("Code from your authenticator app"))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput, max_length=512)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, max_length=512)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, max_length=512)


class LeakForm(forms.Form):
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}))
    expire_passwords = forms.BooleanField(
        label=_("Make everyone choose a new password"), required=False, initial=True
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason to lift the lock-down"), max_length=500)
