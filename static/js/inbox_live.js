/* The inbox's live refresh: ask with the ETag of what is shown (a 304 keeps it), and count the SLA
 * countdowns down in the browser between redraws (the server redraws at every moment a countdown changes
 * state, or working time starts or stops: the ETag expires then). */
(function () {
  "use strict";
  var list = document.getElementById("inbox-list");
  if (!list) return;
  var drawnAt = Date.now();

  function etag() {
    var tag = document.getElementById("inbox-etag");
    return tag ? tag.getAttribute("data-etag") : "";
  }
  document.body.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt === list && etag()) e.detail.headers["If-None-Match"] = etag();
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.elt !== list) return;
    if (e.detail.xhr.status === 304) { e.detail.shouldSwap = false; return; }
    drawnAt = Date.now();
  });

  function fill(format, values) {
    return format.replace(/%\((\w)\)s/g, function (_m, key) { return String(values[key]); });
  }
  function label(table, seconds) {
    var overdue = seconds < 0;
    var minutes = overdue ? Math.max(1, Math.ceil(-seconds / 60)) : Math.floor(seconds / 60);
    var prefix = overdue ? "data-over-" : "data-left-";
    if (minutes < 60) return fill(table.getAttribute(prefix + "min") || "", { n: minutes });
    return fill(table.getAttribute(prefix + "hm") || "", { h: Math.floor(minutes / 60), m: minutes % 60 });
  }
  function tick() {
    var table = document.getElementById("inbox-table");
    if (!table) return;
    var elapsed = (Date.now() - drawnAt) / 1000;
    table.querySelectorAll("[data-sla-seconds]").forEach(function (badge) {
      var text = label(table, Number(badge.getAttribute("data-sla-seconds")) - elapsed);
      if (text && badge.textContent !== text) badge.textContent = text;
    });
  }
  setInterval(tick, 5000);
})();
