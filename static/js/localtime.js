/* Meeting times in the visitor's own time zone, beside the group's: progressive enhancement only.

   The page shows every time in the group's zone (with its abbreviation). Where the browser's zone
   differs, each <time data-local-time data-zone="..."> gets "(... your time)" after it, unless the
   server already added one (the ?tz= parameter). */
(function () {
  "use strict";

  /* Its words, in the page's language, from its own tag (site.js reads them). */
  var say = window.scriptText ? window.scriptText(document.currentScript) : function () { return ""; };

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

  /* "Tue 1 Dec 2026, 4:00 PM PST" ("mar 1 dic 2026, 16:00 PST"): the same shape as the times the server
     writes, in the page's language; a 24-hour clock where the language uses one. */
  var locale = say("locale") || "en";
  var english = locale === "en";
  function format(date, zone) {
    var parts = {};
    new Intl.DateTimeFormat(english ? "en-US" : locale, {
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "numeric",
      minute: "2-digit",
      hour12: english,
      timeZone: zone,
      timeZoneName: "short"
    }).formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    var clock = parts.hour + ":" + parts.minute + (parts.dayPeriod ? " " + parts.dayPeriod.toUpperCase() : "");
    return [parts.weekday, parts.day, parts.month, parts.year].join(" ").replace(/\./g, "") + ", " + clock +
      " " + (english ? parts.timeZoneName : zoneAbbreviation(date, zone));
  }

  /* "PST", as the server writes a zone in every language (other languages' short names are "GMT-8"). */
  function zoneAbbreviation(date, zone) {
    var name = "";
    new Intl.DateTimeFormat("en-US", {timeZone: zone, timeZoneName: "short"}).formatToParts(date)
      .forEach(function (part) {
        if (part.type === "timeZoneName") {
          name = part.value;
        }
      });
    return name;
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
      span.textContent = " " + say("yourTime").replace("{time}", viewerText);
      element.parentNode.insertBefore(span, element.nextSibling);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
