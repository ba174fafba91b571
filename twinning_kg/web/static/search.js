// Search-as-you-type on the label search box, using the JSON results of /search.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("search-results");
  if (!input || !list) { return; }
  var timer = null;
  var lang = input.getAttribute("data-lang") || "en";
  function show(results) {
    list.textContent = "";
    results.forEach(function (r) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.textContent = r.label;
      if (r.lang) { link.lang = r.lang; }
      link.href = r.url || r.iri;
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    if (!text) { show([]); return; }
    timer = setTimeout(function () {
      fetch("/search?format=json&lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(text),
            { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (body) { show(body.results || []); })
        .catch(function () { show([]); });
    }, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { show([]); }
  });
})();
