// The plan card's chart: SVG markup for a model of plan-data.js, drawn by hand.

export const MODE_COLORS = {
  self_use: "#90a4ae",
  force_charge: "#43a047",
  force_discharge: "#fb8c00",
  hold: "#1e88e5",
  zero_export: "#8e24aa",
};
export const COLORS = {
  soc: "#1e88e5",
  charge: "#43a047",
  discharge: "#fb8c00",
  grid: "#8e24aa",
  pv: "#f9a825",
  load: "#00897b",
  loads: "#6d4c41",
  import: "#e53935",
  export: "#3949ab",
  measured: "var(--primary-text-color, #212121)",
};
const LEFT = 46;
const RIGHT = 10;
const BAND = 12;
const GAP = 26;
const AXIS = 20;
const PANELS = [
  { key: "soc", height: 100 },
  { key: "power", height: 140 },
  { key: "price", height: 90 },
];

/** Return what a slot was or is planned to do: the plan in force, else the past's. */
export function plannedOf(slot) {
  return slot.plan || slot.past?.planned || null;
}

/** Return the controllable loads' planned kW in a plan row together (none: undefined). */
const loadsOf = (row) =>
  row?.loads_kw ? Object.values(row.loads_kw).reduce((sum, kw) => sum + kw, 0) : undefined;

export const escapeXml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (value) => Math.round(value * 10) / 10;

/** Round limits outwards to a step that gives about `count` ticks. */
function ticks(low, high, count) {
  if (!(high > low)) [low, high] = [low - 1, high + 1];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
  const first = Math.floor(low / step) * step;
  const last = Math.ceil(high / step) * step;
  const values = [];
  for (let value = first; value <= last + step / 2; value += step) {
    values.push(Math.abs(value) < step / 1e6 ? 0 : value);
  }
  return { low: first, high: last, values, step };
}

/** A step line through [start, end, value] pieces; a gap where value is missing. */
function stepPath(pieces, x, y) {
  let path = "";
  let open = false;
  for (const [start, end, value] of pieces) {
    if (value == null || !Number.isFinite(value)) {
      open = false;
      continue;
    }
    const top = fixed(y(value));
    path += open ? `V${top}H${fixed(x(end))}` : `M${fixed(x(start))},${top}H${fixed(x(end))}`;
    open = true;
  }
  return path;
}

/** A line through [time, value] points. */
function linePath(points, x, y) {
  return points
    .map(([at, value], index) => `${index ? "L" : "M"}${fixed(x(at))},${fixed(y(value))}`)
    .join("");
}

/** Measured history as held values: each reading holds until the next, or `until`. */
function heldPieces(readings, until) {
  return readings.map(([at, value], index) => [
    at,
    index + 1 < readings.length ? readings[index + 1][0] : until,
    value,
  ]);
}

function line(path, color, { width = 1.6, dash = "", opacity = 1 } = {}) {
  if (!path) return "";
  const dashed = dash ? ` stroke-dasharray="${dash}"` : "";
  return `<path d="${path}" fill="none" stroke="${color}" stroke-width="${width}"${dashed} opacity="${opacity}" stroke-linejoin="round"/>`;
}

/**
 * Return {svg, height, slotAt(x)} for a model at `width` CSS pixels. `text` formats
 * times and labels the panels (see the card).
 */
