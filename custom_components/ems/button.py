"""The control self-test button: short, bounded pulses of each mode, with the user's consent."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .data import EmsConfigEntry
from .entity import EmsEntity, EmsEntityDescription, follow_controller

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmsButtonEntityDescription(ButtonEntityDescription, EmsEntityDescription):
    """Describes an EMS button."""


SELF_TEST = EmsButtonEntityDescription(
    key="control_self_test",
    translation_key="control_self_test",
    entity_category=EntityCategory.DIAGNOSTIC,
    follows=(follow_controller,),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the self-test button to entries that reach an inverter."""
    if entry.runtime_data.controller.link is not None:
        async_add_entities([EmsSelfTestButton(entry, SELF_TEST)])


class EmsSelfTestButton(EmsEntity, ButtonEntity):
    """Runs the control self-test; its attributes hold the last result."""

    entity_description: EmsButtonEntityDescription

    @property
    def extra_state_attributes(self) -> dict[str, object] | None:
        """Return the last self-test: status, each pulse's figures, why it stopped."""
        report = self.runtime.controller.self_test.report
        return report.as_dict() if report else None

    async def async_press(self) -> None:
        """Start the self-test, or say why it may not run."""
        refusal = self.runtime.controller.start_self_test()
        if refusal is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=refusal.key,
                translation_placeholders=refusal.placeholders,
            )
