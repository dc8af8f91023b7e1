"""Publication use cases (R3.7–R3.9). Import from here: `from skillcert.publication import services`."""

from skillcert.publication.services.freeze import (
    active_freeze,
    freeze_publishing,
    publishing_frozen,
    unfreeze_publishing,
)
from skillcert.publication.services.rounds import (
    can_sign,
    compile_release,
    next_role,
    pending_certificates,
    publish_problem,
    publish_release,
    sign_batch,
    sign_problem,
    sign_release,
    submit_batch,
)

__all__ = [
    "active_freeze",
    "can_sign",
    "compile_release",
    "freeze_publishing",
    "next_role",
    "pending_certificates",
    "publish_problem",
    "publish_release",
    "publishing_frozen",
    "sign_batch",
    "sign_problem",
    "sign_release",
    "submit_batch",
    "unfreeze_publishing",
]
