/* The owner's listing form, enhanced. Without this file the form works the same, with a few more fields
   on screen: fixed blank meeting rows, "remove" checkboxes, and every section visible. */
(function () {
  "use strict";

  var form = document.querySelector("[data-owner-form]");
  if (!form) {
    return;
  }

  /* The words the script writes come from the page, in its language: data-text-NAME on the form, with
     %(key)s placeholders; the English here is only for a page that lacks one. */
  var ENGLISH = {
    "meeting": "Meeting %(number)s", "remove": "Remove this meeting", "removed": "Meeting removed.",
    "add": "Add another meeting", "added": "Meeting added.", "left": "%(num)s characters left",
    "over": "%(num)s characters too many", "found": "Found:",
    "not-found": "We can't find \u201c%(text)s\u201d yet: try the ZIP/postcode, or the town and state."
  };
  function say(name, values) {
    var text = form.getAttribute("data-text-" + name) || ENGLISH[name];
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && key in values ? String(values[key]) : whole;
    });
  }

  function checkedValue(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  /* Show a block only when a choice applies: data-show-format="online hybrid" etc. Hidden blocks keep
     their values, so switching back loses nothing; the server ignores what does not apply. */
  function toggleBlocks(attribute, value, scope) {
    var blocks = (scope || form).querySelectorAll("[" + attribute + "]");
    Array.prototype.forEach.call(blocks, function (block) {
      var wanted = block.getAttribute(attribute).split(" ");
      block.hidden = wanted.indexOf(value) === -1;
    });
  }

  function updateFormat() {
    var chosen = checkedValue("format") || "in_person";
    toggleBlocks("data-show-format", chosen);
    var fold = form.querySelector("[data-zone-fold]");
    var select = form.querySelector("select[name='time_zone']");
    if (fold && chosen === "online" && select && !select.value) {
      fold.open = true;  /* no place to take it from: the owner chooses it */
    }
  }

  function updateCost() {
    toggleBlocks("data-show-cost", checkedValue("cost") || "free");
  }

  function updateRecurrence(row) {
    var select = row.querySelector("select[data-recurrence]");
    if (select) {
      toggleBlocks("data-show-recurrence", select.value, row);
    }
  }

  /* ---- meetings: add and remove rows without a round trip ---- */
  var rows = form.querySelector("[data-meeting-rows]");
  var template = document.getElementById("meeting-template");

  function nextIndex() {
    var highest = -1;
    Array.prototype.forEach.call(rows.querySelectorAll("[name^='meetings-']"), function (input) {
      var match = /^meetings-(\d+)-/.exec(input.name);
      if (match) {
        highest = Math.max(highest, parseInt(match[1], 10));
      }
    });
    return highest + 1;
  }

  function renumber() {
    var number = 0;
    Array.prototype.forEach.call(rows.querySelectorAll("[data-meeting-row]"), function (row) {
      if (!row.hidden) {
        number += 1;
        row.querySelector("legend").textContent = say("meeting", {number: number});
      }
    });
  }

  function isBlank(row) {
    var day = row.querySelector("select[name$='-weekday']");
    var start = row.querySelector("input[name$='-start_time']");
    return !(day && day.value) && !(start && start.value);
  }

  function enhanceRow(row) {
    var slot = row.querySelector("[data-remove-slot]");
    var checkbox = slot ? slot.querySelector("input[type=checkbox]") : null;
    if (!slot || !checkbox || slot.querySelector("button")) {
      return;
    }
    /* The checkbox stays in the form (hidden), so the server sees the removal. */
    slot.querySelector(".field").hidden = true;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary outline remove-meeting";
    button.textContent = say("remove");
    button.addEventListener("click", function () {
      if (isBlank(row)) {
        row.parentNode.removeChild(row);
      } else {
        checkbox.checked = true;
        row.hidden = true;
      }
      renumber();
      announce(say("removed"));
      if (addButton) {
        addButton.focus();
      }
    });
    slot.appendChild(button);
    var select = row.querySelector("select[data-recurrence]");
    if (select) {
      select.addEventListener("change", function () {
        updateRecurrence(row);
      });
    }
    updateRecurrence(row);
    if (checkbox.checked) {
      row.hidden = true;
    }
  }

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  function announce(text) {
    status.textContent = text;
  }

  var addButton = null;
  if (rows && template && "content" in template) {
    /* Keep one blank row on screen; the button adds more. */
    var blanks = Array.prototype.filter.call(rows.querySelectorAll("[data-meeting-row]"), isBlank);
    var hasFilled = blanks.length < rows.querySelectorAll("[data-meeting-row]").length;
    blanks.slice(hasFilled ? 0 : 1).forEach(function (row) {
      row.parentNode.removeChild(row);
    });

    addButton = document.createElement("button");
    addButton.type = "button";
    addButton.className = "secondary add-meeting";
    addButton.textContent = say("add");
    addButton.addEventListener("click", function () {
      var index = String(nextIndex());
      var html = template.innerHTML.replace(/__index__/g, index).replace(/__number__/g, index);
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.querySelector("[data-meeting-row]");
      rows.appendChild(row);
      enhanceRow(row);
      renumber();
      var first = row.querySelector("select, input");
      if (first) {
        first.focus();
      }
      announce(say("added"));
    });
    rows.parentNode.insertBefore(addButton, rows.nextSibling);
    Array.prototype.forEach.call(rows.querySelectorAll("[data-meeting-row]"), enhanceRow);
    renumber();
  } else if (rows) {
    Array.prototype.forEach.call(rows.querySelectorAll("[data-meeting-row]"), updateRecurrence);
  }

  /* ---- a character count for short fields (the server refuses over-long text with a message) ---- */
  Array.prototype.forEach.call(form.querySelectorAll("[data-count]"), function (input) {
    var limit = parseInt(input.getAttribute("data-count"), 10);
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(counter, input.nextSibling);
    function update() {
      var left = limit - input.value.length;
      counter.textContent = left >= 0 ? say("left", {num: left}) : say("over", {num: -left});
      counter.classList.toggle("char-count-over", left < 0);
    }
    input.addEventListener("input", update);
    update();
  });

  /* The "Shown as" preview describes the saved place; once the text changes it is out of date. When the
     owner leaves the box, ask the site what the new text is and show it with its time zone at once. */
  var location = form.querySelector("input[name='location']");
  var preview = form.querySelector("[data-place-preview]");
  var zoneSelect = form.querySelector("select[name='time_zone']");
  var zoneNames = form.querySelectorAll("[data-zone-name]");

  function nameZone(text) {
    Array.prototype.forEach.call(zoneNames, function (element) {
      element.textContent = text;
    });
  }
  var zoneFromPlace = (form.querySelector("input[name='geocoded_time_zone']") || {}).value || "";

  function showZone() {
    if (zoneSelect && zoneSelect.value) {
      var option = zoneSelect.options[zoneSelect.selectedIndex];
      nameZone(option ? option.textContent : zoneSelect.value);
    }
  }

  function lookUp() {
    var text = location.value.trim();
    if (!text || !window.fetch) {
      return;
    }
    var url = form.getAttribute("data-place-url") + "?q=" + encodeURIComponent(text);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {found: false}; })
      .then(function (answer) {
        if (location.value.trim() !== text) {
          return;  /* typed on meanwhile */
        }
        if (!answer.found) {
          preview.textContent = say("not-found", {text: text});
          preview.hidden = false;
          return;
        }
        preview.innerHTML = "";
        var label = document.createElement("strong");
        label.textContent = say("found");
        preview.appendChild(label);
        preview.appendChild(document.createTextNode(" " + answer.line));
        preview.hidden = false;
        if (zoneSelect && (!zoneSelect.value || zoneSelect.value === zoneFromPlace)) {
          zoneSelect.value = answer.time_zone;
          zoneFromPlace = answer.time_zone;
        }
        if (answer.zone_name && zoneSelect && zoneSelect.value === answer.time_zone) {
          nameZone(answer.zone_name);
        }
      })
      .catch(function () { /* the server still looks the place up when the form is saved */ });
  }

  if (location && preview) {
    location.addEventListener("input", function () {
      preview.hidden = true;
    });
    location.addEventListener("change", lookUp);
  }
  if (zoneSelect) {
    zoneSelect.addEventListener("change", showZone);
  }

  Array.prototype.forEach.call(form.querySelectorAll("input[name='format']"), function (input) {
    input.addEventListener("change", updateFormat);
  });
  Array.prototype.forEach.call(form.querySelectorAll("input[name='cost']"), function (input) {
    input.addEventListener("change", updateCost);
  });
  updateFormat();
  updateCost();
})();
