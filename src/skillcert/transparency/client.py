"""A witness and a monitor of a tiled log, over HTTP or a mirrored directory (issue 19 item 4; X2).

Only the public interface of a log is used — ``<prefix>/checkpoint``, ``<prefix>/tile/…``, the log's
vkeys and, for the monitor, the register's ``/api/v1/tlog/register/<number>/`` — so the same code
checks this log, a static mirror of it (``skillcert tlog export``) or any other C2SP tlog-tiles log.

* :func:`witness` keeps the last checkpoint it cosigned in a state file, verifies the new checkpoint's
  signature and its consistency with the old one (the proof computed from the tiles), cosigns it
  (tlog-cosignature v1, Ed25519, with a timestamp) and submits the cosignature.
* :func:`monitor` replays the whole log from the entry bundles, recomputes every tile and the root,
  checks each entry against the register and reports, by name: ``fork`` (two checkpoints of one size
  with different roots), ``inconsistent growth``, ``changed entry``, ``missing entry``.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from skillcert.transparency import entry as entries
from skillcert.transparency import merkle, note, tiles

FORK = "fork"
INCONSISTENT = "inconsistent growth"
CHANGED = "changed entry"
MISSING = "missing entry"
BAD_CHECKPOINT = "bad checkpoint"


class FetchError(Exception):
    def __init__(self, url: str, status: int | None, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.status = status


class Source:
    """The log at ``prefix``: an http(s) URL or a local directory (a mirror written by export)."""

    def __init__(self, prefix: str, timeout: float = 20) -> None:
        self.prefix = prefix.rstrip("/")
        self.timeout = timeout
        self.local = urllib.parse.urlsplit(self.prefix).scheme not in ("http", "https")

    def get(self, path: str) -> bytes:
        if self.local:
            file = Path(self.prefix) / path
            try:
                return file.read_bytes()
            except OSError as exc:
                raise FetchError(str(file), 404, str(exc)) from None
        url = f"{self.prefix}/{path}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 (http/https only)
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            raise FetchError(url, exc.code, f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise FetchError(url, None, str(exc)) from None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        url = f"{self.prefix}/{path}"
        request = urllib.request.Request(  # noqa: S310 (the prefix is http or https here)
            url, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), bytes(exc.read())

    def tile(self, tile: tiles.Tile) -> bytes:
        return self.get(tile.path)

    def site_root(self) -> str:
        """The site the log lives under (``…/tlog`` → ``…``), for the register's API."""
        return self.prefix[: -len("/tlog")] if self.prefix.endswith("/tlog") else self.prefix


@dataclass
class State:
    """What a witness or monitor remembers between runs (JSON file)."""

    origin: str = ""
    vkeys: list[str] = field(default_factory=list)
    size: int = 0
    root: str = ""  # base64
    seen: dict[str, str] = field(default_factory=dict)  # size → root, every checkpoint seen

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: data[k] for k in ("origin", "vkeys", "size", "root", "seen") if k in data})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


@dataclass
class Report:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)
    notes: list[str] = field(default_factory=list)
    size: int = 0

    def add(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))

    @property
    def ok(self) -> bool:
        return not self.problems


def _verifiers(source: Source, state: State, pinned: list[str]) -> list[note.Verifier]:
    """The log's keys: given (--log-key), else those pinned in the state, else fetched once (trust on
    first use) and pinned."""
    vkeys = pinned or state.vkeys
    if not vkeys:
        vkeys = [line for line in source.get("vkeys").decode().splitlines() if line.strip()]
    state.vkeys = vkeys
    return [note.parse_vkey(v) for v in vkeys]


def _open(source: Source, state: State, pinned: list[str]) -> tuple[note.Checkpoint, note.Note]:
    verifiers = _verifiers(source, state, pinned)
    raw = source.get("checkpoint")
    parsed = note.parse_checkpoint(note.parse_note(raw).text)
    origin = state.origin or parsed.origin
    checkpoint, signed, _good = note.open_checkpoint(raw, origin, verifiers)
    state.origin = origin
    return checkpoint, signed


