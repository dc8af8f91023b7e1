"""Errors with stable codes and bilingual messages (design.md rule 6).

Every error a user can meet names its code (`people.id_number.checksum`), the record and the field it
concerns, and says what is wrong in Chinese and in English. Views, the API and imports render these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    code: str
    message_zh: str
    message_en: str
    record: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.record is not None:
            data["record"] = self.record
        return data

    def __str__(self) -> str:
        where = f"{self.record}: " if self.record else ""
        return f"{where}{self.field}: {self.message_zh} / {self.message_en}"


@dataclass
class SkillcertError(Exception):
    """Base of all domain errors. `status` is the HTTP status the API answers with."""

    code: str
    message_zh: str
    message_en: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400

    def __str__(self) -> str:
        head = f"[{self.code}] {self.message_zh} / {self.message_en}"
        if self.errors:
            head += "; " + "; ".join(str(e) for e in self.errors)
        return head

    def as_problem(self) -> dict[str, Any]:
        return {
            "type": f"urn:skillcert:error:{self.code}",
            "title": self.message_en,
            "status": self.status,
            "code": self.code,
            "message": {"zh": self.message_zh, "en": self.message_en},
            "detail": f"{self.message_zh} / {self.message_en}",
            "errors": [e.as_dict() for e in self.errors],
        }


class ValidationFailed(SkillcertError):
    """Input that breaks a rule; carries one FieldError per offending field."""

    @classmethod
    def of(cls, errors: list[FieldError], record: str | None = None) -> ValidationFailed:
        for err in errors:
            if record and err.record is None:
                err.record = record
        first = errors[0]
        where = f"{record}：" if record else (f"{first.record}：" if first.record else "")
        where_en = f"{record}: " if record else (f"{first.record}: " if first.record else "")
        return cls(
            code=first.code if len(errors) == 1 else "validation.failed",
            message_zh=where + "；".join(e.message_zh for e in errors),
            message_en=where_en + "; ".join(e.message_en for e in errors),
            errors=errors,
            status=400,
        )


def field_error(record: str | None, field_name: str, code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed.of([FieldError(field_name, code, zh, en, record)])


class NotPermitted(SkillcertError):
    def __init__(
        self,
        code: str = "auth.not_permitted",
        zh: str = "无权执行此操作",
        en: str = "You are not permitted to do this",
    ) -> None:
        super().__init__(code, zh, en, [], 403)


class NotFound(SkillcertError):
    def __init__(self, code: str = "not_found", zh: str = "记录不存在", en: str = "Record not found") -> None:
        super().__init__(code, zh, en, [], 404)


class Conflict(SkillcertError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code, zh, en, [], 409)
