// EMS plan card: the battery plan for today and tomorrow, planned against measured.
// Served by the EMS integration and loaded on every dashboard; no build step.

// The modules this one imports carry its version, so a new release is loaded anew.
const VERSION = new URL(import.meta.url).search;
const [data, chart, texts] = await Promise.all([
  import(`./plan-data.js${VERSION}`),
  import(`./plan-chart.js${VERSION}`),
  import(`./plan-text.js${VERSION}`),
]);
const { chartModel, fetchHistory, fetchPlan, slotAt } = data;
const { COLORS, MODE_COLORS, escapeXml: esc, plannedOf, renderChart } = chart;

const REFRESH_MS = 5 * 60e3;
const TICK_MS = 60e3;

const STYLE = `
  :host { display: block; }
  .content { padding: 0 12px 12px; }
  .summary { display: flex; flex-wrap: wrap; gap: 4px 16px; margin-bottom: 8px; color: var(--secondary-text-color); font-size: 13px; }
  .summary b { color: var(--primary-text-color); font-weight: 500; }
  .note { font-size: 13px; color: var(--secondary-text-color); margin: 4px 0 8px; }
  .chart { position: relative; touch-action: pan-y; user-select: none; -webkit-user-select: none; outline: none; }
  svg { display: block; overflow: visible; }
  svg .label { font-size: 12px; fill: var(--secondary-text-color); stroke: var(--ha-card-background, var(--card-background-color, #fff)); stroke-width: 3px; paint-order: stroke; }
  svg .tick { font-size: 10.5px; fill: var(--secondary-text-color); }
  svg .grid { stroke: var(--divider-color, rgba(127,127,127,.25)); stroke-width: 1; }
  svg .zero { stroke: var(--secondary-text-color); stroke-opacity: .5; stroke-width: 1; }
  svg .day { stroke: var(--secondary-text-color); stroke-opacity: .6; stroke-width: 1; }
  svg .now { stroke: var(--primary-color, #03a9f4); stroke-width: 1.5; stroke-dasharray: 4 3; }
  svg .hover { fill: var(--primary-text-color); fill-opacity: .08; pointer-events: none; }
  .legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; color: var(--secondary-text-color); margin: 6px 0 10px; }
  .legend span { display: inline-flex; align-items: center; gap: 4px; }
  .swatch { width: 14px; height: 0; border-top: 2px solid; display: inline-block; }
  .swatch.box { height: 9px; border: none; }
  .swatch.dashed { border-top-style: dashed; }
  .details { border-top: 1px solid var(--divider-color); padding-top: 8px; font-size: 13px; }
  .details .when { font-weight: 500; }
  .details .mode { padding: 0 6px; border-radius: 8px; color: #fff; font-size: 12px; }
  .details .reason { margin: 4px 0 6px; color: var(--primary-text-color); }
  .details .muted, .issues { color: var(--secondary-text-color); }
  table { border-collapse: collapse; width: 100%; }
  td, th { padding: 1px 6px 1px 0; text-align: right; font-weight: normal; white-space: nowrap; }
  td:first-child, th:first-child { text-align: left; white-space: normal; }
  th { color: var(--secondary-text-color); }
`;

/** A plan row's grid money: its cost, and what it saves against no battery. */
const planMoney = (row, hours) => {
  const priced = (energy) => energy * (energy >= 0 ? row.import_price : row.export_price);
  const cost = priced(row.grid_kw * hours);
  return { cost, saving: priced((row.load_kw - row.pv_kw) * hours) - cost };
};

class EmsPlanCard extends HTMLElement {
  static getConfigElement() {
    return document.createElement("ems-plan-card-editor");
  }

  static getStubConfig() {
    return {};
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._answer = null;
    this._history = {};
    this._selected = null;
    this._width = 0;
  }

