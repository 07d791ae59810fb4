// The office's typing pages: the name beside each member number, as it is typed.
(function () {
  "use strict";
  var data = document.getElementById("member-directory");
  if (!data) { return; }
  var directory = JSON.parse(data.textContent);
  function show(input) {
    var out = document.querySelector('output[data-for="' + input.id + '"]');
    if (!out) { return; }
    var form = input.form;
    var text = input.value.trim().replace(/^(nr\.?|no\.?|#)\s*/i, "");
    if (text === "") { out.textContent = ""; out.className = "who"; return; }
    if (/^0+$/.test(text)) { text = "0"; } else { text = text.replace(/^0+/, ""); }
    var found = directory[text];
    if (found) {
      out.textContent = found.name;
      out.className = "who";
      input.setAttribute("aria-invalid", "false");
    } else {
      out.textContent = form.dataset.unknown;
      out.className = "who unknown";
      input.setAttribute("aria-invalid", "true");
    }
  }
  document.querySelectorAll("output.who").forEach(function (out) {
    var input = document.getElementById(out.dataset.for);
    if (!input) { return; }
    input.addEventListener("input", function () { show(input); });
    show(input);
  });
})();
