"""Registers the e-document generation task with Celery (imported by the jobs app when ready)."""

from skillcert.esign.services.documents import generate_documents_task

__all__ = ["generate_documents_task"]