def _check_growth(source: Source, state: State, checkpoint: note.Checkpoint, report: Report) -> bool:
    """Fork and consistency checks against what the state remembers."""
    seen_root = state.seen.get(str(checkpoint.size))
    if seen_root is not None and seen_root != note.b64(checkpoint.root):
        report.add(
            FORK, f"two checkpoints of size {checkpoint.size}: {seen_root} and {note.b64(checkpoint.root)}"
        )
        return False
    if state.size and checkpoint.size < state.size:
        report.add(FORK, f"the log went back from size {state.size} to {checkpoint.size}")
        return False
    if state.size and checkpoint.size >= state.size:
        reader = tiles.TileHashReader(checkpoint.size, source.tile)
        try:
            proof = merkle.consistency_proof(reader, state.size, checkpoint.size)
            ok = merkle.verify_consistency(
                state.size, checkpoint.size, note.unb64(state.root), checkpoint.root, proof
            )
        except (merkle.ProofError, FetchError, note.NoteError) as exc:
            report.add(INCONSISTENT, f"no consistency proof from {state.size} to {checkpoint.size}: {exc}")
            return False
        if not ok:
            report.add(
                INCONSISTENT, f"size {checkpoint.size} is not an append-only extension of size {state.size}"
            )
            return False
    return True


# --- witness -----------------------------------------------------------------------------------------


def witness_key(path: Path) -> bytes:
    """The witness's Ed25519 seed from ``path`` (32 raw bytes), generated (mode 0600) if missing."""
    if path.exists():
        seed = path.read_bytes()
        if len(seed) != 32:
            raise ValueError(f"{path} does not hold a 32-byte Ed25519 seed")
        return seed
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(seed)
    return seed


def witness(
    prefix: str,
    *,
    state_path: Path,
    name: str,
    seed: bytes,
    pinned: list[str] | None = None,
    submit: bool = True,
) -> Report:
    """One witness round (see the module docstring). The state advances only when the new checkpoint
    verifies and is consistent; a cosignature is made only then."""
    source = Source(prefix)
    state = State.load(state_path)
    report = Report()
    try:
        checkpoint, signed = _open(source, state, pinned or [])
    except (FetchError, note.NoteError, ValueError) as exc:
        report.add(BAD_CHECKPOINT, str(exc))
        return report
    report.size = checkpoint.size
    if not _check_growth(source, state, checkpoint, report):
        return report
    if not state.size:  # first sight: the tiles must at least give the signed root
        try:
            root = merkle.tree_hash(tiles.TileHashReader(checkpoint.size, source.tile), checkpoint.size)
        except (merkle.ProofError, FetchError) as exc:
            report.add(INCONSISTENT, f"the tiles do not give a tree of size {checkpoint.size}: {exc}")
            return report
        if root != checkpoint.root:
            report.add(INCONSISTENT, f"the tiles of size {checkpoint.size} give another root")
            return report
    line = note.sign(signed.text, name, note.COSIGNATURE_V1, seed, timestamp=int(time.time())).line
    state.size, state.root = checkpoint.size, note.b64(checkpoint.root)
    state.seen[str(checkpoint.size)] = state.root
    state.save(state_path)
    report.notes.append(f"cosigned {checkpoint.origin} size {checkpoint.size}")
    if submit:
        status, body = source.post("cosignatures", (signed.render() + line).encode("utf-8"))
        if status != 200:
            report.notes.append(f"the log refused the cosignature: HTTP {status} {body[:300]!r}")
            report.add("submission refused", f"HTTP {status}")
        else:
            report.notes.append("cosignature accepted by the log")
    return report


# --- monitor -----------------------------------------------------------------------------------------


