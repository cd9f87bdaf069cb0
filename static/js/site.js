/* Site-wide enhancements. Every page works without this file; it only adds conveniences. */
(function () {
  "use strict";

  /* What a script says to a visitor, in the page's language: JSON in its own <script> tag's data-text.
     scriptText(document.currentScript) gives say(key) for that text; the other scripts, deferred after
     this one, use it too. */
  function scriptText(element) {
    var text = {};
    try {
      text = JSON.parse((element && element.getAttribute("data-text")) || "{}");
    } catch (error) {
      text = {};
    }
    return function say(key) {
      return text[key] || "";
    };
  }
  window.scriptText = scriptText;
  var say = scriptText(document.currentScript);

  /* Move focus to an error summary (data-focus) so keyboard and screen-reader users land on it. */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus]");
    if (summary) {
      summary.focus();
    }
  }

  /* "Use my location" on forms marked data-geolocate, only where the browser can do it. The box says
     "My location" and a hidden field beside it ("at") carries "lat,lng", which the search understands
     as a point; then the form is sent, with the distance the visitor chose. The position is rounded to
     3 decimals (about 100 m): enough to sort by distance, no more. */
  function addGeolocation() {
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      return;
    }
    var forms = document.querySelectorAll("form[data-geolocate]");
    Array.prototype.forEach.call(forms, function (form) {
      var near = form.querySelector('input[name="near"]');
      var slot = form.querySelector("[data-geolocate-slot]");
      if (!near || !slot) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary outline";
      button.textContent = say("useMyLocation");
      var status = document.createElement("p");
      status.className = "geolocate-status";
      status.setAttribute("role", "status");
      slot.appendChild(button);
      slot.appendChild(status);

      button.addEventListener("click", function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        status.textContent = say("findingLocation");
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var lat = position.coords.latitude.toFixed(3);
            var lng = position.coords.longitude.toFixed(3);
            var at = form.querySelector('input[name="at"]');
            if (!at) {
              at = document.createElement("input");
              at.type = "hidden";
              at.name = "at";
              form.appendChild(at);
            }
            at.value = lat + "," + lng;
            near.value = say("myLocation");
            status.textContent = say("usingLocation");
            if (form.requestSubmit) {
              form.requestSubmit();
            } else {
              form.submit();
            }
          },
          function () {
            button.disabled = false;
            button.removeAttribute("aria-busy");
            status.textContent = say("locationFailed");
          },
          { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
        );
      });
    });
  }

  /* A button with data-confirm asks before it acts (unpublishing takes a listing out of every search). */
  function addConfirmations() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  function start() {
    focusErrorSummary();
    addGeolocation();
    addConfirmations();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
