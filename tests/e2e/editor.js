// Open the plan card's visual editor as the dashboard editor does: which selectors does it
// show, and what configuration does a change give? Evaluated by tests/e2e.
(async () => {
  const Card = customElements.get("ems-plan-card");
  if (!Card) return { error: "ems-plan-card is not defined" };
  const editor = Card.getConfigElement();
  editor.hass = document.querySelector("home-assistant")?.hass;
  editor.setConfig({ type: "custom:ems-plan-card", ...Card.getStubConfig() });
  document.body.appendChild(editor);
  const selectors = (root) => {
    const found = [];
    for (const element of root.querySelectorAll("*")) {
      if (element.localName === "ha-selector") found.push(Object.keys(element.selector || {})[0]);
      if (element.shadowRoot) found.push(...selectors(element.shadowRoot));
    }
    return found;
  };
  let shown = [];
  for (let tries = 0; tries < 50 && !shown.length; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    shown = selectors(editor);
  }
  const form = editor.querySelector("ha-form");
  if (!form) return { error: "the editor shows no form", selectors: shown };
  const changed = new Promise((resolve) => {
    editor.addEventListener("config-changed", (event) => resolve(event.detail.config), { once: true });
    setTimeout(() => resolve(null), 2000);
  });
  form.dispatchEvent(
    new CustomEvent("value-changed", { detail: { value: { config_entry_id: "abc", title: "" } } }),
  );
  const config = await changed;
  editor.remove();
  return { selectors: shown, config };
})()
