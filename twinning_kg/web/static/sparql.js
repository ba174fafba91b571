// The query editor on /sparql: YASGUI (static/vendor/yasgui/) on this server's endpoint, set up
// from the page's JSON block (#sparql-config). Everything stays on this host: no prefix.cc, no
// Linked Open Vocabularies autocompletion, no other endpoints, no URL shortener. Without
// JavaScript (or if YASGUI fails to start) the plain form below the editor still sends queries.
(function () {
  "use strict";
  var configElement = document.getElementById("sparql-config");
  var host = document.getElementById("yasgui");
  var exported = window.Yasgui;
  var Yasgui = exported && (exported.default || exported.Yasgui || exported);
  if (!configElement || !host || typeof Yasgui !== "function") { return; }
  var config = JSON.parse(configElement.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var examples = {};
  config.examples.forEach(function (example) { examples[example.name] = example; });

  // Autocompletion: prefixes from this page (the ontology's, first) and YASQE's bundled list;
  // variables from the query itself. The class and property completers ask a remote service
  // (lov.linkeddata.es), so they are switched off and, should anything ask them, answer nothing.
  var Yasqe = Yasgui.Yasqe;
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length, "prefixes", "variables");
  ["class", "property"].forEach(function (name) {
    var completer = Yasqe.Autocompleters[name];
    if (completer) {
      Yasqe.registerAutocompleter(Object.assign({}, completer, {
        get: function () { return Promise.resolve([]); }
      }), false);
    }
  });
  var bundledPrefixes = Yasqe.Autocompleters.prefixes;
  if (bundledPrefixes) {
    var ours = Object.keys(config.prefixes).sort().map(function (prefix) {
      return prefix + ": <" + config.prefixes[prefix] + ">";
    });
    Yasqe.registerAutocompleter(Object.assign({}, bundledPrefixes, {
      get: function (yasqe) {
        return Promise.resolve(bundledPrefixes.get(yasqe)).then(function (bundled) {
          var others = (bundled || []).filter(function (declaration) {
            return !Object.prototype.hasOwnProperty.call(config.prefixes, declaration.split(":")[0]);
          });
          return ours.concat(others);
        });
      }
    }), false);
  }

  var requestConfig = {
    endpoint: endpoint,
    method: "POST",
    acceptHeaderSelect: "application/sparql-results+json",
    acceptHeaderGraph: "text/turtle",
    acceptHeaderUpdate: "application/sparql-results+json",
    headers: {},
    namedGraphs: [],
    defaultGraphs: [],
    args: []
  };
  var yasgui;
  try {
    yasgui = new Yasgui(host, {
      persistenceId: null,
      autofocus: false,
      tabName: config.text.tab,
      copyEndpointOnNewTab: false,
      corsProxy: undefined,
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: []
      },
      // A shared link (#query=…) opens here, on this endpoint, whatever endpoint it names.
      populateFromUrl: function (fromUrl) {
        fromUrl.requestConfig = Object.assign({}, fromUrl.requestConfig, { endpoint: endpoint });
        return fromUrl;
      },
      requestConfig: requestConfig,
      yasqe: {
        value: config.query,
        persistenceId: null,
        prefixCcApi: null,
        createShortLink: undefined
      },
      yasr: {
        persistenceId: null,
        prefixes: config.prefixes
      }
    });
  } catch (error) {
    host.hidden = true;
    throw error;
  }
  document.getElementById("sparql-form").hidden = true;

  // The row cap: the endpoint says so in X-Result-Truncated / X-Result-Limit.
  var notice = document.getElementById("sparql-truncated");
  function showTruncation(response) {
    var headers = response && response.headers;
    var truncated = headers && typeof headers.get === "function" &&
      headers.get("X-Result-Truncated") === "true";
    if (truncated) {
      notice.textContent = config.text.truncated.split("{limit}").join(headers.get("X-Result-Limit") || "");
    }
    notice.hidden = !truncated;
  }
  function watch(tab) {
    var yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || yasqe.twinningWatched) { return; }
    yasqe.twinningWatched = true;
    yasqe.on("queryResponse", function (_yasqe, response) { showTruncation(response); });
  }
  yasgui.on("query", function (_yasgui, tab) { notice.hidden = true; watch(tab); });
  yasgui.on("tabSelect", function () { notice.hidden = true; });

  // The examples: the selector opens one in its own tab (or goes back to it).
  var form = document.getElementById("example-form");
  var select = document.getElementById("example-select");
  var description = document.getElementById("example-description");
  var descriptions = {};
  Array.prototype.forEach.call(select.options, function (option) {
    descriptions[option.value] = option.getAttribute("data-description") || "";
  });
  function describe(name) { description.textContent = descriptions[name] || ""; }
  function openExample(name) {
    var example = examples[name];
    if (!example) { return null; }
    var tab = yasgui.addTab(true, {
      name: example.title,
      yasqe: { value: example.query },
      requestConfig: requestConfig
    }, { avoidDuplicateTabs: true });
    describe(name);
    return tab;
  }
  select.addEventListener("change", function () { openExample(select.value); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    openExample(select.value);
  });

  // Result links to IRIs this server publishes open here (as on the other pages), not on the
  // canonical host: the link is rewritten when it is followed.
  var segments = /^[A-Za-z0-9][A-Za-z0-9_.\-]*(\/[A-Za-z0-9][A-Za-z0-9_.\-]*)*$/;
  function localise(event) {
    var link = event.target && event.target.closest && event.target.closest("a[href]");
    if (!link || !host.contains(link)) { return; }
    config.localIris.some(function (pair) {
      var href = link.getAttribute("href");
      if (href.indexOf(pair[0]) !== 0 || !segments.test(href.slice(pair[0].length))) { return false; }
      link.setAttribute("href", pair[1] + href.slice(pair[0].length));
      return true;
    });
  }
  ["click", "auxclick", "contextmenu"].forEach(function (type) {
    host.addEventListener(type, localise, true);
  });

  // Opened from a "run" link (/sparql?example=…): name the tab after the example and run it.
  if (config.selected && examples[config.selected]) {
    var first = yasgui.getTab();
    if (first) {
      first.setName(examples[config.selected].title);
      if (config.run) { first.query().catch(function () { return null; }); }
    }
  }
  host.setAttribute("data-ready", "true");
})();