export function renderChart(model, width, text) {
  const plotWidth = Math.max(width - LEFT - RIGHT, 50);
  const span = model.end - model.start;
  const x = (at) => LEFT + ((Math.min(Math.max(at, model.start), model.end) - model.start) / span) * plotWidth;
  const parts = [];
  const history = model.history || {};
  const until = Math.min(model.now, model.end);
  const pastOf = (slot) => slot.start < model.now;
  let top = 0;

  // The mode of each slot: the plan in force, or what was planned when it began.
  for (const slot of model.slots) {
    const planned = plannedOf(slot);
    if (!planned) continue;
    const left = x(slot.start);
    parts.push(
      `<rect class="mode" x="${fixed(left)}" y="0" width="${fixed(Math.max(x(slot.end) - left, 0.5))}" height="${BAND}" fill="${MODE_COLORS[planned.mode] || "#9e9e9e"}" opacity="${pastOf(slot) && !slot.plan ? 0.55 : 0.9}"/>`,
    );
  }
  top = BAND + GAP;

  const panels = [];
  for (const panel of PANELS) {
    const values = valuesOf(panel.key, model);
    const scale =
      panel.key === "soc"
        ? { low: 0, high: 100, values: [0, 50, 100] }
        : ticks(Math.min(0, ...values), Math.max(0, ...values), panel.height > 100 ? 4 : 3);
    const y = (value) => top + panel.height - ((value - scale.low) / (scale.high - scale.low)) * panel.height;
    panels.push({ ...panel, top, y });
    parts.push(
      `<text x="${LEFT}" y="${top - 8}" class="label">${escapeXml(text.panel(panel.key))}</text>`,
    );
    for (const value of scale.values) {
      const at = fixed(y(value));
      parts.push(
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${at}" y2="${at}" class="${value === 0 ? "zero" : "grid"}"/>`,
        `<text x="${LEFT - 4}" y="${at + 3.5}" class="tick" text-anchor="end">${escapeXml(text.tick(value, scale.step))}</text>`,
      );
    }
    parts.push(drawPanel(panel.key, model, x, y, history, until, pastOf));
    top += panel.height + GAP;
  }
  top -= GAP - 6;

  // Days and hours along the bottom, the present as a line through every panel.
  const hours = plotWidth < 500 ? 6 : 3;
  for (const day of model.days) {
    for (let hour = 0; hour < 24; hour += hours) {
      const at = day.start + hour * 3600e3;
      if (at >= day.end) break;
      const left = fixed(x(at));
      parts.push(
        `<line x1="${left}" x2="${left}" y1="${BAND}" y2="${top}" class="${hour ? "grid" : "day"}"/>`,
        `<text x="${left}" y="${top + 13}" class="tick" text-anchor="${hour ? "middle" : "start"}">${escapeXml(hour ? text.clock(at) : text.day(day))}</text>`,
      );
    }
  }
  // A day the plan does not reach yet: its prices are not out.
  for (const day of model.days) {
    if (day.start > model.now && !model.slots.some((slot) => slot.plan && slot.start >= day.start && slot.start < day.end)) {
      const middle = fixed((x(day.start) + x(day.end)) / 2);
      parts.push(`<text x="${middle}" y="${fixed(top / 2)}" class="label" text-anchor="middle">${escapeXml(text.noPrices)}</text>`);
    }
  }
  if (model.now > model.start && model.now < model.end) {
    const left = fixed(x(model.now));
    parts.push(`<line x1="${left}" x2="${left}" y1="0" y2="${top}" class="now"/>`);
  }
  const height = top + AXIS;
  const svg =
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(text.title)}">` +
    `${parts.join("")}<rect class="hover" x="0" y="0" width="0" height="${top}"/></svg>`;
  const slotAt = (px) => {
    const at = model.start + ((px - LEFT) / plotWidth) * span;
    return model.slots.findIndex((slot) => slot.start <= at && at < slot.end);
  };
  const slotBox = (index) => {
    const slot = model.slots[index];
    return { x: x(slot.start), width: Math.max(x(slot.end) - x(slot.start), 1), height: top };
  };
  return { svg, height, slotAt, slotBox };
}

function valuesOf(key, model) {
  const planned = model.slots.map(plannedOf).filter(Boolean);
  const measured = (names) =>
    names.flatMap((name) => (model.history?.[name] || []).map(([, value]) => value));
  if (key === "power") {
    return [
      ...planned.flatMap((row) => [row.battery_kw, row.grid_kw, row.pv_kw, row.load_kw, loadsOf(row) ?? 0]),
      ...model.slots.flatMap((slot) => (slot.past?.measured ? [slot.past.measured.pv_kw, slot.past.measured.load_kw] : [])),
      ...measured(["pv_power", "load_power"]),
    ];
  }
  return planned.flatMap((row) => [row.import_price, row.export_price]);
}

