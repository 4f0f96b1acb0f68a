// Charts far below the fold drawn when they scroll into view (layouts.components.
// LAZY_CHARTS). Plotly drawing a chart nobody has scrolled to yet is most of what a page
// like the court profile waits for: its figure comes with the page, in a store, and its
// box gets the chart only once the box is near the screen.
//
// An IntersectionObserver watches every lazy box as it appears and sets the box's "seen"
// flag (a dcc.Store) through dash_clientside.set_props; the clientside callback
// lazy_chart (callbacks.navigation) then puts the dcc.Graph in the box. A box on screen
// when a new figure arrives while the page is scrolled down (a filter changed under it)
// is drawn at once. Before printing, every box is drawn.
(function () {
  "use strict";
  var MARGIN_PX = 300; // start drawing a little before the box comes into view
  // A box seen while the page is still being drawn (a part above it not there yet) may
  // be pushed down by what arrives: it counts as seen if it is still near the screen a
  // moment later. Only a heuristic for speed: a box drawn early is just drawn early.
  var SETTLE_MS = 100;

  function seenId(name) {
    return {type: "chart-seen", chart: name};
  }

  function markSeen(box) {
    var name = box.getAttribute("data-lazy-chart");
    var dc = window.dash_clientside;
    if (!name || box.firstChild || !dc || !dc.set_props) {
      return;
    }
    dc.set_props(seenId(name), {data: true});
  }

  function nearScreen(box) {
    var r = box.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    return r.bottom >= -MARGIN_PX && r.top <= height + MARGIN_PX;
  }

  // The observer's last word on each box: a check that finds the box away from the
  // screen while the observer still has it in view (a part above it was being redrawn
  // at that moment) tries again, until the box is drawn or the observer sees it leave.
  var inView = new WeakMap();

  function settle(box) {
    setTimeout(function () {
      if (!inView.get(box) || !box.isConnected || box.firstChild) {
        return;
      }
      if (nearScreen(box)) {
        markSeen(box);
      } else {
        settle(box);
      }
    }, SETTLE_MS);
  }

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var was = inView.get(entry.target);
      inView.set(entry.target, entry.isIntersecting);
      if (entry.isIntersecting && !was) {
        settle(entry.target);
      }
    });
  }, {rootMargin: MARGIN_PX + "px 0px"}) : null;

  var watched = new WeakSet();

  function watchAll() {
    document.querySelectorAll("[data-lazy-chart]").forEach(function (box) {
      if (watched.has(box)) {
        return;
      }
      watched.add(box);
      if (observer) {
        observer.observe(box);
      } else {
        markSeen(box); // no observer in this browser: draw it
      }
    });
  }

  function start() {
    watchAll();
    new MutationObserver(watchAll).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("[data-lazy-chart]").forEach(markSeen);
  });

  // The box's contents: the chart once seen (or on screen), with the figure it was sent.
  function lazyChart(seen, figure, boxId, graph) {
    if (!figure) {
      return null;
    }
    var box = document.getElementById(JSON.stringify({chart: boxId.chart, type: boxId.type}));
    // A new figure for a box on screen (the page's view changed while scrolled down to
    // it) is drawn at once: the box may be the one already watched, seen before.
    if (!seen && !(box && window.scrollY > 0 && nearScreen(box))) {
      return window.dash_clientside.no_update;
    }
    var spec = graph ? JSON.parse(graph) : {};
    return {
      namespace: "dash_core_components",
      type: "Graph",
      props: {id: {type: "chart-graph", chart: boxId.chart}, figure: figure,
              config: spec.config || {}, style: spec.style || {}},
    };
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.court_kpi = Object.assign(window.dash_clientside.court_kpi || {}, {
    lazy_chart: lazyChart,
  });
})();
