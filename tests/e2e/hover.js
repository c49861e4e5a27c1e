// Point at the plan card's chart as a mouse (at the last slot's mode) and as a finger (at
// the first slot's); return what the card's details say each time. Evaluated by tests/e2e.
(() => {
  const find = (root) => {
    for (const element of root.querySelectorAll("*")) {
      if (element.localName === "ems-plan-card") return element;
      const found = element.shadowRoot && find(element.shadowRoot);
      if (found) return found;
    }
    return null;
  };
  const card = find(document);
  const chart = card?.shadowRoot?.querySelector(".chart");
  if (!chart) return { error: "no plan chart" };
  const modes = [...chart.querySelectorAll("svg rect.mode")];
  if (modes.length < 2) return { error: "the chart shows no modes" };
  const box = chart.getBoundingClientRect();
  const point = (type, pointerType, mode) => {
    const slot = mode.getBoundingClientRect();
    chart.dispatchEvent(
      new PointerEvent(type, {
        clientX: slot.left + slot.width / 2,
        clientY: box.top + box.height / 2,
        pointerType,
        bubbles: true,
      }),
    );
    const details = card.shadowRoot.querySelector(".details");
    return details ? details.textContent.replace(/\s+/g, " ").trim() : "";
  };
  return {
    mouse: point("pointermove", "mouse", modes[modes.length - 1]),
    touch: point("pointerdown", "touch", modes[0]),
  };
})()
