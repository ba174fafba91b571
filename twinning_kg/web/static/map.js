// Draws the map from the JSON block #map-data: markers for places, lines for partnerships.
// Works without tiles (offline): markers and lines are vectors on a plain background.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!element || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { scrollWheelZoom: false, keyboard: true });
  var tiles = element.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, { attribution: element.getAttribute("data-tile-attribution") || "" }).addTo(map);
  }
  // Leaflet sets a string tooltip as HTML: give it an element holding the label as text.
  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }
  var bounds = [];
  (data.lines || []).forEach(function (line) {
    L.polyline(line.coordinates, { color: "#8a3b12", weight: 2, opacity: 0.8 })
      .bindTooltip(text(line.label)).addTo(map);
  });
  (data.points || []).forEach(function (point) {
    var marker = L.circleMarker([point.lat, point.lon], {
      radius: point.main ? 9 : 6,
      color: point.main ? "#6b1d1d" : "#124c8a",
      fillOpacity: 0.9,
      className: "map-marker" + (point.main ? " map-marker-main" : "")
    });
    var label = document.createElement(point.href ? "a" : "span");
    label.textContent = point.label;
    if (point.href) { label.href = point.href; }
    marker.bindPopup(label).bindTooltip(text(point.label)).addTo(map);
    bounds.push([point.lat, point.lon]);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24] }); }
  else if (bounds.length === 1) { map.setView(bounds[0], 8); }
  else { map.setView([50, 15], 4); }
  element.setAttribute("data-markers", String(bounds.length));
})();
