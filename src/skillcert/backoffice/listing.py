"""A list page with a filter form and XLSX/CSV export from one filter definition (rule 7)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.generic import ListView

from skillcert.core.exports import Column, export_response
from skillcert.core.filters import scope_choices
from skillcert.orgs.scoping import has_permission


def _cell(value: Any) -> tuple[Any, bool]:
    """A value and whether it must not wrap (dates and times break badly mid-value)."""
    return value, isinstance(value, datetime.date)


class FilteredListView(LoginRequiredMixin, ListView):
    filterset_class: Any = None
    columns: list[Column] = []
    permission: str | None = None
    export_name = "export"
    paginate_by = 50
    template_name = "backoffice/list.html"
    title: Any = ""
    row_link: str | None = None  # url name taking the pk; or override row_url()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (
            request.user.is_authenticated
            and self.permission
            and not has_permission(request.user, self.permission)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        self.filterset = scope_choices(
            self.filterset_class(
                self.request.GET or None, queryset=self.base_queryset(), request=self.request
            ),
            self.request.user,
        )
        return (
            self.filterset.qs
            if self.filterset.is_bound and self.filterset.is_valid()
            else (self.base_queryset() if not self.filterset.is_bound else self.base_queryset().none())
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt in {"xlsx", "csv"}:
            return export_response(
                self.columns, self.get_queryset().iterator(chunk_size=500), fmt, self.export_name
            )
        return super().get(request, *args, **kwargs)

    def row_url(self, obj: Any) -> str | None:
        """Where a row's first cell links to."""
        return reverse(self.row_link, args=[obj.pk]) if self.row_link else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context.update(
            filter=self.filterset,
            columns=self.columns,
            title=self.title,
            query=query.urlencode(),
            rows=[
                (self.row_url(obj), [_cell(get(obj)) for _, _, get in self.columns])
                for obj in context["object_list"]
            ],
        )
        return context
