/* "Show map" for search results and listing pages: progressive enhancement only.

   Every page is complete without it. A container marked data-map gets a button; nothing is fetched
   from another site until the visitor presses it, because the map images come from OpenStreetMap.
   Markers come from elements marked data-marker (data-lat, data-lon, data-name, data-url,
   data-distance, data-approximate), inside the container or inside the element that the container's
   data-markers-from selector names. Leaflet is loaded from this site (static/vendor/leaflet). */
(function () {
  "use strict";

  /* Its words, in the page's language, from its own tag (site.js reads them). */
  var say = window.scriptText ? window.scriptText(document.currentScript) : function () { return ""; };

  var script = document.currentScript;
  var base = script ? script.src.replace(/js\/map\.js(\?.*)?$/, "vendor/leaflet/") : "/static/vendor/leaflet/";
  var loading = null;

  function loadLeaflet() {
    if (window.L) {
      return Promise.resolve(window.L);
    }
    if (loading) {
      return loading;
    }
    loading = new Promise(function (resolve, reject) {
      var pending = 2;
      function done() {
        pending -= 1;
        if (pending === 0) {
          resolve(window.L);
        }
      }
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "leaflet.css";
      css.onload = done;
      css.onerror = reject;
      document.head.appendChild(css);
      var js = document.createElement("script");
      js.src = base + "leaflet.js";
      js.onload = done;
      js.onerror = reject;
      document.head.appendChild(js);
    });
    loading.catch(function () {
      loading = null;
    });
    return loading;
  }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function markersFor(container) {
    var scope = container;
    var selector = container.getAttribute("data-markers-from");
    if (selector) {
      scope = document.querySelector(selector) || container;
    }
    var found = [];
    Array.prototype.forEach.call(scope.querySelectorAll("[data-marker]"), function (element) {
      var lat = number(element.getAttribute("data-lat"));
      var lon = number(element.getAttribute("data-lon"));
      if (lat === null || lon === null) {
        return;
      }
      found.push({
        lat: lat,
        lon: lon,
        name: element.getAttribute("data-name") || "",
        url: element.getAttribute("data-url"),
        distance: element.getAttribute("data-distance"),
        approximate: element.hasAttribute("data-approximate")
      });
    });
    return found;
  }

  function popupFor(marker) {
    /* Built from DOM nodes, never HTML strings: listing names are text. */
    var box = document.createElement("div");
    var title;
    if (marker.url) {
      title = document.createElement("a");
      title.href = marker.url;
    } else {
      title = document.createElement("strong");
    }
    title.textContent = marker.name;
    box.appendChild(title);
    if (marker.distance) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(marker.distance));
    }
    if (marker.approximate) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(say("generalArea")));
    }
    return box;
  }

  function draw(L, container, canvas) {
    var markers = markersFor(container);
    var map = L.map(canvas, { scrollWheelZoom: false });
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    }).addTo(map);

    var points = [];
    var originLat = number(container.getAttribute("data-origin-lat"));
    var originLon = number(container.getAttribute("data-origin-lon"));
    if (originLat !== null && originLon !== null) {
      L.circleMarker([originLat, originLon], { radius: 7, weight: 3, className: "map-origin" })
        .addTo(map)
        .bindTooltip(container.getAttribute("data-origin-name") || say("yourSearch"));
      points.push([originLat, originLon]);
    }
    markers.forEach(function (marker) {
      var latlng = [marker.lat, marker.lon];
      if (marker.approximate) {
        L.circle(latlng, { radius: 800, weight: 1, className: "map-area" }).addTo(map);
      }
      L.marker(latlng, { title: marker.name, alt: marker.name, keyboard: true })
        .addTo(map)
        .bindPopup(popupFor(marker));
      points.push(latlng);
    });

    var zoom = parseInt(container.getAttribute("data-zoom"), 10) || 13;
    if (points.length > 1) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    } else if (points.length === 1) {
      map.setView(points[0], zoom);
    } else {
      map.setView([39.8, -98.6], 4);
    }
    container.setAttribute("data-map-ready", String(markers.length));
    return map;
  }

  function enhance(container) {
    var label = container.getAttribute("data-map-label") || say("map");
    var intro = document.createElement("p");
    intro.className = "map-intro";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary outline map-toggle";
    button.textContent = say("showMap");
    button.setAttribute("aria-expanded", "false");
    var note = document.createElement("small");
    note.className = "map-note";
    note.textContent = " " + say("mapImages");
    intro.appendChild(button);
    intro.appendChild(note);

    var canvas = document.createElement("div");
    canvas.className = "map-canvas";
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", label);
    canvas.hidden = true;
    var status = document.createElement("p");
    status.className = "map-status";
    status.setAttribute("role", "status");

    container.appendChild(intro);
    container.appendChild(canvas);
    container.appendChild(status);

    var map = null;
    button.addEventListener("click", function () {
      if (!canvas.hidden) {
        canvas.hidden = true;
        button.textContent = say("showMap");
        button.setAttribute("aria-expanded", "false");
        return;
      }
      canvas.hidden = false;
      button.textContent = say("hideMap");
      button.setAttribute("aria-expanded", "true");
      if (map) {
        map.invalidateSize();
        return;
      }
      button.disabled = true;
      status.textContent = say("mapLoading");
      loadLeaflet().then(function (L) {
        map = draw(L, container, canvas);
        status.textContent = "";
        button.disabled = false;
      }, function () {
        canvas.hidden = true;
        button.disabled = false;
        button.textContent = say("showMap");
        button.setAttribute("aria-expanded", "false");
        status.textContent = say("mapFailed");
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
