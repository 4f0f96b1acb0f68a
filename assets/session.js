// When the server has ended the session (signed out elsewhere, idle for hours, password
// changed), Dash's callbacks are answered 401 and the page would silently stop updating.
// Send the person to the sign-in page instead, back to this view afterwards.
(function () {
  "use strict";
  var original = window.fetch;
  if (!original) {
    return;
  }
  var leaving = false;
  window.fetch = function (input) {
    return original.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        if (!leaving) {
          leaving = true;
          var here = window.location.pathname + window.location.search;
          window.location.assign("/login?ended=1&next=" + encodeURIComponent(here));
        }
        // The page is being left: Dash need not show an error for this answer.
        return new Promise(function () {});
      }
      return response;
    });
  };
})();
