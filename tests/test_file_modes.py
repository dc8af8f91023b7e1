"""Files that may hold full ID numbers, photos or keys are the service user's alone: files 0600 (evidence
0400), directories 0700 (issue 13 item 9, X7; docs/operations.md "Files").

Two layers, tested apart:
- the process umask that settings set (0o077): a fresh `skillcert` process started with umask 022 still
  creates var/, the SQLite database with its -wal and -shm, and the generated secrets without group or
  other bits, and closes a var/ that an older installation left open;
- the explicit modes where the platform writes by hand, which hold whatever the umask: tests under
  `loose_umask` (022, what the process had before) create a print PDF, e-certificate documents, photos,
  an exam paper, a people export, correction evidence and a backup with its removable copies, and `stat`
  every file and directory they wrote.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from skillcert.holders.tests.fixtures import holder_login, issued_fixture  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(root: Path) -> dict[str, str]:
    """Every file and directory below `root` (and root itself) with its mode, for one readable assert."""
    return {str(p.relative_to(root.parent)): oct(mode(p)) for p in [root, *sorted(root.rglob("*"))]}


def loose(root: Path, file_mode: int = 0o600) -> dict[str, str]:
    """What below `root` is not private: directories not 0700, files not `file_mode`."""
    return {
        name: m
        for name, m in modes_under(root).items()
        if int(m, 8) != (0o700 if (root.parent / name).is_dir() else file_mode)
    }


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a process that did not go through settings (and of this one before the fix)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_x7_a_fresh_process_keeps_var_the_database_and_secrets_private(tmp_path: Path) -> None:
    """Started with umask 022 on a var/ left 0755 by an older installation: settings close var/, and the
    SQLite database (WAL: -wal and -shm beside it) and the generated secrets are created 0600."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    probe = (
        "import json, os, stat\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('CREATE TABLE probe (x)')\n"
        "cursor.execute('INSERT INTO probe VALUES (1)')\n"
        "names = sorted(os.listdir(settings.VAR_DIR))\n"  # while the connection is open: -wal, -shm exist
        "print(json.dumps({n: oct(stat.S_IMODE(os.stat(settings.VAR_DIR / n).st_mode)) for n in names}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SKILLCERT_ENV": "development",
        "SKILLCERT_VAR_DIR": str(var),
        "PYTHONPATH": str(ROOT / "src"),
    }
    run = subprocess.run(
        ["/bin/sh", "-c", 'umask 022 && exec "$0" -m skillcert.manage shell -c "$1"', sys.executable, probe],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    modes = json.loads(run.stdout.strip().splitlines()[-1])
    assert mode(var) == 0o700
    database = ("skillcert.sqlite3", "skillcert.sqlite3-wal", "skillcert.sqlite3-shm")
    for name in (*database, "secret_key", "data_key"):
        assert modes.get(name) == "0o600", (name, modes)
    assert modes["static"] == "0o700", modes


@pytest.mark.django_db
def test_x7_print_pdf_edocs_photos_papers_and_exports_are_private(
    demo: dict[str, Any],
    media: Path,
    loose_umask: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from skillcert.appraisal.services import papers
    from skillcert.blanks.tests.helpers import stock
    from skillcert.esign.services.documents import ensure_documents
    from skillcert.jobs.services import start_job
    from skillcert.printing.models import PrintJob
    from skillcert.printing.services import jobs
    from skillcert.printing.tests.helpers import issue_with_photos

    stock(demo, first=1, last=100, to_city=50)
    certs = issue_with_photos(demo, 2)  # each holder's photo stored
    with django_capture_on_commit_callbacks(execute=True):
        [job] = jobs.create_print_jobs(
            organisation=demo["orgs"]["ST-10012003"],
            certificates=[c.pk for c in certs],
            actor=demo["users"]["nj003"],
        )
    job = PrintJob.objects.get(pk=job.pk)
    pdf = media / job.file
    assert pdf.read_bytes().startswith(b"%PDF") and mode(pdf) == 0o600
    documents = ensure_documents(certs[0])
    assert {d.kind for d in documents.values()} == {"pdf", "ofd"}
    papers.register_paper_set(
        demo["orgs"]["ST-10012003"],
        certs[0].occupation,
        certs[0].level,
        "A卷",
        "A.pdf",
        b"%PDF-1.4 paper A",
        actor=demo["users"]["nj003"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        export = start_job(
            "people.export_xlsx", actor=demo["users"]["nj_admin"], organisation=demo["orgs"]["JS-NJ"]
        )
    export.refresh_from_db()
    assert export.result["file"] == f"exports/{export.pk}.xlsx"
    stored = modes_under(media)
    for folder in ("printing", "edocs", "photos", "papers", "exports"):
        assert f"media/{folder}" in stored, stored
    assert loose(media) == {}


@pytest.mark.django_db
def test_x7_uploads_through_django_storage_are_private(media: Path, loose_umask: None) -> None:
    """FILE_UPLOAD_PERMISSIONS / FILE_UPLOAD_DIRECTORY_PERMISSIONS: Django's storage sets the modes itself."""
    name = default_storage.save("uploads/2026/scan.pdf", ContentFile(b"%PDF-1.4 scan"))
    assert mode(media / name) == 0o600 and mode(media / "uploads" / "2026") == 0o700


@pytest.mark.django_db
def test_x7_correction_evidence_is_the_owners_read_only(
    client: Any,
    issued: list[Any],
    media: Path,
    loose_umask: None,
) -> None:
    """R3.5: the ID-card scan and the admission ticket a holder uploads: 0400 in 0700 directories."""
    from skillcert.holders.models import CorrectionEvidence
    from skillcert.holders.tests.test_corrections import pdf_bytes, png_bytes

    cert = issued[0]
    holder_login(client, cert, 0)
    ok = client.post(
        "/holder/correction/",
        {
            "name": "王小" + cert.data["name"][-1],
            "reason": "姓名录入错误",
            "id_card": SimpleUploadedFile("id.png", png_bytes(), content_type="image/png"),
            "admission_ticket": SimpleUploadedFile("t.pdf", pdf_bytes(), content_type="application/pdf"),
        },
    )
    assert ok.status_code == 200
    assert CorrectionEvidence.objects.count() == 2
    assert loose(media / "holders", file_mode=0o400) == {}


@pytest.mark.django_db
def test_x7_import_upload_is_private_under_the_process_umask(demo: dict[str, Any], media: Path) -> None:
    """The certificate import's upload (exchange/services/uploads.py writes it by hand) is private through
    the process umask alone."""
    from skillcert.exchange.services.uploads import start_import

    assert os.umask(0o077) == 0o077  # what settings set for this process too
    upload = SimpleUploadedFile("certs.csv", "证书编号,姓名\n".encode())
    start_import(upload, actor=demo["users"]["nj_admin"], organisation=demo["orgs"]["JS-NJ"], partial=True)
    written = list((media / "imports").iterdir())
    assert len(written) == 1 and mode(written[0]) == 0o600 and mode(media / "imports") == 0o700


@pytest.mark.django_db(transaction=True)
def test_x7_r3_9_backup_and_its_copies_are_private(
    settings: Any, tmp_path: Path, loose_umask: None
) -> None:
    """R3.9: the database copy and manifest on the server and on the removable targets."""
    from skillcert.publication import backups

    settings.SKILLCERT_BACKUP_DIR = tmp_path / "server"
    settings.SKILLCERT_BACKUP_TARGETS = [tmp_path / "usb1", tmp_path / "usb2"]
    backup = backups.run_backup(reason="file modes")
    for root in [*settings.SKILLCERT_BACKUP_TARGETS, settings.SKILLCERT_BACKUP_DIR]:
        directory = root / backup.name
        assert (directory / backups.MANIFEST).exists() and backups.verify_backup(directory).ok
        assert loose(root) == {}, modes_under(root)

