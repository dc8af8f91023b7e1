/* Small behaviours of the back-office pages, bound by data attributes instead of inline event handlers,
   which the Content-Security-Policy refuses (issue 13 item 7):
   - <select data-autosubmit>: submit its form when the choice changes;
   - <input type="checkbox" data-check-all="NAME">: tick or untick every checkbox named NAME. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
  });
  document.querySelectorAll("input[data-check-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
