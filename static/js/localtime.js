/* Meeting times in the visitor's own time zone, beside the group's: progressive enhancement only.

   The page shows every time in the group's zone (with its abbreviation). Where the browser's zone
   differs, each <time data-local-time data-zone="..."> gets "(... your time)" after it, unless the
   server already added one (the ?tz= parameter). */
(function () {
  "use strict";

  if (!window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var viewerZone;
  try {
    viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!viewerZone) {
    return;
  }

  /* "Tue 1 Dec 2026, 4:00 PM PST": the same shape as the times the server writes. */
  function format(date, zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "numeric",
      minute: "2-digit",
      hour12: true,
      timeZone: zone,
      timeZoneName: "short"
    }).formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts.weekday + " " + parts.day + " " + parts.month + " " + parts.year + ", " + parts.hour + ":" +
      parts.minute + " " + (parts.dayPeriod || "").toUpperCase() + " " + parts.timeZoneName;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("time[data-local-time][data-zone]"), function (element) {
      var next = element.nextElementSibling;
      if (next && next.classList.contains("viewer-time")) {
        return;
      }
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime())) {
        return;
      }
      var groupText;
      var viewerText;
      try {
        groupText = format(date, element.getAttribute("data-zone"));
        viewerText = format(date, viewerZone);
      } catch (error) {
        return;
      }
      if (groupText === viewerText) {
        return;
      }
      var span = document.createElement("span");
      span.className = "viewer-time";
      span.textContent = " (" + viewerText + " your time)";
      element.parentNode.insertBefore(span, element.nextSibling);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
