// The plan card's words (English, German) and how it writes numbers and times.

const WORDS = {
  en: {
    title: "Battery plan",
    soc: "State of charge (%)",
    power: "Power (kW)",
    price: "Price",
    modes: {
      self_use: "self use",
      force_charge: "charge",
      force_discharge: "discharge",
      hold: "hold",
      zero_export: "no export",
    },
    legend: {
      soc: "SoC planned",
      measured: "measured",
      battery: "battery (+ charging)",
      grid: "grid",
      pv: "PV forecast",
      load: "load forecast",
      loads: "controllable loads planned",
      import: "import price",
      export: "export price",
      solid: "solid: measured",
    },
    loading: "Loading the plan…",
    failed: "The plan could not be loaded",
    noPlan: "No plan yet",
    noPv: "No PV forecast is set up: the plan expects no PV after the current slot. Choose one in EMS → Configure → forecasts and planning.",
    saving: "Saving planned today",
    ended: "slots that ended",
    planned: "planned",
    realised: "realised",
    madeAt: "planned at",
    asPlannedAtStart: "as planned when it began",
    measuredColumn: "measured",
    rows: {
      battery: "Battery (+ charging)",
      grid: "Grid (+ import)",
      soc: "SoC at the end",
      pv: "PV",
      load: "Load",
      prices: "Import / export price",
      cost: "Grid cost",
      saving: "Saving vs. no battery",
    },
    dayAhead: "day-ahead",
    noReason: "no reason given",
    noPrices: "no prices yet",
    editor: { config_entry_id: "EMS entry", title: "Title" },
  },
  de: {
    title: "Batterieplan",
    soc: "Ladestand (%)",
    power: "Leistung (kW)",
    price: "Preis",
    modes: {
      self_use: "Eigenverbrauch",
      force_charge: "Laden",
      force_discharge: "Entladen",
      hold: "Halten",
      zero_export: "keine Einspeisung",
    },
    legend: {
      soc: "Ladestand geplant",
      measured: "gemessen",
      battery: "Batterie (+ Laden)",
      grid: "Netz",
      pv: "PV-Prognose",
      load: "Lastprognose",
      loads: "steuerbare Verbraucher geplant",
      import: "Bezugspreis",
      export: "Einspeisepreis",
      solid: "durchgezogen: gemessen",
    },
    loading: "Plan wird geladen …",
    failed: "Der Plan konnte nicht geladen werden",
    noPlan: "Noch kein Plan",
    noPv: "Keine PV-Prognose eingerichtet: Der Plan rechnet nach der laufenden Zeitscheibe mit keiner PV. Wählen Sie eine unter EMS → Konfigurieren → Prognosen und Planung.",
    saving: "Geplante Ersparnis heute",
    ended: "abgelaufene Zeitscheiben",
    planned: "geplant",
    realised: "erzielt",
    madeAt: "geplant um",
    asPlannedAtStart: "wie zu ihrem Beginn geplant",
    measuredColumn: "gemessen",
    rows: {
      battery: "Batterie (+ Laden)",
      grid: "Netz (+ Bezug)",
      soc: "Ladestand am Ende",
      pv: "PV",
      load: "Verbrauch",
      prices: "Bezugs- / Einspeisepreis",
      cost: "Netzkosten",
      saving: "Ersparnis ggü. ohne Batterie",
    },
    dayAhead: "Vortagesprognose",
    noReason: "keine Begründung",
    noPrices: "noch keine Preise",
    editor: { config_entry_id: "EMS-Eintrag", title: "Titel" },
  },
};

/** Return the fewest decimals that write every multiple of `step` exactly. */
function decimals(step) {
  for (let digits = 0; digits < 4; digits += 1) {
    const scaled = step * 10 ** digits;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return digits;
  }
  return 4;
}

/** Return the words and formatters for a Home Assistant frontend. */
export function textFor(hass, currency) {
  const language = hass?.locale?.language || hass?.language || "en";
  const words = WORDS[language.split("-")[0]] || WORDS.en;
  const timeZone = hass?.config?.time_zone || undefined;
  const numbers = new Map();
  const number = (value, digits, sign = false) => {
    if (value == null || !Number.isFinite(value)) return "–";
    const key = `${digits}${sign}`;
    if (!numbers.has(key)) {
      numbers.set(
        key,
        new Intl.NumberFormat(language, {
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
          signDisplay: sign ? "exceptZero" : "auto",
        }),
      );
    }
    // No "-0.00": what rounds to zero is zero.
    const shown = Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value;
    return numbers.get(key).format(shown);
  };
  let money;
  try {
    const format = new Intl.NumberFormat(language, { style: "currency", currency });
    money = (value) => (value == null ? "–" : format.format(Math.abs(value) < 0.005 ? 0 : value));
  } catch {
    money = (value) => `${number(value, 2)} ${currency || ""}`.trim();
  }
  const clockFormat = new Intl.DateTimeFormat(language, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  });
  const dayFormat = new Intl.DateTimeFormat(language, {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone,
  });
  const weekday = new Intl.DateTimeFormat(language, { weekday: "short", timeZone });
  const clock = (at) => clockFormat.format(new Date(at));
  return {
    ...words,
    number,
    money,
    clock,
    day: (day) => weekday.format(new Date(day.start)),
    span: (slot) => `${dayFormat.format(new Date(slot.start))} ${clock(slot.start)}–${clock(slot.end)}`,
    mode: (mode) => words.modes[mode] || mode,
    panel: (key) => (key === "price" ? `${words.price} (${currency || ""}/kWh)` : words[key]),
    tick: (value, step = 1) => number(value, decimals(step)),
  };
}