def _replay(source: Source, size: int, report: Report) -> tuple[list[bytes | None], bytes]:
    """Every entry, checked against the level-0 tiles; the higher tiles checked against the recomputed
    hashes. Entries that cannot be read are None."""
    out: list[bytes | None] = []
    leaf_hashes: list[bytes] = []
    for index in range((size + 255) // 256):
        bundle_tile = tiles.tile_for(size, 0, index)
        assert bundle_tile is not None
        start = index * 256
        try:
            bundle = tiles.decode_bundle(source.tile(tiles.Tile(tiles.ENTRIES, index, bundle_tile.width)))
        except (FetchError, ValueError) as exc:
            report.add(MISSING, f"entries {start}-{start + bundle_tile.width - 1}: {exc}")
            bundle = []
        try:
            hashes = tiles.split_hashes(source.tile(bundle_tile))
        except (FetchError, ValueError) as exc:
            report.add(MISSING, f"tile {bundle_tile.path}: {exc}")
            hashes = []
        if bundle and len(bundle) != bundle_tile.width:
            report.add(MISSING, f"bundle {index} has {len(bundle)} entries, expected {bundle_tile.width}")
        for j in range(bundle_tile.width):
            raw = bundle[j] if j < len(bundle) else None
            computed = merkle.leaf_hash(raw) if raw is not None else None
            if raw is not None and j < len(hashes) and computed != hashes[j]:
                report.add(CHANGED, f"index {start + j}: the entry does not hash to the tile's leaf hash")
            out.append(raw)
            leaf_hashes.append(computed or (hashes[j] if j < len(hashes) else bytes(32)))
    memory = merkle.MemoryHashReader(leaf_hashes)
    for tile in tiles.tiles_for_size(size):
        if tile.level <= 0:
            continue
        try:
            data = source.tile(tile)
        except FetchError as exc:
            report.add(MISSING, f"tile {tile.path}: {exc}")
            continue
        expected = b"".join(
            memory.subtree_hash(8 * tile.level, tile.index * 256 + j) for j in range(tile.width)
        )
        if data != expected:
            report.add(CHANGED, f"tile {tile.path} does not match the entries below it")
    report.notes.append(f"replayed {size} entries")
    return out, merkle.tree_hash(memory, size)


def _check_register(source: Source, register_url: str, found: list[bytes | None], report: Report) -> None:
    by_number: dict[str, list[tuple[int, entries.Entry]]] = {}
    for index, raw in enumerate(found):
        if raw is None:
            continue
        try:
            parsed = entries.parse_entry(raw)
        except entries.EntryError as exc:
            report.add(CHANGED, f"index {index}: not a valid entry ({exc})")
            continue
        by_number.setdefault(parsed.certificate, []).append((index, parsed))
    plain = Source(register_url)
    for number, logged in sorted(by_number.items()):
        try:
            data = json.loads(plain.get(urllib.parse.quote(number, safe="") + "/"))
        except FetchError as exc:
            if exc.status == 404:
                report.add(
                    MISSING, f"certificate {number} (index {logged[0][0]}) is not in the public register"
                )
            else:
                report.add(MISSING, f"the register cannot be read for {number}: {exc}")
            continue
        register = {e["index"]: e for e in data.get("entries", []) if e.get("index") is not None}
        for index, logged_entry in logged:
            expected = register.get(index)
            if expected is None:
                report.add(
                    CHANGED, f"index {index} ({number} {logged_entry.event}): the register has no such change"
                )
                continue
            got = (logged_entry.event, logged_entry.version, logged_entry.record_sm3)
            want = (expected["event"], expected["version"], expected["record_sm3"])
            if got != want:
                report.add(CHANGED, f"index {index} ({number}): the log says {got}, the register {want}")
        indexes = {i for i, _ in logged}
        for index in register:
            if index not in indexes:
                report.add(MISSING, f"the register says {number} was logged at {index}, the log has not")


def monitor(
    prefix: str, *, state_path: Path, pinned: list[str] | None = None, register_url: str | None = None
) -> Report:
    source = Source(prefix)
    state = State.load(state_path)
    report = Report()
    try:
        checkpoint, _signed = _open(source, state, pinned or [])
    except (FetchError, note.NoteError, ValueError) as exc:
        report.add(BAD_CHECKPOINT, str(exc))
        return report
    report.size = checkpoint.size
    grew = _check_growth(source, state, checkpoint, report)
    found, root = _replay(source, checkpoint.size, report)
    if root != checkpoint.root:
        report.add(CHANGED, f"the entries give another root than the checkpoint of size {checkpoint.size}")
    if state.size and grew and state.root:
        old = merkle.tree_hash(
            merkle.MemoryHashReader([merkle.leaf_hash(e or b"") for e in found]), state.size
        )
        if old != note.unb64(state.root):
            report.add(INCONSISTENT, f"the first {state.size} entries no longer give the root seen before")
    if register_url != "":
        url = register_url or f"{source.site_root()}/api/v1/tlog/register"
        _check_register(source, url, found, report)
    state.seen[str(checkpoint.size)] = note.b64(checkpoint.root)
    if report.ok:
        state.size, state.root = checkpoint.size, note.b64(checkpoint.root)
    state.save(state_path)
    return report
