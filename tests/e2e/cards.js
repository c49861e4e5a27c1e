// What the dashboard shows, read through every shadow root: evaluated by tests/e2e.
(() => {
  const elements = [];
  const walk = (root) => {
    for (const element of root.querySelectorAll("*")) {
      elements.push(element);
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document);

  const text = (node) => {
    const parts = [];
    const visit = (current) => {
      if (!current) return;
      if (current.nodeType === Node.TEXT_NODE) parts.push(current.textContent);
      if (["STYLE", "SCRIPT"].includes(current.nodeName)) return;
      if (current.shadowRoot) visit(current.shadowRoot);
      for (const child of current.childNodes) visit(child);
    };
    visit(node);
    return parts.join(" ").replace(/\s+/g, " ").trim();
  };
  const named = (...names) => elements.filter((el) => names.includes(el.localName));

  const cards = {};
  for (const element of elements) {
    const name = element.localName;
    if (name.startsWith("hui-") && name.endsWith("-card")) {
      cards[name] = (cards[name] || 0) + 1;
    }
  }
  const view = named("hui-sections-view", "hui-masonry-view", "hui-panel-view")[0];
  const page = text(document.body);
  return {
    path: location.pathname,
    cards,
    errors: [...new Set(named("hui-error-card").map(text))],
    warnings: [
      ...new Set([
        ...named("hui-warning").map(text),
        ...named("ha-alert")
          .filter((el) => ["error", "warning"].includes(el.alertType))
          .map(text),
        ...[
          "Configuration error",
          "Error loading",
          "Unable to load",
          "Entity not found",
          "Entity not available",
        ]
          .filter((phrase) => page.includes(phrase))
          .map((phrase) => `page says "${phrase}"`),
      ]),
    ].filter(Boolean),
    markdown: named("hui-markdown-card").map((card) =>
      text(card.shadowRoot?.querySelector("ha-markdown") ?? card),
    ),
    spinners: view
      ? named("ha-spinner", "ha-circular-progress").filter((el) => el.offsetParent)
          .length
      : -1,
    charts: named("ha-chart-base").length,
    // The EMS plan card (its own element, drawn in its shadow root).
    plans: named("ems-plan-card").map((card) => ({
      state: card.dataset.state || "",
      slots: Number(card.dataset.slots || 0),
      error: card.dataset.error || null,
      drawn: Boolean(card.shadowRoot?.querySelector(".chart svg path")),
      width: Math.round(card.getBoundingClientRect().width),
      details: text(card.shadowRoot?.querySelector(".details")),
    })),
    height: view
      ? Math.ceil(view.getBoundingClientRect().bottom + window.scrollY)
      : 0,
  };
})()
