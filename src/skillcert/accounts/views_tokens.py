"""The API tokens page (issue 13 item 8, R3.9): one's own tokens, and for holders of accounts.security
those of users in their subtree; issue a labelled token (the key is shown once) and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from skillcert.accounts.services import tokens
from skillcert.core.errors import SkillcertError


class IssueForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("What the token is for"), max_length=100)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = IssueForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        _, new_key = tokens.issue_api_token(
            request.user, label=form.cleaned_data["label"], actor=request.user
        )
        form = IssueForm()
    visible = tokens.tokens_visible_to(request.user)
    show = request.GET.get("show", "active")
    if show == "active":
        visible = visible.filter(pk__in=tokens.active_tokens().values("pk"))
    rows = list(visible[:500])
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "mine": [t for t in rows if t.user_id == request.user.pk],
            "others": [t for t in rows if t.user_id != request.user.pk],
            "show": show,
            "days": tokens.token_days(),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens.tokens_visible_to(request.user), pk=pk)
    try:
        tokens.revoke_token(token, actor=request.user)
    except SkillcertError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
