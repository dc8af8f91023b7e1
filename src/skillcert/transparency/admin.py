"""Django admin for the witnesses the log accepts cosignatures from (issue 19 item 4; X2).

A witness is added with its name and Ed25519 public key (hex or its vkey) through the same service as
`skillcert tlog add-witness` (validated, key id computed, audited); afterwards only `active` and the
operator may change (audited). Witnesses are never deleted: their cosignatures refer to them. The
log's own rows (tiles, leaves, checkpoints, keys) are not editable anywhere.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from skillcert.audit.services import log_action, snapshot
from skillcert.core.errors import SkillcertError
from skillcert.transparency.models import Witness
from skillcert.transparency.services.witness import add_witness


class WitnessForm(forms.ModelForm):
    class Meta:
        model = Witness
        fields = ["name", "public_key", "operator", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("name") and data.get("public_key"):
            from skillcert.transparency import note

            try:
                note.check_name(data["name"])
                text = data["public_key"].strip()
                raw = note.parse_vkey(text).public_key if "+" in text else bytes.fromhex(text)
                if len(raw) != 32:
                    raise ValueError("32 bytes expected")
            except ValueError as exc:
                raise forms.ValidationError(f"见证方公钥无效 / Invalid witness key: {exc}") from None
        return data


@admin.register(Witness)
class WitnessAdmin(admin.ModelAdmin):
    form = WitnessForm
    list_display = ["name", "key_id", "operator", "active", "created_at"]
    list_filter = ["active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "public_key", "key_id"] if obj is not None else ["key_id"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            try:
                created = add_witness(obj.name, obj.public_key, operator=obj.operator, actor=request.user)
            except SkillcertError as exc:  # validated by the form already; keep the bilingual message
                raise forms.ValidationError(str(exc)) from exc
            obj.pk, obj.key_id, obj.public_key = created.pk, created.key_id, created.public_key
            if not obj.active:
                Witness.objects.filter(pk=obj.pk).update(active=False)
            return
        before = snapshot(Witness.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        log_action("transparency.witness.change", obj, actor=request.user, before=before, after=snapshot(obj))
