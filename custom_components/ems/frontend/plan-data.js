// The plan card's data: ems.get_plan and the recorder's history, shaped for drawing.

const POWER_TO_KW = { W: 0.001, kW: 1, MW: 1000 };
// The sensors whose measured history the card draws, by ems.get_plan's names.
export const MEASURED = ["soc", "pv_power", "load_power", "grid_power", "battery_power"];

/** Call ems.get_plan (response only) for an entry, or the only one. */
export async function fetchPlan(hass, entryId) {
  const result = await hass.connection.sendMessagePromise({
    type: "call_service",
    domain: "ems",
    service: "get_plan",
    service_data: entryId ? { config_entry_id: entryId } : {},
    return_response: true,
  });
  return result.response;
}

/** Return the measured history since `start`: {name: [[ms, value], ...]} in kW or %. */
export async function fetchHistory(hass, entities, start, end) {
  const names = MEASURED.filter((name) => entities[name]);
  if (!names.length || end <= start) return {};
  const answer = await hass.callWS({
    type: "history/history_during_period",
    start_time: new Date(start).toISOString(),
    end_time: new Date(end).toISOString(),
    entity_ids: names.map((name) => entities[name]),
    minimal_response: true,
    no_attributes: true,
    significant_changes_only: false,
  });
  const history = {};
  for (const name of names) {
    const entityId = entities[name];
    const unit = hass.states[entityId]?.attributes?.unit_of_measurement;
    const scale = name === "soc" ? 1 : (POWER_TO_KW[unit] ?? 1);
    history[name] = (answer[entityId] || [])
      .map((row) => [Math.max(row.lu * 1000, start), Number(row.s) * scale])
      .filter(([, value]) => Number.isFinite(value));
  }
  return history;
}

const time = (text) => new Date(text).getTime();

/**
 * Return what the chart draws: the span (today and tomorrow), now, and one entry per
 * slot with the plan in force (`plan`) and, for slots that have begun, what was
 * planned when they began and what was measured (`past`).
 */
export function chartModel(answer, history, now) {
  const days = answer.days || [];
  const slots = new Map();
  for (const row of answer.past || []) {
    slots.set(time(row.start), { start: time(row.start), end: time(row.end), past: row });
  }
  for (const row of answer.plan?.slots || []) {
    const start = time(row.start);
    const known = slots.get(start) || { start, end: time(row.end) };
    slots.set(start, { ...known, plan: row });
  }
  const spanStart = days.length ? time(days[0].start) : now - 12 * 3600e3;
  const spanEnd = days.length ? time(days[days.length - 1].end) : now + 36 * 3600e3;
  const drawn = [...slots.values()]
    .filter((slot) => slot.end > spanStart && slot.start < spanEnd)
    .sort((a, b) => a.start - b.start);
  return {
    start: spanStart,
    end: spanEnd,
    now,
    days: days.map((day) => ({ date: day.date, start: time(day.start), end: time(day.end) })),
    slots: drawn,
    history,
  };
}

/** Return the index of the slot holding `moment`, or -1. */
export function slotAt(model, moment) {
  return model.slots.findIndex((slot) => slot.start <= moment && moment < slot.end);
}
