/* Accessibility repairs the components cannot be told to make themselves (issue 16).
 *
 * 1. Dash 4's dropdown puts a read-only <input aria-hidden="true"> in the Tab order that
 *    hands focus to its (untabbable) button, so a screen reader lands on a hidden element
 *    (axe: aria-hidden-focus). Chromium, Firefox and Safari all tab to a button with an
 *    explicit tabindex, so the button takes the Tab stop and the input leaves it. The
 *    dropdown resets its input's tabindex on blur: the observer puts it back.
 * 2. A table that scrolls sideways on a phone must be reachable by keyboard to scroll:
 *    its .table-responsive box becomes a focusable, named region.
 * 3. A file input inside dcc.Upload has no label: it is named by the button it sits by.
 * 4. A progress bar is named by the card it reports on.
 * 5. The top bar's menu button tells whether the menu is open (aria-expanded).
 * 8. An open dropdown is a named group of its native radios or checkboxes.
 * 7. Focus a re-render or a closed dropdown dropped goes back to its control.
 * 6. A chart's text alternative: the figure's layout.meta.summary (written by
 *    layouts/figures.py from the data) names the chart for screen readers.
 */
(function () {
  "use strict";

  function fixDropdown(input) {
    if (input.getAttribute("tabindex") !== "-1") input.setAttribute("tabindex", "-1");
    var button = input.nextElementSibling;
    if (!button || button.tagName !== "BUTTON") return;
    if (!button.disabled && button.getAttribute("tabindex") !== "0") {
      button.setAttribute("tabindex", "0");
    }
    // Its name: the field's label, then what is chosen, then "2 selected", in the order
    // they are seen (the dropdown names it by the count first, and without the label).
    var label = button.id && document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
    if (label && !label.id) label.id = button.id + "-label";
    var parts = [label && label.id, button.id + "-value", button.id + "-value-count"]
      .filter(function (id) { return id && document.getElementById(id); });
    var name = parts.join(" ");
    if (name && button.getAttribute("aria-labelledby") !== name) {
      button.setAttribute("aria-labelledby", name);
    }
  }

  function regionName(box) {
    var card = box.closest(".card");
    var heading = card && card.querySelector(".card-header h2, .card-header h3, h2, h3");
    var table = box.querySelector("table caption");
    return (table && table.textContent) || (heading && heading.textContent) ||
      document.title;
  }

  function fixRegion(box) {
    if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    if (!box.hasAttribute("role")) box.setAttribute("role", "region");
    var name = regionName(box).trim();
    if (name && box.getAttribute("aria-label") !== name) box.setAttribute("aria-label", name);
  }

  function fixFileInput(input) {
    if (input.hasAttribute("aria-label")) return;
    var button = input.parentElement && input.parentElement.querySelector("button");
    if (button) input.setAttribute("aria-label", button.textContent.trim());
    input.setAttribute("tabindex", "-1");  // the button is the keyboard path
  }

  function describeChart(plot) {
    var meta = plot.layout && plot.layout.meta;
    var summary = meta && meta.summary;
    var title = plot.layout && plot.layout.title && plot.layout.title.text;
    var text = [title, summary].filter(Boolean).join(". ").replace(/<[^>]*>/g, "");
    if (text && plot.getAttribute("aria-label") !== text) {
      plot.setAttribute("role", "figure");
      plot.setAttribute("aria-label", text);
    }
  }

  function fixProgress(bar) {
    // dbc.Progress gives its bar no name: it is the progress of what its card does.
    if (bar.hasAttribute("aria-label") || bar.hasAttribute("aria-labelledby")) return;
    var card = bar.closest(".card");
    var heading = card && card.querySelector(".card-header h2, .card-header h3");
    bar.setAttribute("aria-label", (heading ? heading.textContent : document.title).trim());
  }

  function fixDropdownList(content) {
    // An open dropdown: Dash marks each option role="option" around a real radio or
    // checkbox, which the arrow keys move between: two controls in one (axe:
    // nested-interactive). The native inputs are the accessible ones (name, checked,
    // "3 of 5"), so the list becomes a named radio group (or group of checkboxes) and
    // the options plain labels of their inputs.
    var trigger = content.id && document.querySelector('[aria-controls="' + CSS.escape(content.id) + '"]');
    var labelIds = trigger && (trigger.getAttribute("aria-labelledby") || "").split(" ");
    var first = labelIds && document.getElementById(labelIds[0]);
    var name = first ? first.textContent.trim() : "";
    content.querySelectorAll(".dash-options-list").forEach(function (list) {
      var role = list.querySelector("input[type=radio]") ? "radiogroup" : "group";
      if (list.getAttribute("role") !== role) list.setAttribute("role", role);
      if (name && list.getAttribute("aria-label") !== name) list.setAttribute("aria-label", name);
    });
    content.querySelectorAll("[role=option]").forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
    if (name && content.getAttribute("aria-label") !== name) content.setAttribute("aria-label", name);

  }

  function fixMenuButton(button) {
    // The top bar's menu button says whether its menu is open (Bootstrap's collapse).
    var menu = document.getElementById(button.getAttribute("aria-controls") || "");
    var open = menu && menu.classList.contains("show") ? "true" : "false";
    if (button.getAttribute("aria-expanded") !== open) button.setAttribute("aria-expanded", open);
  }

  // Focus that a re-render dropped: a control chosen by keyboard changes the URL, the
  // page is drawn again and the focused element is replaced by its twin; and a closed
  // dropdown leaves the focus nowhere. Both put it back on the control, so the keyboard
  // user goes on from where they were (WCAG 2.4.3).
  var lastFocused = null;
  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.id) lastFocused = e.target;
  });

  function restoreFocus() {
    var active = document.activeElement;
    if (active && active !== document.body) return;
    if (!lastFocused || !lastFocused.id) return;
    var twin = document.getElementById(lastFocused.id);
    var dropdownClosed = lastFocused.classList.contains("dash-dropdown") &&
      lastFocused.getAttribute("data-state") === "closed";
    if (twin && (twin !== lastFocused || dropdownClosed)) twin.focus({preventScroll: true});
  }

  function repair(root) {
    if (!root.querySelectorAll) return;
    restoreFocus();
    root.querySelectorAll(".navbar-toggler[aria-controls]").forEach(fixMenuButton);
    root.querySelectorAll(".progress-bar[role=progressbar]").forEach(fixProgress);
    root.querySelectorAll(".dash-dropdown-content").forEach(fixDropdownList);
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(fixDropdown);
    root.querySelectorAll(".table-responsive").forEach(fixRegion);
    root.querySelectorAll("input[type=file]").forEach(fixFileInput);
    root.querySelectorAll(".js-plotly-plot").forEach(describeChart);
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      repair(document);
    });
  }

  function start() {
    repair(document);
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ["tabindex", "class", "data-state"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
