// chainrule explore, editable: change a leaf (type or drag) and every value and gradient is
// recomputed in the page by the engine of autograd/web (engine.js, with the ops generated from
// the op table), with Python's numbers. Loaded after explore.js, whose state (page.crExplore)
// it updates before asking it to redraw. Text from the graph is only ever set with textContent.
(function () {
  "use strict";
  var page = document.currentScript.parentElement;
  var ex = page.crExplore;
  if (!ex || !ex.data.edit || !globalThis.chainrule) return;
  var data = ex.data, E = data.edit, fmt = ex.fmt, repr = chainrule.repr;
  var rootName = data.nodes[data.root] ? data.nodes[data.root].name : "out";

  // --- the engine: editable only when it agrees with what Python computed ---
  var prog = null, why = "";
  try {
    prog = new chainrule.Program(E.program);
    if (!prog.editable) why = prog.why;
    else {
      var bad = prog.check(1e-12);
      if (bad) prog.values.set(prog.start);  // read-only shows Python's numbers
      if (bad) why = "the page's engine disagrees with Python at node " + name(bad.node) + " (" +
        (bad.message || bad.what + " " + repr(bad.python) + " in Python, " + repr(bad.page) + " here") + ")";
    }
  } catch (e) { why = "the page's engine did not start (" + e.message + ")"; }
  var editable = prog !== null && why === "";
  var recorded = prog ? prog.recorded : null;
  function val(i) { return prog.values[i]; }
  function grad(i) { return editable ? prog.grads[i] : recorded ? recorded[i] : NaN; }
  function idx(id) { return typeof id === "string" && id[0] === "n" ? Number(id.slice(1)) : -1; }
  function name(i) { var r = data.nodes["n" + i]; return r ? r.name : "v" + i; }
  function factor(x) { var s = fmt(x); return s[0] === "-" ? "(" + s + ")" : s; }

  // --- the panel ---
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function row() { var r = el("div", { "class": "cr-edit-row" }); [].slice.call(arguments).forEach(function (c) { r.appendChild(c); }); return r; }
  var panel = el("section", { "class": "cr-edit", "data-role": "edit" });
  var select = el("select", { "data-role": "leaf-select", "aria-label": "the leaf to change" });
  var input = el("input", { "data-role": "value-input", type: "text", inputmode: "decimal",
    autocomplete: "off", "aria-label": "the leaf's value (Enter applies)" });
  var drag = el("input", { "data-role": "value-drag", type: "range", "aria-label": "drag the leaf's value" });
  var lr = el("input", { "data-role": "lr", type: "text", inputmode: "decimal", value: "0.1", size: "6", "aria-label": "learning rate" });
  var descend = el("button", { "data-role": "descend", type: "button", title: "every parameter -= lr × grad" }, "gradient-descent step");
  var reset = el("button", { "data-role": "reset", type: "button" }, "reset");
  var output = el("p", { "class": "cr-edit-output", "data-role": "edit-output" });
  var nudge = el("pre", { "class": "cr-nudge", "data-role": "nudge" });
  var message = el("p", { "class": "cr-edit-message", "data-role": "edit-message", "aria-live": "polite" });
  panel.appendChild(el("h2", {}, "Change a number"));
  panel.appendChild(row(el("span", {}, "leaf"), select));
  panel.appendChild(row(input, drag));
  panel.appendChild(output);
  panel.appendChild(nudge);
  panel.appendChild(row(el("span", {}, "learning rate"), lr, descend, reset));
  panel.appendChild(message);
  var side = page.querySelector(".cr-side");
  side.insertBefore(panel, side.firstChild);

  var leaves = prog ? prog.leaves : [];
  var isParam = {};
  E.params.forEach(function (i) { isParam[i] = true; });
  leaves.slice(0, E.max_listed).forEach(function (l) {
    select.appendChild(el("option", { value: String(l.index) }, (l.label || name(l.index)) + (isParam[l.index] ? "" : "  (input)")));
  });
  var leaf = leaves.length ? (E.params.length ? E.params[0] : leaves[0].index) : -1;

  function say(text, kind) { message.textContent = text; message.className = "cr-edit-message" + (kind ? " cr-" + kind : ""); }

  if (!editable) {
    [select, input, drag, lr, descend, reset].forEach(function (c) { c.disabled = true; });
    panel.classList.add("cr-readonly");
    say("Read-only: " + why + ". The numbers shown are Python's.", "bad");
  }

  // --- copies of the texts Python wrote, to put back on reset ---
  var original = {};
  Object.keys(data.nodes).forEach(function (id) {
    var r = data.nodes[id];
    original[id] = { formulas: r.formulas ? r.formulas.slice() : null,
      paths: r.paths && r.paths.list ? JSON.parse(JSON.stringify(r.paths)) : null };
  });
  var captions = data.steps.map(function (s) { return s.caption; });
  var scale0 = data.scale;
  var edited = false;

  // --- after a recompute: the page's data and texts from the engine ---
  function slotsOf(c, u) {  // the input positions of node c that are node u
    var out = [];
    prog.inputs[c].forEach(function (j, s) { if (j === u) out.push(s); });
    return out;
  }
  function localAt(c, u, occurrence) {
    var slots = slotsOf(c, u);
    return slots.length ? prog.local(c)[slots[occurrence % slots.length]] : NaN;
  }
  function update() {
    Object.keys(data.nodes).forEach(function (id) {
      var r = data.nodes[id], i = idx(id), o = original[id];
      r.data = val(i);
      r.grad = grad(i);
      var ins = prog.inputs[i] || [];
      r.inputs.forEach(function (x, s) { if (ins[s] >= 0) x[1] = val(ins[s]); });
      if (o.formulas) r.formulas = edited ? formulas(i, o.formulas) : o.formulas.slice();
      if (o.paths) r.paths = edited ? paths(o.paths) : JSON.parse(JSON.stringify(o.paths));
    });
    data.steps.forEach(function (s, k) {
      s.grad = grad(idx(s.node));
      s.caption = edited ? caption(s, k) : captions[k];
    });
    var finite = Array.prototype.filter.call(prog.grads, isFinite).map(Math.abs);
    data.scale = edited ? finite.reduce(function (a, b) { return Math.max(a, b); }, 0) : scale0;
    Object.keys(ex.boxes).forEach(function (u) {
      var i = u[0] === "g" ? E.groups[u] : idx(u);
      if (i === undefined || i === null || i < 0) return;
      ex.boxes[u].gradText = "grad " + fmt(grad(i));
      setDataLine(ex.boxes[u].el, val(i));
    });
    page.querySelectorAll(".cr-stash [data-node]").forEach(function (m) {
      var i = idx(m.getAttribute("data-node"));
      if (i < 0) return;
      setDataLine(m, val(i));
      var g = m.querySelector(".cr-grad");
      if (g) g.textContent = "grad " + fmt(grad(i));
    });
    output.textContent = rootName + " = " + fmt(prog.output) + (edited ? "   (Python computed " + fmt(prog.start[prog.root]) + ")" : "");
    output.setAttribute("data-value", repr(prog.output));
  }
  function setDataLine(g, x) {
    g.querySelectorAll(".cr-data, .cr-line").forEach(function (t) {
      if (t.textContent.indexOf("data ") === 0) t.textContent = "data " + fmt(x);
    });
  }
  function formulas(i, lines) {  // keep the symbols, put in the new local derivative
    var slots = [];
    prog.inputs[i].forEach(function (j, s) { if (j >= 0) slots.push(s); });
    return lines.map(function (line, m) {
      if (m >= slots.length || line.indexOf("… and") === 0) return line;
      var parts = line.split(" = ");
      var keep = parts.length >= 3 ? parts.slice(0, 2) : parts.slice(0, 1);
      return keep.join(" = ") + " = " + fmt(prog.local(i)[slots[m]]);
    });
  }
  function paths(old) {
    var seen = {}, total = 0;
    var list = old.list.map(function (p) {
      var key = p.nodes.join(","), q = seen[key] = (seen[key] === undefined ? 0 : seen[key] + 1);
      var product = 1, factors = [];
      for (var t = 0; t + 1 < p.nodes.length; t++) {
        var d = localAt(idx(p.nodes[t + 1]), idx(p.nodes[t]), q);
        factors.push(factor(d));
        product *= d;
      }
      total += product;
      return { nodes: p.nodes, factors: factors, product: product };
    });
    return { list: list, total: total };
  }
  function caption(s, k) {  // the same sentence as step_through's caption, with the new numbers
    var i = idx(s.node), nm = name(i), head = captions[k].split(": ")[0];
    if (i === prog.root) return head + ": grad " + nm + " = " + fmt(s.grad) + " (the seed: d " + nm + " / d " + nm + ")";
    if (!s.terms.length) return captions[k];
    var count = {};
    var symbolic = s.terms.map(function (c) { var cn = name(idx(c)); return "grad " + cn + " * d" + cn + "/d" + nm; });
    var numbers = s.terms.map(function (c) {
      var q = count[c] = (count[c] === undefined ? 0 : count[c] + 1);
      return factor(grad(idx(c))) + " * " + factor(localAt(idx(c), i, q));
    });
    return head + ": grad " + nm + " = " + symbolic.join(" + ") + "\n= " + numbers.join(" + ") + " = " + fmt(s.grad);
  }

  // --- the hooks on every drawn node, after each redraw ---
  ex.afterRender = function () {
    if (!prog) return;
    page.querySelectorAll("[data-node]").forEach(function (g) {
      var id = g.getAttribute("data-node"), i = id[0] === "g" ? E.groups[id] : idx(id);
      if (i === undefined || i === null || i < 0) return;
      g.setAttribute("data-value", repr(val(i)));
      var known = !data.quiz || (id[0] === "n" ? ex.known(id) : !g.classList.contains("cr-unknown"));
      g.setAttribute("data-grad", known ? repr(grad(i)) : "?");  // a quiz keeps its answers
      g.classList.toggle("cr-editable", editable && leaves.some(function (l) { return l.index === i; }));
    });
  };

  // --- editing a leaf ---
  function parse(text) {
    var t = String(text).trim().replace(/\u2212/g, "-");
    if (!t) return { error: "Type a number, such as 0.5 or -2e-3 (the box is empty)." };
    if (/^[-+]?(inf|infinity|nan)$/i.test(t)) return { error: "inf and nan cannot be typed in: give a finite number." };
    var x = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
    if (x !== x) return { error: "Type a number, such as 0.5 or -2e-3 (\"" + t.slice(0, 40) + (t.length > 40 ? "…" : "") + "\" is not one)." };
    if (!isFinite(x)) return { error: t.slice(0, 40) + " is beyond the largest float: give a smaller number." };
    return { value: x };
  }
  function apply(changes) {  // recompute, or say why not; true when the numbers moved
    var t0 = performance.now();
    try {
      prog.run(changes);
    } catch (e) {
      say("Not applied: " + (e.kind ? e.kind + ", " : "") + e.message +
        (e.node >= 0 ? " (at " + name(e.node) + ")" : "") + ". Nothing changed.", "bad");
      return false;
    }
    edited = true;
    update();
    ex.render();
    panel.setAttribute("data-ms", (performance.now() - t0).toFixed(2));
    return true;
  }
  function pickLeaf(i) {
    leaf = i;
    select.value = String(i);
    input.value = repr(val(i));
    var span = Math.max(1, Math.abs(val(i)));
    drag.min = String(val(i) - span);
    drag.max = String(val(i) + span);
    drag.step = String(span / 500);
    drag.value = String(val(i));
  }
  var before = null;  // the leaf, output and gradient before the edit now under way
  function start() {
    if (!before) before = { leaf: leaf, x: val(leaf), out: prog.output, grad: grad(leaf) };
  }
  function edit(x) {
    start();
    if (!apply([[leaf, x]])) { input.value = repr(val(leaf)); return; }
    showNudge();
    say("");
  }
  function showNudge() {
    var b = before, dx = val(b.leaf) - b.x, actual = prog.output - b.out, predicted = b.grad * dx;
    var nm = name(b.leaf);
    if (data.quiz && !ex.known("n" + b.leaf)) {  // the prediction would give the answer away
      nudge.textContent = "Δ" + nm + " = " + fmt(dx) + "\nactual Δ" + rootName + " = " + fmt(actual) +
        "\n(predicted Δ" + rootName + " = grad × Δ" + nm + ": shown once the quiz has asked for grad " + nm + ")";
      nudge.setAttribute("data-predicted", "?");
      nudge.setAttribute("data-actual", repr(actual));
      return;
    }
    nudge.textContent = "Δ" + nm + " = " + fmt(dx) + "\npredicted Δ" + rootName + " = grad × Δ" + nm +
      " = " + factor(b.grad) + " × " + factor(dx) + " = " + fmt(predicted) +
      "\nactual Δ" + rootName + " = " + fmt(actual) +
      "\n(the gradient is the slope at the old value: the smaller the nudge, the closer the two)";
    nudge.setAttribute("data-predicted", repr(predicted));
    nudge.setAttribute("data-actual", repr(actual));
  }
  function commit() {
    var p = parse(input.value);
    if (p.error) { say(p.error, "bad"); return; }
    if (p.value === val(leaf)) return;
    before = null;
    edit(p.value);
    before = null;
    pickLeaf(leaf);
  }
  input.addEventListener("keydown", function (e) { if (e.key === "Enter") { commit(); e.preventDefault(); } });
  input.addEventListener("change", commit);
  drag.addEventListener("input", function () {
    edit(Number(drag.value));
    input.value = repr(val(leaf));
  });
  drag.addEventListener("change", function () { before = null; pickLeaf(leaf); });
  select.addEventListener("change", function () { before = null; pickLeaf(Number(select.value)); });
  page.querySelectorAll(".cr-graph [data-node], .cr-stash [data-node]").forEach(function (g) {
    g.addEventListener("click", function () {
      var i = idx(g.getAttribute("data-node"));
      if (editable && leaves.some(function (l) { return l.index === i; })) { before = null; pickLeaf(i); }
    });
  });

  // --- a gradient-descent step, and reset ---
  descend.addEventListener("click", function () {
    // each parameter would move by lr × its grad: in a quiz, that gives the answers away
    if (data.quiz && Object.keys(ex.answered).length < data.steps.length) {
      say("Finish the quiz first: a step moves every parameter by lr × its grad, which would give the answers away.", "bad");
      return;
    }
    var p = parse(lr.value);
    if (p.error || !(p.value > 0)) {
      say("The learning rate must be a positive number" + (p.error ? "" : " (got " + fmt(p.value) + ")") + ": try 0.1.", "bad");
      return;
    }
    var rate = p.value, old = prog.output, sq = 0;
    var changes = E.params.map(function (i) { sq += grad(i) * grad(i); return [i, val(i) - rate * grad(i)]; });
    if (!changes.length) { say("No parameters to move.", "bad"); return; }
    if (sq === 0) { say("Every parameter's gradient is 0: a step would not move anything.", "bad"); return; }
    if (changes.some(function (c) { return !isFinite(c[1]); })) {
      say("Not applied: the step would make a parameter inf or nan (a gradient is not finite). Nothing changed.", "bad");
      return;
    }
    var back = E.params.map(function (i) { return [i, val(i)]; });
    if (!apply(changes)) return;
    if (!isFinite(prog.output)) {
      var got = fmt(prog.output);
      apply(back);
      say("Not applied: this step makes " + rootName + " " + got + ". Try a smaller learning rate. Nothing changed.", "bad");
      return;
    }
    nudge.textContent = "step: every parameter -= " + fmt(rate) + " × its grad (" + E.params.length +
      " moved)\npredicted Δ" + rootName + " = -lr × Σ grad² = " + fmt(-rate * sq) +
      "\nactual Δ" + rootName + " = " + fmt(prog.output - old);
    nudge.setAttribute("data-predicted", repr(-rate * sq));
    nudge.setAttribute("data-actual", repr(prog.output - old));
    say(rootName + ": " + fmt(old) + " → " + fmt(prog.output) + (prog.output < old ? " (down)" : " (up: try a smaller learning rate)"),
      prog.output < old ? "good" : "bad");
    pickLeaf(leaf);
  });
  reset.addEventListener("click", function () {
    prog.reset();
    edited = false;
    before = null;
    update();
    ex.render();
    nudge.textContent = "";
    say("Back to the values Python computed.");
    pickLeaf(leaf);
  });

  if (prog) {
    update();
    ex.render();
    if (leaf >= 0) pickLeaf(leaf);
  }
})();
