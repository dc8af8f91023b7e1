"""The register of original e-certificate files (R2.1 the original signed file, R2.6 OFD storage,
R2.9 reissue makes a new version, R2.10 score reports alike): generated once per version on commit of
issuance / reissue, idempotent, immutable; holders download exactly the stored PDF and OFD."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import ofdkit
import pytest
from django.test import Client

from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle import issue_score_certificate, reissue
from skillcert.esign import offline, revocation
from skillcert.esign.models import ElectronicDocument
from skillcert.esign.services import documents
from skillcert.holders.sms import MemorySmsSender
from skillcert.holders.tests.test_holders import _login
from skillcert.holders.tests.test_holders import certs as certs  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.SKILLCERT_EDOCS_ON_COMMIT = True


def _verify(data: bytes) -> offline.Verdict:
    keys_doc = Client().get("/api/v1/keys/").json()
    now = datetime.datetime.now(datetime.UTC)
    return offline.verify_file_offline(data, keys_doc, revocation.build_revocation_list(now=now), now=now)


def test_r2_1_generated_once_per_version_and_immutable(certs: list[Certificate]) -> None:
    cert = certs[0]
    docs = documents.ensure_documents(cert)
    assert set(docs) == {"pdf", "ofd"} and {d.version for d in docs.values()} == {1}
    again = documents.ensure_documents(cert)
    assert {k: d.pk for k, d in again.items()} == {k: d.pk for k, d in docs.items()}
    assert ElectronicDocument.objects.filter(certificate=cert).count() == 2
    for doc in docs.values():
        data = documents.read_document(doc)
        assert hashlib.sha256(data).hexdigest() == doc.sha256 and len(data) == doc.size
        assert _verify(data).state == "valid"
    with pytest.raises(ValueError):
        docs["pdf"].save()
    with pytest.raises(ValueError):
        docs["pdf"].delete()
    text = ofdkit.extract_text(documents.read_document(docs["ofd"]))
    assert cert.number in text and cert.data["name"] in text


def test_r2_9_reissue_queues_new_version_on_commit(
    certs: list[Certificate], demo: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    cert = certs[0]
    documents.ensure_documents(cert)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reissue(cert, actor=demo["users"]["nj_admin"], reason="遗失")
    assert len(callbacks) == 1
    versions = sorted(ElectronicDocument.objects.filter(certificate=cert).values_list("version", "kind"))
    assert versions == [(1, "ofd"), (1, "pdf"), (2, "ofd"), (2, "pdf")]
    v2 = ElectronicDocument.objects.get(certificate=cert, version=2, kind="ofd")
    text = ofdkit.extract_text(documents.read_document(v2))
    assert "补发" in text
    assert _verify(documents.read_document(v2)).state == "valid"


def test_r2_10_score_report_documents(
    certs: list[Certificate], demo: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        score = issue_score_certificate(certs[1], actor=demo["users"]["nj_admin"], reason="职业资格已取消")
    docs = {d.kind: d for d in ElectronicDocument.objects.filter(certificate=score)}
    assert set(docs) == {"pdf", "ofd"}
    assert "成绩证明" in ofdkit.extract_text(documents.read_document(docs["ofd"]))
    for doc in docs.values():
        v = _verify(documents.read_document(doc))
        assert (v.state, v.number) == ("valid", score.number)


def test_issuance_queues_on_commit(
    demo: dict[str, Any], certs: list[Certificate], django_capture_on_commit_callbacks: Any
) -> None:
    from skillcert.appraisal.tests.test_flow import TURNER
    from skillcert.certificates.services.issue import issue_certificates
    from skillcert.certificates.tests.test_issue import finished_session

    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=1, first_id=720)
    with django_capture_on_commit_callbacks(execute=True):
        issued = issue_certificates(session, actor=demo["users"]["nj_admin"])
    assert ElectronicDocument.objects.filter(certificate__in=issued).count() == 2 * len(issued)


def test_holder_downloads_exactly_the_stored_files(client: Any, certs: list[Certificate]) -> None:
    """R2.3, R2.6: the holder gets the registered bytes, PDF and OFD, every time."""
    MemorySmsSender.outbox.clear()
    _login(client, certs)
    page = client.get("/holder/certificate/").content.decode()
    assert "/holder/certificate/ofd/" in page
    pdf = client.get("/holder/certificate/pdf/")
    ofd = client.get("/holder/certificate/ofd/")
    assert pdf.status_code == 200 and ofd.status_code == 200, re.findall(r"data-code=\"[^\"]*\"", ofd.text)
    assert ofd["Content-Type"] == "application/ofd"
    stored = {d.kind: d for d in ElectronicDocument.objects.filter(certificate=certs[0])}
    assert hashlib.sha256(pdf.content).hexdigest() == stored["pdf"].sha256
    assert hashlib.sha256(ofd.content).hexdigest() == stored["ofd"].sha256
    assert client.get("/holder/certificate/ofd/").content == ofd.content
    assert client.get(f"/holder/certificate/{certs[1].pk}/ofd/").status_code == 404
