"""A SoC reading is confirmed before reserve or critical charging acts on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ems.core.control import ControllerMemory, ControlState, decide
from custom_components.ems.core.control.confirm import SocConfirmation, confirm_soc
from custom_components.ems.core.control.model import Layer
from custom_components.ems.planner import InverterMode

from .helpers import SETTINGS

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def readings(*pairs: tuple[float, float | None]) -> SocConfirmation:
    """Feed (seconds after NOW, SoC) readings in order; return the confirmation."""
    state = SocConfirmation()
    for seconds, soc in pairs:
        state = confirm_soc(state, soc, NOW + timedelta(seconds=seconds))
    return state


def test_first_reading_waits_to_settle() -> None:
    """At start-up nothing is confirmed until the reading has held for 30 s."""
    assert readings((0, 55.0)).confirmed is None
    assert readings((0, 55.0), (29, 55.5)).confirmed is None
    assert readings((0, 55.0), (30, 55.5)).confirmed == 55.5


def test_a_glitch_keeps_the_confirmed_value() -> None:
    """A single 0 % between readings of 55 % never becomes the confirmed SoC."""
    state = readings((0, 55.0), (30, 55.0), (40, 0.0))
    assert state.confirmed == 55.0
    assert state.candidate == 0.0
    assert state.settles_at() == NOW + timedelta(seconds=70)
    state = confirm_soc(state, 55.0, NOW + timedelta(seconds=41))
    assert (state.confirmed, state.candidate) == (55.0, None)


def test_a_real_drop_is_confirmed_after_it_holds() -> None:
    """A jump that stays is confirmed 30 s later; gradual changes at once."""
    state = readings((0, 55.0), (30, 55.0), (40, 8.0), (69, 8.0))
    assert state.confirmed == 55.0
    state = confirm_soc(state, 8.0, NOW + timedelta(seconds=70))
    assert state.confirmed == 8.0
    state = confirm_soc(state, 7.0, NOW + timedelta(seconds=80))
    assert state.confirmed == 7.0


def test_a_lost_source_starts_over() -> None:
    """When the source is lost the next reading must settle again."""
    state = readings((0, 55.0), (30, 55.0), (40, None), (50, 55.0))
    assert state.confirmed is None


def test_unconfirmed_low_soc_never_starts_a_critical_charge() -> None:
    """The policy charges at the critical minimum only on a confirmed reading."""
    now = NOW.astimezone(UTC)
    unconfirmed = decide(
        ControlState(soc_percent=0.0, soc_confirmed=False),
        None,
        None,
        now,
        settings=SETTINGS,
        memory=ControllerMemory(),
    )
    assert unconfirmed.layer is not Layer.CRITICAL
    assert unconfirmed.mode_command.mode is not InverterMode.FORCE_CHARGE
    confirmed = decide(
        ControlState(soc_percent=0.0, soc_confirmed=True),
        None,
        None,
        now,
        settings=SETTINGS,
        memory=ControllerMemory(),
    )
    assert confirmed.layer is Layer.CRITICAL
    assert confirmed.mode_command.mode is InverterMode.FORCE_CHARGE
    # A charge that started on a confirmed reading goes on through an unconfirmed one.
    going_on = decide(
        ControlState(soc_percent=12.0, soc_confirmed=False),
        None,
        None,
        now,
        settings=SETTINGS,
        memory=confirmed.memory,
    )
    assert going_on.layer is Layer.CRITICAL
