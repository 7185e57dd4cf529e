/* Behaviour every page has, kept out of the HTML: the Content-Security-Policy allows no inline script and no
 * on…= attributes. A <select data-submit-on-change> submits its form when changed (the language switch). */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var select = e.target.closest && e.target.closest("select[data-submit-on-change]");
    if (select && select.form) select.form.submit();
  });
})();