  setConfig(config) {
    this._config = { ...config };
    this._answer = null;
    this.dataset.state = "loading";
    this._render();
    this._schedule();
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    const planEntity = this._answer?.entities?.plan;
    const stamp = planEntity ? hass.states[planEntity]?.last_updated : undefined;
    if (first || (stamp && stamp !== this._stamp)) {
      this._stamp = stamp;
      this._schedule();
    }
  }

  getCardSize() {
    return 10;
  }

  getGridOptions() {
    return { columns: "full", min_columns: 6 };
  }

  connectedCallback() {
    this._timer = setInterval(() => {
      if (Date.now() - (this._loadedAt || 0) >= REFRESH_MS) this._schedule();
      else this._render();
    }, TICK_MS);
    this._resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0].contentRect.width);
      if (width && width !== this._width) {
        this._width = width;
        this._render();
      }
    });
    this._resize.observe(this);
    this._schedule();
  }

  disconnectedCallback() {
    clearInterval(this._timer);
    this._resize?.disconnect();
  }

  _schedule() {
    if (!this._hass || !this._config) return;
    if (this._pending) {
      this._again = true;
      return;
    }
    this._pending = setTimeout(async () => {
      await this._load();
      this._pending = null;
      if (this._again) {
        this._again = false;
        this._schedule();
      }
    }, 300);
  }

  async _load() {
    try {
      const answer = await fetchPlan(this._hass, this._config.config_entry_id);
      const now = Date.now();
      const dayStart = answer.days?.length ? new Date(answer.days[0].start).getTime() : now;
      this._history = await fetchHistory(this._hass, answer.entities || {}, dayStart, now).catch(
        () => ({}),
      );
      this._answer = answer;
      this._error = null;
      // From now on a change of the plan sensor loads again (see `set hass`).
      this._stamp ??= this._hass.states[answer.entities?.plan]?.last_updated;
      this._loadedAt = now;
    } catch (err) {
      this._error = err?.message || String(err);
    }
    this._render();
  }

  _render() {
    const root = this.shadowRoot;
    const text = texts.textFor(this._hass, this._answer?.currency);
    const title = this._config?.title ?? text.title;
    if (!root.querySelector("ha-card")) {
      root.innerHTML = `<style>${STYLE}</style><ha-card><div class="content"></div></ha-card>`;
    }
    const card = root.querySelector("ha-card");
    card.header = title || undefined;
    const content = root.querySelector(".content");
    if (this._error) {
      this.dataset.state = "error";
      this.dataset.error = this._error;
      content.innerHTML = `<ha-alert alert-type="error">${esc(text.failed)}: ${esc(this._error)}</ha-alert>`;
      return;
    }
    delete this.dataset.error;
    const answer = this._answer;
    if (!answer) {
      content.innerHTML = `<p class="note">${esc(text.loading)}</p>`;
      return;
    }
    const now = Date.now();
    const model = chartModel(answer, this._history, now);
    const socEntity = answer.entities?.soc;
    model.socNow = Number(this._hass?.states[socEntity]?.state) || null;
    this.dataset.state = answer.plan ? "ready" : "empty";
    this.dataset.slots = String(model.slots.length);
    const width = this._width || content.clientWidth || 360;
    const drawn = renderChart(model, Math.max(width - 24, 200), text);
    this._drawn = { model, drawn, text };
    content.innerHTML =
      this._summary(answer, text) +
      this._notes(answer, text) +
      `<div class="chart" tabindex="0">${drawn.svg}</div>` +
      this._legend(text, answer) +
      `<div class="details"></div>`;
    this._bind(content.querySelector(".chart"));
    const current = slotAt(model, now);
    const kept = model.slots.findIndex((slot) => slot.start === this._selected);
    this._show(kept >= 0 ? kept : current);
  }

  _summary(answer, text) {
    const today = answer.today || {};
    const plan = answer.plan;
    const parts = [
      `<span>${esc(text.saving)}: <b>${esc(text.money(today.planned_saving))}</b></span>`,
    ];
    if (today.slots_compared) {
      parts.push(
        `<span>${esc(text.ended)}: ${esc(text.planned)} <b>${esc(text.money(today.planned_so_far))}</b>, ${esc(text.realised)} <b>${esc(text.money(today.realised_so_far))}</b></span>`,
      );
    }
    if (plan) {
      parts.push(
        `<span>${esc(plan.method)} (${esc(plan.status)}), ${esc(text.madeAt)} ${esc(text.clock(plan.planned_at))}</span>`,
      );
    }
    return `<div class="summary">${parts.join("")}</div>`;
  }

  _notes(answer, text) {
    const notes = [];
    if (!answer.plan) {
      const issues = (answer.issues || []).join("; ");
      notes.push(`<ha-alert alert-type="info">${esc(text.noPlan)}${issues ? `: ${esc(issues)}` : ""}</ha-alert>`);
    } else if (answer.issues?.length) {
      notes.push(`<div class="note issues">${answer.issues.map(esc).join("<br>")}</div>`);
    }
    if (answer.pv_forecast === "none") notes.push(`<div class="note">${esc(text.noPv)}</div>`);
    return notes.join("");
  }

  _legend(text, answer) {
    const item = (color, label, kind = "") =>
      `<span><i class="swatch ${kind}" style="${kind === "box" ? "background" : "border-color"}:${color}"></i>${esc(label)}</span>`;
    const legend = text.legend;
    return (
      `<div class="legend">` +
      Object.entries(MODE_COLORS).map(([mode, color]) => item(color, text.mode(mode), "box")).join("") +
      `</div><div class="legend">` +
      item(COLORS.soc, legend.soc) +
      item(COLORS.measured, legend.measured) +
      item(`linear-gradient(90deg, ${COLORS.charge} 50%, ${COLORS.discharge} 50%)`, legend.battery, "box") +
      item(COLORS.grid, legend.grid) +
      item(COLORS.pv, legend.pv, "dashed") +
      item(COLORS.load, legend.load, "dashed") +
      (answer.loads?.length ? item(COLORS.loads, legend.loads, "dashed") : "") +
      item(COLORS.import, legend.import) +
      item(COLORS.export, legend.export) +
      `<span>${esc(legend.solid)}</span></div>`
    );
  }

  _bind(element) {
    const pick = (event) => {
      const box = element.getBoundingClientRect();
      const index = this._drawn.drawn.slotAt(event.clientX - box.left);
      if (index >= 0) this._show(index);
    };
    element.addEventListener("pointermove", pick);
    element.addEventListener("pointerdown", pick);
    element.addEventListener("pointerleave", (event) => {
      if (event.pointerType === "mouse") this._show(slotAt(this._drawn.model, Date.now()), true);
    });
    element.addEventListener("keydown", (event) => {
      const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
      const index = this._drawn.model.slots.findIndex((slot) => slot.start === this._selected);
      const next = index + (step || 0);
      if (step && next >= 0 && next < this._drawn.model.slots.length) {
        event.preventDefault();
        this._show(next);
      }
    });
  }

  _show(index, reset = false) {
    const { model, drawn, text } = this._drawn;
    const details = this.shadowRoot.querySelector(".details");
    const hover = this.shadowRoot.querySelector("svg .hover");
    const slot = model.slots[index];
    if (!slot || !details) {
      if (details) details.innerHTML = "";
      return;
    }
    this._selected = reset ? null : slot.start;
    const box = drawn.slotBox(index);
    hover.setAttribute("x", String(box.x));
    hover.setAttribute("width", String(box.width));
    details.innerHTML = this._details(slot, text);
  }

  _details(slot, text) {
    const planned = plannedOf(slot);
    const hours = (slot.end - slot.start) / 3600e3;
    const measured = slot.past?.measured;
    const dayAhead = slot.past?.day_ahead;
    const money = planned && slot.plan ? planMoney(planned, hours) : planned;
    const reason = slot.plan?.reason ?? slot.past?.reason;
    const kw = (value) => (value == null ? "–" : `${text.number(value, 2, true)} kW`);
    const plain = (value) => (value == null ? "–" : `${text.number(value, 2)} kW`);
    const rows = [
      [text.rows.battery, kw(planned?.battery_kw), kw(measured?.battery_kw)],
      [text.rows.grid, kw(planned?.grid_kw), kw(measured?.grid_kw)],
      [text.rows.soc, planned ? `${text.number(planned.soc_percent, 0)} %` : "–", measured?.soc_percent == null ? "–" : `${text.number(measured.soc_percent, 0)} %`],
      [text.rows.pv, plain(planned?.pv_kw) + (dayAhead ? ` (${text.dayAhead} ${text.number(dayAhead.pv_kw, 2)})` : ""), plain(measured?.pv_kw)],
      [text.rows.load, plain(planned?.load_kw) + (dayAhead ? ` (${text.dayAhead} ${text.number(dayAhead.load_kw, 2)})` : ""), plain(measured?.load_kw)],
      [text.rows.prices, planned ? `${text.number(planned.import_price, 3)} / ${text.number(planned.export_price, 3)}` : "–", ""],
      [text.rows.cost, text.money(money?.cost), measured ? text.money(measured.cost) : "–"],
      [text.rows.saving, text.money(money?.saving), measured ? text.money(measured.saving) : "–"],
    ];
    const withMeasured = Boolean(measured);
    const head = withMeasured
      ? `<tr><th></th><th>${esc(slot.plan ? text.planned : text.asPlannedAtStart)}</th><th>${esc(text.measuredColumn)}</th></tr>`
      : "";
    const body = rows
      .map(([label, first, second]) => `<tr><td>${esc(label)}</td><td>${esc(first)}</td>${withMeasured ? `<td>${esc(second)}</td>` : ""}</tr>`)
      .join("");
    const mode = planned
      ? ` <span class="mode" style="background:${MODE_COLORS[planned.mode] || "#9e9e9e"}">${esc(text.mode(planned.mode))}</span>`
      : "";
    return (
      `<div class="when">${esc(text.span(slot))}${mode}</div>` +
      `<div class="reason">${esc(reason || text.noReason)}</div>` +
      `<table>${head}${body}</table>`
    );
  }
}

