"""The ledger invariant under random operation sequences (R1 invariant, R1.6, R1.8, R2.8): receive,
allocate, bind, spoil, recall, destroy and lose in any order; after every step `check_ledger` finds
nothing, the cache matches an independent model of where each serial is, and the count of serials is
conserved (every serial received is in exactly one state at exactly one holder)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from skillcert.blanks.choices import BlankState
from skillcert.blanks.models import BlankSerial
from skillcert.blanks.services import destruction, ledger
from skillcert.blanks.services.check import check_ledger
from skillcert.blanks.tests.helpers import issue
from skillcert.core.errors import SkillcertError

pytestmark = pytest.mark.django_db

LEVELS = ["4", "5"]
CITIES = ["JS-NJ", "JS-SZ"]


def test_ledger_invariant_under_random_operations(demo: dict[str, Any]) -> None:
    orgs, users = demo["orgs"], demo["users"]
    certs = issue(demo, 6)
    # two witnesses of each city's own line (R1.6): its staff or a station below it, and the province
    witnesses = {
        "JS-NJ": (users["nj_admin"], users["js_leader"]),
        "JS-SZ": (users["sz001"], users["js_leader"]),
    }

    class Ledger(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()  # every example runs in a savepoint rolled back at teardown
            self.next_number = 1
            self.model: dict[str, tuple[str, str]] = {}  # serial -> (holder code, state)

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _stock(self, holder: str, level: str) -> list[str]:
            return sorted(
                s
                for s, (h, st_) in self.model.items()
                if h == holder
                and st_ == BlankState.IN_STOCK
                and BlankSerial.objects.get(serial=s).level == level
            )

        def _set(self, serial: str, holder: str, state: str) -> None:
            self.model[serial] = (holder, state)

        @rule(level=st.sampled_from(LEVELS), size=st.integers(1, 12))
        def receive(self, level: str, size: int) -> None:
            first = self.next_number
            ledger.receive(
                holder=orgs["JS"],
                level=level,
                series="QA",
                first_number=first,
                last_number=first + size - 1,
                document_number=f"D{first}",
                document_date=datetime.date(2026, 1, 2),
                actor=None,
            )
            self.next_number += size
            for n in range(first, first + size):
                self._set(f"QA{n:08d}", "JS", BlankState.IN_STOCK)

        @rule(city=st.sampled_from(CITIES), level=st.sampled_from(LEVELS), count=st.integers(1, 8))
        def allocate(self, city: str, level: str, count: int) -> None:
            free = self._stock("JS", level)
            if count > len(free):
                with pytest.raises(SkillcertError) as exc:
                    ledger.allocate(
                        source=orgs["JS"], target=orgs[city], level=level, count=count, actor=None
                    )
                assert exc.value.code == "blanks.stock.insufficient"
                return
            ledger.allocate(source=orgs["JS"], target=orgs[city], level=level, count=count, actor=None)
            for s in free[:count]:  # the lowest serials move
                self._set(s, city, BlankState.IN_STOCK)

        @rule(city=st.sampled_from(CITIES), level=st.sampled_from(LEVELS), k=st.integers(0, 5))
        def bind(self, city: str, level: str, k: int) -> None:
            free = self._stock(city, level)
            if not free:
                with pytest.raises(SkillcertError) as exc:
                    ledger.bind_next_serial(holder=orgs[city], level=level, certificate=certs[k], actor=None)
                assert exc.value.code == "blanks.stock.exhausted"
                return
            serial = ledger.bind_next_serial(holder=orgs[city], level=level, certificate=certs[k], actor=None)
            assert serial.serial == free[0]
            self._set(serial.serial, city, BlankState.BOUND)

        def _pick(self, states: set[str], i: int) -> str | None:
            candidates = sorted(s for s, (_, st_) in self.model.items() if st_ in states)
            return candidates[i % len(candidates)] if candidates else None

        @rule(i=st.integers(0, 100))
        def spoil(self, i: int) -> None:
            s = self._pick({BlankState.IN_STOCK, BlankState.BOUND}, i)
            if s is not None:
                ledger.spoil_serial(BlankSerial.objects.get(serial=s), reason="misprint", actor=None)
                self._set(s, self.model[s][0], BlankState.SPOILED)

        @rule(i=st.integers(0, 100))
        def recall(self, i: int) -> None:
            s = self._pick({BlankState.BOUND}, i)
            if s is not None:
                ledger.recall_serial(BlankSerial.objects.get(serial=s), reason="uncollected 5y", actor=None)
                self._set(s, self.model[s][0], BlankState.RECALLED)

        @rule(i=st.integers(0, 100))
        def lose(self, i: int) -> None:
            s = self._pick({BlankState.IN_STOCK}, i)
            if s is not None:
                ledger.mark_lost(BlankSerial.objects.get(serial=s), reason="missing at stocktake", actor=None)
                self._set(s, self.model[s][0], BlankState.LOST)

        @rule(city=st.sampled_from(CITIES), wrong=st.booleans())
        def destroy(self, city: str, wrong: bool) -> None:
            pile = sorted(
                s
                for s, (h, st_) in self.model.items()
                if h == city and st_ in {BlankState.SPOILED, BlankState.RECALLED}
            )
            bad = [s for s, (h, st_) in self.model.items() if st_ == BlankState.IN_STOCK][:1]
            w1, w2 = witnesses[city]
            if wrong and bad:  # a not-spoiled serial in the batch: nothing happens at all
                with pytest.raises(SkillcertError):
                    destruction.destroy(
                        holder=orgs[city],
                        serials=pile + bad,
                        destroyed_on=datetime.date(2026, 3, 1),
                        witness_1=w1,
                        witness_2=w2,
                        actor=None,
                    )
                return
            if not pile:
                return
            destruction.destroy(
                holder=orgs[city],
                serials=pile,
                destroyed_on=datetime.date(2026, 3, 1),
                witness_1=w1,
                witness_2=w2,
                actor=None,
            )
            for s in pile:
                self._set(s, city, BlankState.DESTROYED)

        @invariant()
        def ledger_proves_every_serial(self) -> None:
            result = check_ledger()
            assert result.ok, result.problems
            assert result.serials == len(self.model) == BlankSerial.objects.count()  # conserved
            cache = {
                s: (h, st_)
                for s, h, st_ in BlankSerial.objects.values_list("serial", "holder__code", "state")
            }
            assert cache == self.model

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