function drawPanel(key, model, x, y, history, until, pastOf) {
  const slots = model.slots;
  const pieces = (pick, filter = () => true) =>
    slots.filter(filter).map((slot) => [slot.start, slot.end, pick(slot)]);
  const planned = (field) => (slot) => plannedOf(slot)?.[field];
  const atStart = (field) => (slot) => slot.past?.planned?.[field];
  const held = (name) => heldPieces(history[name] || [], until);
  if (key === "soc") {
    const future = slots.filter((slot) => slot.plan);
    const plannedLine = future.length
      ? linePath(
          [
            [future[0].start, socBefore(slots, future[0]) ?? model.socNow],
            ...future.map((slot) => [slot.end, slot.plan.soc_percent]),
          ].filter(([, value]) => value != null),
          x,
          y,
        )
      : "";
    const earlier = slots.filter((slot) => slot.past?.planned);
    return (
      line(linePath(earlier.map((slot) => [slot.end, slot.past.planned.soc_percent]), x, y), COLORS.soc, { dash: "2 3", opacity: 0.8 }) +
      line(plannedLine, COLORS.soc, { width: 2 }) +
      line(stepPath(held("soc"), x, y), COLORS.measured, { width: 1.4 })
    );
  }
  if (key === "power") {
    const bars = slots
      .map((slot) => {
        const power = plannedOf(slot)?.battery_kw;
        if (!power) return "";
        const left = x(slot.start);
        const y0 = y(0);
        const y1 = y(power);
        const faded = pastOf(slot) && !slot.plan ? 0.4 : 0.75;
        return `<rect x="${fixed(left)}" y="${fixed(Math.min(y0, y1))}" width="${fixed(Math.max(x(slot.end) - left - 0.3, 0.5))}" height="${fixed(Math.abs(y1 - y0))}" fill="${power > 0 ? COLORS.charge : COLORS.discharge}" opacity="${faded}"/>`;
      })
      .join("");
    return (
      bars +
      line(stepPath(pieces(planned("grid_kw")), x, y), COLORS.grid, { width: 1.4 }) +
      line(stepPath(pieces(planned("pv_kw"), (slot) => slot.plan), x, y), COLORS.pv, { dash: "5 3" }) +
      line(stepPath(pieces(planned("load_kw"), (slot) => slot.plan), x, y), COLORS.load, { dash: "5 3" }) +
      line(stepPath(pieces((slot) => loadsOf(slot.plan), (slot) => slot.plan?.loads_kw), x, y), COLORS.loads, { dash: "2 2", width: 1.6 }) +
      line(stepPath(pieces(atStart("pv_kw"), (slot) => !slot.plan), x, y), COLORS.pv, { dash: "5 3", opacity: 0.6 }) +
      line(stepPath(pieces(atStart("load_kw"), (slot) => !slot.plan), x, y), COLORS.load, { dash: "5 3", opacity: 0.6 }) +
      line(stepPath(held("pv_power"), x, y), COLORS.pv, { width: 1.8 }) +
      line(stepPath(held("load_power"), x, y), COLORS.load, { width: 1.8 })
    );
  }
  return (
    line(stepPath(pieces(planned("import_price")), x, y), COLORS.import, { width: 1.8 }) +
    line(stepPath(pieces(planned("export_price")), x, y), COLORS.export, { width: 1.5 })
  );
}

/** The SoC a slot starts from: the one before it ends with, as planned or measured. */
function socBefore(slots, slot) {
  const index = slots.indexOf(slot);
  const before = slots[index - 1];
  const soc = before?.past?.measured?.soc_percent ?? plannedOf(before || {})?.soc_percent;
  return soc ?? null;
}