/** Make sure Home Assistant's form element is loaded (the card editors load it lazily). */
async function loadForm() {
  if (customElements.get("ha-form") || !window.loadCardHelpers) return;
  const helpers = await window.loadCardHelpers();
  const card = await helpers.createCardElement({ type: "entities", entities: [] });
  await card.constructor.getConfigElement?.();
}

class EmsPlanCardEditor extends HTMLElement {
  connectedCallback() {
    loadForm().finally(() => this._render());
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  _render() {
    if (!this._hass || !this._config) return;
    const text = texts.textFor(this._hass);
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.computeLabel = (schema) => text.editor[schema.name] || schema.name;
      this._form.addEventListener("value-changed", (event) => {
        const config = { ...this._config, ...event.detail.value };
        for (const key of ["config_entry_id", "title"]) {
          if (config[key] === "" || config[key] == null) delete config[key];
        }
        this._config = config;
        this.dispatchEvent(
          new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
        );
      });
      this.appendChild(this._form);
    }
    this._form.hass = this._hass;
    this._form.data = this._config;
    this._form.schema = [
      { name: "config_entry_id", selector: { config_entry: { integration: "ems" } } },
      { name: "title", selector: { text: {} } },
    ];
  }
}

if (!customElements.get("ems-plan-card")) {
  customElements.define("ems-plan-card", EmsPlanCard);
  customElements.define("ems-plan-card-editor", EmsPlanCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "ems-plan-card",
    name: "EMS plan",
    description: "The battery plan for today and tomorrow, planned against measured.",
    preview: true,
    documentationURL: "https://github.com/ems-dev/ems/blob/main/docs/dashboard.md",
  });
}
