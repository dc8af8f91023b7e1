"""The transparency log's JSON API under ``/api/v1/tlog/`` (issue 19 items 2-4; X4). Public, read-only,
no authentication; no personal data (the entries carry none). Errors are problem+json."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.errors import field_error
from skillcert.transparency import entry as entries
from skillcert.transparency import merkle, note
from skillcert.transparency import services as tlog
from skillcert.transparency.models import Checkpoint, LogKey, Witness


class PublicView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class LogKeySerializer(serializers.Serializer[Any]):
    purpose = serializers.CharField()
    name = serializers.CharField(help_text="the key name of its signature lines")
    algorithm = serializers.CharField(help_text="ed25519, sm2-sm3 or ed25519-cosignature-v1")
    key_id = serializers.CharField(help_text="hex of the 4-byte signed-note key id")
    public_key = serializers.CharField(help_text="hex: Ed25519 32 bytes; SM2 04||X||Y")
    vkey = serializers.CharField(help_text="signed-note verifier key text")


class WitnessSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    key_id = serializers.CharField()
    vkey = serializers.CharField()
    operator = serializers.CharField()


class KeysSerializer(serializers.Serializer[Any]):
    origin = serializers.CharField(help_text="the checkpoint origin line")
    keys = LogKeySerializer(many=True)
    witnesses = WitnessSerializer(many=True)


def keys_document() -> dict[str, Any]:
    origin = tlog.origin()  # starts the log (and makes its keys) on first use
    log_keys = []
    verifiers = {v.name: v for v in tlog.log_verifiers()}
    for key in LogKey.objects.order_by("purpose"):
        found = verifiers[key.name]
        log_keys.append(
            {
                "purpose": key.purpose,
                "name": key.name,
                "algorithm": key.algorithm,
                "key_id": key.key_id,
                "public_key": key.public_key,
                "vkey": found.vkey,
            }
        )
    witnesses = [
        {
            "name": w.name,
            "key_id": w.key_id,
            "vkey": tlog.witness_verifier(w).vkey,
            "operator": w.operator,
        }
        for w in Witness.objects.filter(active=True)
    ]
    return {"origin": origin, "keys": log_keys, "witnesses": witnesses}


class KeysView(PublicView):
    @extend_schema(
        operation_id="tlog_keys",
        tags=["transparency"],
        summary="The transparency log's public keys and its witnesses",
        description="The checkpoint origin, the log's Ed25519, SM2 and clock keys (with signed-note vkeys) "
        "and the witnesses whose cosignatures the log accepts (docs/formats/transparency-log.md §4). "
        "Published beside the issuer keys of /api/v1/keys/. No authentication.",
        responses={200: KeysSerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(keys_document())


class ProofSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    index = serializers.IntegerField(help_text="leaf index of the certificate's current version")
    entry = serializers.DictField(help_text="the logged entry (transparency-log.md §2)")
    entry_base64 = serializers.CharField(help_text="the exact entry bytes")
    leaf_hash = serializers.CharField(help_text="base64 SHA-256(0x00 || entry)")
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text="base64")
    inclusion = serializers.ListField(
        child=serializers.CharField(), help_text="base64 hashes, leaf side first"
    )
    checkpoint = serializers.CharField(help_text="the signed checkpoint note, with cosignatures")
    proof = serializers.CharField(help_text="the c2sp.org/tlog-proof@v1 file")


class ProofView(PublicView):
    @extend_schema(
        operation_id="tlog_proof",
        tags=["transparency"],
        summary="Inclusion proof of a certificate's current version",
        description="For a published certificate: its latest leaf (current version), the inclusion proof "
        "in the current checkpoint and the checkpoint with its signatures, as JSON and as the "
        "self-contained c2sp.org/tlog-proof@v1 file (`proof`; `?download=1` returns only the file, "
        "text/plain). `?evidence=earliest`: against the first checkpoint holding the leaf that a "
        "configured witness cosigned (the proof of *when*, R2.1) instead of the current one. "
        "404 problem when the certificate is not in the log. No authentication.",
        parameters=[
            OpenApiParameter("download", OpenApiTypes.BOOL, required=False),
            OpenApiParameter("evidence", OpenApiTypes.STR, required=False, enum=["head", "earliest"]),
        ],
        responses={
            (200, "application/json"): ProofSerializer,
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="the tlog-proof file"),
            404: OpenApiResponse(description="not in the log (problem+json)"),
        },
        auth=[],
    )
    def get(self, request: Request, number: str) -> Any:
        made = tlog.proof_for(number.strip(), earliest=request.query_params.get("evidence") == "earliest")
        if request.query_params.get("download") in ("1", "true", "yes"):
            response = HttpResponse(made.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{made.leaf.index}.tlog-proof"'
            return response
        return Response(
            {
                "number": number.strip(),
                "index": made.leaf.index,
                "entry": entries.parse_entry(made.entry).as_dict(),
                "entry_base64": note.b64(made.entry),
                "leaf_hash": note.b64(merkle.leaf_hash(made.entry)),
                "tree_size": made.checkpoint.size,
                "root_hash": note.b64(bytes.fromhex(made.checkpoint.root_hash)),
                "inclusion": [note.b64(h) for h in made.hashes],
                "checkpoint": tlog.signed_note(made.checkpoint),
                "proof": made.text,
            }
        )


class ConsistencySerializer(serializers.Serializer[Any]):
    size1 = serializers.IntegerField(help_text="the old size (`from`)")
    size2 = serializers.IntegerField(help_text="the new size (`to`)")
    root1 = serializers.CharField(allow_null=True, help_text="base64 root of the old size, if checkpointed")
    root2 = serializers.CharField(help_text="base64 root of the new size")
    proof = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 6962 consistency proof, base64"
    )


def _size(request: Request, name: str, default: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None and default is not None:
        return default
    if raw is None or not raw.isdigit() or len(raw) > 18:
        raise field_error(
            None,
            name,
            "transparency.size.invalid",
            f"{name} 须为非负整数",
            f"{name} must be a non-negative integer",
        )
    return int(raw)


class ConsistencyView(PublicView):
    @extend_schema(
        operation_id="tlog_consistency",
        tags=["transparency"],
        summary="Consistency proof between two tree sizes",
        description="RFC 6962 consistency proof from tree size `from` to `to` (default: the current size); "
        "`to` must be the size of a checkpoint the log signed. Hashes base64, in RFC 6962 order. "
        "No authentication.",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, required=True),
            OpenApiParameter("to", OpenApiTypes.INT, required=False),
        ],
        responses={200: ConsistencySerializer, 400: OpenApiResponse(description="bad sizes (problem+json)")},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        head = tlog.head()
        old, new = _size(request, "from", None), _size(request, "to", head.size)
        if old > new or new > head.size:
            raise field_error(
                None,
                "from",
                "transparency.size.range",
                f"须满足 0 ≤ from ≤ to ≤ {head.size}",
                f"Need 0 <= from <= to <= {head.size}",
            )
        target = tlog.checkpoint_at(new)
        old_cp = Checkpoint.objects.filter(size=old).first() if old else None
        return Response(
            {
                "size1": old,
                "size2": new,
                "root1": note.b64(bytes.fromhex(old_cp.root_hash)) if old_cp else None,
                "root2": note.b64(bytes.fromhex(target.root_hash)),
                "proof": [note.b64(h) for h in tlog.consistency(old, new)],
            }
        )


class RegisterEntrySerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(allow_null=True, help_text="where it was logged; null: not yet")
    event = serializers.CharField()
    version = serializers.IntegerField()
    record_sm3 = serializers.CharField()


class RegisterSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    entries = RegisterEntrySerializer(many=True)


class RegisterView(PublicView):
    @extend_schema(
        operation_id="tlog_register",
        tags=["transparency"],
        summary="What the public register says a certificate's leaves should be",
        description="For monitors: every published change of the certificate as the register derives it "
        "now (event, version, SM3 of the signed record of that version) and the leaf index it was logged "
        "at (null until the next publication). A monitor compares them with the entry bundles. "
        "No name, no ID number. No authentication.",
        responses={200: RegisterSerializer, 404: OpenApiResponse(description="not published (problem+json)")},
        auth=[],
    )
    def get(self, request: Request, number: str) -> Response:
        certificate = tlog.published_certificate(number.strip())
        return Response({"number": certificate.number, "entries": tlog.register_view(certificate)})
