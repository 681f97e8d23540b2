// "Walk the pathway": the clinician answers the case's questions and sees the route.
// Inlined into the protocol HTML (its Content-Security-Policy allows this script by its hash, nothing
// else); it reads the JSON in #walk-data, written by the build: the steps of the one pathway graph
// and, per decision, a table of which branch applies to every combination of the features it reads
// (fhirpathpy's answers, computed at build time), so no FHIRPath engine runs in the page. Without
// JavaScript the panel stays hidden and the static step list is the pathway.
(function () {
  "use strict";
  var panel = document.getElementById("walk");
  var source = document.getElementById("walk-data");
  if (!panel || !source) return;
  var data = JSON.parse(source.textContent);
  var form = panel.querySelector("form");
  var result = document.getElementById("walk-result");
  var features = {};
  data.features.forEach(function (f) { features[f.name] = f; });

  // A feature's answer: undefined while unanswered, null when what was typed is not a valid value.
  function answer(f) {
    var field = form.elements[f.name];
    var raw = field ? String(field.value).trim() : "";
    if (raw === "") return undefined;
    if (f.type === "boolean") return raw === "true";
    if (f.type === "enum") return raw;
    if (!/^-?[0-9]+$/.test(raw)) return null;
    var n = parseInt(raw, 10);
    if ((f.min !== null && n < f.min) || (f.max !== null && n > f.max)) return null;
    return n;
  }

  // The position in a decision table's domain that stands for a value (integers: the last point
  // not above it), as generator/content/conditions.py's bucket() does.
  function bucket(domain, value) {
    if (typeof domain[0] !== "number") return domain.indexOf(value);
    var at = 0;
    for (var i = 0; i < domain.length; i++) if (domain[i] <= value) at = i;
    return at;
  }

  function lookup(table, values) {
    var index = 0;
    for (var i = 0; i < table.features.length; i++) {
      index = index * table.domains[i].length + bucket(table.domains[i], values[table.features[i]]);
    }
    return table.matches[index];
  }

  // Follow the case from the start, as Pathway.walk does: stop at an end, on a loop back, or at a
  // decision still waiting for an answer.
  function walk(values) {
    var id = data.start, route = [{id: id}], asked = [];
    for (var guard = 0; guard <= data.order.length; guard++) {
      var step = data.steps[id];
      if (step.kind === "end") return {route: route, stop: "end", asked: asked};
      var to, loop;
      if (step.kind === "decision") {
        var table = data.tables[id];
        table.features.forEach(function (n) { if (asked.indexOf(n) < 0) asked.push(n); });
        var needs = table.features.filter(function (n) { return values[n] === undefined || values[n] === null; });
        if (needs.length) return {route: route, stop: "needs", needs: needs, asked: asked};
        var match = lookup(table, values);
        if (match.length !== 1) return {route: route, stop: "none", asked: asked};
        var branch = step.branches[match[0]];
        route[route.length - 1].branch = branch.label;
        to = branch.to; loop = branch.loop;
      } else {
        to = step.next.to; loop = step.next.loop;
      }
      route.push({id: to});
      if (loop) return {route: route, stop: "loop", asked: asked};
      id = to;
    }
    return {route: route, stop: "none", asked: asked};
  }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function stepLink(step) {
    var a = element("a", "Step " + step.step);
    a.href = "#step-" + step.step;
    return a;
  }

  function update() {
    var values = {};
    data.features.forEach(function (f) { values[f.name] = answer(f); });
    var w = walk(values);

    // Ask only what the route has reached; keep earlier answers of questions it no longer needs.
    var next = w.stop === "needs" ? w.needs[0] : null;
    panel.querySelectorAll(".walk-question").forEach(function (q) {
      var name = q.getAttribute("data-feature");
      q.hidden = w.asked.indexOf(name) < 0;
      q.classList.toggle("walk-next", name === next);
      var bad = q.querySelector(".walk-invalid");
      if (bad) bad.hidden = values[name] !== null;
    });

    var last = data.steps[w.route[w.route.length - 1].id];
    result.setAttribute("data-stop", w.stop);
    result.setAttribute("data-end", w.stop === "end" || w.stop === "loop" ? last.id : "");
    result.setAttribute("data-needs", next || "");
    result.setAttribute("data-route", w.route.map(function (r) { return r.id; }).join(" "));
    result.textContent = "";

    var status = element("p", "", "walk-status");
    if (w.stop === "end") {
      status.appendChild(element("strong", "End of the route: "));
      status.appendChild(stepLink(last));
      status.appendChild(document.createTextNode(", " + last.label + "."));
    } else if (w.stop === "loop") {
      status.appendChild(element("strong", "Back to "));
      status.appendChild(stepLink(last));
      status.appendChild(document.createTextNode(" (" + last.label + ") with the new findings."));
    } else if (w.stop === "needs") {
      var f = features[next];
      status.appendChild(element("strong", values[next] === null ? "Check this answer: " : "Next question: "));
      status.appendChild(document.createTextNode(f.question));
    } else {
      status.appendChild(element("strong", "The pathway does not say where this case goes."));
    }
    result.appendChild(status);

    var list = element("ol", "", "walk-route");
    w.route.forEach(function (r) {
      var step = data.steps[r.id];
      var item = element("li");
      item.appendChild(stepLink(step));
      item.appendChild(document.createTextNode(": " + step.label + (r.branch ? " \u2192 " + r.branch : "")));
      list.appendChild(item);
    });
    result.appendChild(element("h4", w.stop === "end" || w.stop === "loop" ? "Route" : "Route so far"));
    result.appendChild(list);

    var seen = {}, rests = element("ul", "", "walk-statements");
    w.route.forEach(function (r) {
      data.steps[r.id].statements.forEach(function (s) {
        if (seen[s.number]) return;
        seen[s.number] = true;
        var item = element("li"), a = element("a", s.number);
        a.href = "#" + s.anchor;
        item.appendChild(a);
        item.appendChild(document.createTextNode(" " + s.title));
        rests.appendChild(item);
      });
    });
    result.appendChild(element("h4", "Statements this route rests on"));
    result.appendChild(rests);

    // The static step list shows the same route.
    var on = {};
    w.route.forEach(function (r) { on[data.steps[r.id].step] = true; });
    data.order.forEach(function (id) {
      var li = document.getElementById("step-" + data.steps[id].step);
      if (!li) return;
      li.classList.toggle("walk-on", !!on[data.steps[id].step]);
      li.classList.toggle("walk-here", id === last.id);
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  panel.hidden = false;
  update();
})();
