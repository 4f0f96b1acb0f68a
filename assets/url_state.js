// The controls' values into the URL's query, in the browser: the URL is the page state,
// so links reproduce the view and "back" works. Doing it here spares a round trip to the
// server every time a page's controls appear. Same rules as layouts.params.query_string:
// the page-state keys that travel in the URL, sorted, empty ones left out, lists joined
// by commas, encoded as a form.
(function () {
  "use strict";
  var KEPT_IN_URL = ["year", "part", "category", "kpi", "region", "level", "spec", "units",
                     "view"];

  function empty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function same(a, b) {
    return (empty(a) && empty(b)) || JSON.stringify(a) === JSON.stringify(b);
  }

  function encode(text) {
    // As Python's urlencode (quote_plus): a space is "+", and !'()* are escaped too.
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%20/g, "+");
  }

  function queryString(params) {
    var items = [];
    Object.keys(params).sort().forEach(function (key) {
      var value = params[key];
      if (empty(value)) {
        return;
      }
      if (Array.isArray(value)) {
        value = value.map(String).join(",");
      }
      items.push(encode(key) + "=" + encode(String(value)));
    });
    return items.length ? "?" + items.join("&") : "";
  }

  // Controls first render with the values the URL gave them: only a value that differs
  // from the page state is a person's change worth a new URL.
  function controlsToUrl(values, ids, states) {
    var state = (states && states[0]) || {};
    var names = ids.map(function (id) { return id.name; });
    var unchanged = names.every(function (name, k) { return same(state[name], values[k]); });
    if (unchanged) {
      return window.dash_clientside.no_update;
    }
    var params = {};
    KEPT_IN_URL.forEach(function (key) {
      if (key in state) {
        params[key] = state[key];
      }
    });
    names.forEach(function (name, k) { params[name] = values[k]; });
    return queryString(params);
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.court_kpi = Object.assign(window.dash_clientside.court_kpi || {}, {
    controls_to_url: controlsToUrl,
  });
})();
