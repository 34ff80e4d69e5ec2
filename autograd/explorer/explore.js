// chainrule explore: the page's behaviour. No libraries, no network. Text from the graph is
// only ever set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var page = document.currentScript.parentElement;
  var $ = function (role) { return page.querySelector('[data-role="' + role + '"]'); };
  var data = JSON.parse($("data").textContent);
  var L = data.by_layer;  // by layer: each step is one layer, forward then backward
  var steps = L ? L.steps : data.steps;
  var viewport = $("viewport");
  var graph = viewport.querySelector("svg");
  var details = $("details");
  var stash = page.querySelector(".cr-stash");

  // --- the drawn graph: boxes by id, edges by the boxes they join ---
  var boxes = {};
  page.querySelectorAll(".cr-graph [data-node]").forEach(function (g) {
    var grad = g.querySelector(".cr-grad"), dat = g.querySelector(".cr-data");
    boxes[g.getAttribute("data-node")] = { el: g, box: g.querySelector(".cr-box"),
      grad: grad, gradText: grad ? grad.textContent : "", dat: dat, datText: dat ? dat.textContent : "" };
  });
  var edges = [], out = {};
  graph.querySelectorAll(".cr-edge").forEach(function (e) {
    var a = e.getAttribute("data-from"), b = e.getAttribute("data-to");
    edges.push({ el: e, from: a, to: b });
    (out[a] = out[a] || []).push(b);
  });
  var firstStep = {};  // unit -> index of the first step that computes a value in it
  steps.forEach(function (s, i) { if (!(s.unit in firstStep)) firstStep[s.unit] = i; });
  var unitOf = function (id) { return data.nodes[id] ? data.nodes[id].unit : id; };

  // --- numbers ---
  function num(x) { return typeof x === "number" ? x : x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity; }
  function fmt(x) {
    x = num(x);
    if (isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    var a = Math.abs(x);
    if (a >= 0.01 && a < 1e5) {
      var s = x.toFixed(4).replace(/0+$/, "");
      return s.endsWith(".") ? s + "0" : s;
    }
    var p = x.toExponential(3).split("e");
    var m = p[0].replace(/0+$/, "").replace(/\.$/, "");
    var e = Number(p[1]);
    return m + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  function color(g) {  // blue for grad > 0, red for < 0, deeper for larger |grad| (log scale)
    g = num(g);
    if (!isFinite(g)) return "#f3c6f3";
    if (g === 0 || !data.scale) return "#ffffff";
    var t = Math.min(1, Math.max(0, 1 + Math.log10(Math.abs(g) / data.scale) / 4));
    t = 0.12 + 0.55 * t;
    var c = g > 0 ? [70, 130, 230] : [220, 60, 50];
    return "rgb(" + c.map(function (v) { return Math.round(255 + (v - 255) * t); }).join(",") + ")";
  }

  // --- state: k steps of backward done (0: none yet); quiz answers by step ---
  // what edit.js (the editable graph) reads and updates, and calls to redraw
  var hooks = page.crExplore = { data: data, boxes: boxes, fmt: fmt, afterRender: null,
    render: function () { render(); }, known: function (id) { return knownNode(id); },
    quiz: null, answered: {}, num: num, el: function (t, x, c) { return el(t, x, c); },
    step: function () { return k; }, details: details, role: $ };
  var k = data.quiz || L ? 0 : steps.length;
  var answered = hooks.answered;  // quiz.js (the quiz) fills it: step index -> feedback
  var selected = null;
  var timer = null;

  // the current step's gradient is hidden in a quiz until answered; stepping on gives it away
  function hidden(i) { return data.quiz && i === k - 1 && !answered[i]; }
  // by layer: [forward layer, backward layer] of a unit or value; data is known once its
  // layer has gone forward (-1: a leaf, known from the start), a gradient once it has gone back
  var half = L ? steps.length / 2 : 0;
  function dataKnown(fb) { return !fb || k > fb[0]; }
  function gradKnown(fb) { return !!fb && k > half && fb[1] >= steps.length - k; }
  function knownUnit(u) {
    if (L) return gradKnown(L.units[u]);
    if (k >= steps.length && !data.quiz) return true;
    var i = firstStep[u];
    if (i === undefined) return k >= steps.length;
    return i < k && !hidden(i);
  }
  function knownNode(id) {
    if (L) return gradKnown(L.nodes[id]);
    for (var i = 0; i < k; i++) if (steps[i].node === id) return !hidden(i);
    return k >= steps.length && !data.quiz;
  }

  function render() {
    Object.keys(boxes).forEach(function (u) {
      var b = boxes[u], known = knownUnit(u), rec = data.nodes[u];
      b.el.classList.remove("cr-current", "cr-consumer");
      b.el.classList.toggle("cr-unknown", !known && !b.el.classList.contains("cr-more"));
      if (b.grad) b.grad.textContent = known ? b.gradText : b.gradText.indexOf("δ") === 0 ? "δ = grad ?" : "grad ?";
      if (b.dat && L) b.dat.textContent = dataKnown(L.units[u]) ? b.datText : "data ?";
      var g = rec ? rec.grad : null;
      if (!rec && data.groups[u]) g = groupGrad(u);
      b.box.style.fill = known && g !== null ? color(g) : "";
    });
    edges.forEach(function (e) { e.el.classList.remove("cr-flow"); });
    var s = k > 0 ? steps[k - 1] : null;
    if (s && L) {
      s.units.forEach(function (u) { if (boxes[u]) boxes[u].el.classList.add("cr-current"); });
    } else if (s) {
      var cur = boxes[s.unit];
      if (cur) cur.el.classList.add("cr-current");
      s.terms.forEach(function (c) {
        var cu = unitOf(c);
        if (boxes[cu] && cu !== s.unit) boxes[cu].el.classList.add("cr-consumer");
        edges.forEach(function (e) { if (e.from === s.unit && e.to === cu) e.el.classList.add("cr-flow"); });
      });
    }
    // one step per drawn box: when that is fewer than backward's steps, say which one it is
    if (L) $("step-label").textContent = "step " + k + " of " + steps.length + ": " +
      (s ? s.phase + ", " + s.name : "before the forward pass");
    else $("step-label").textContent = "step " + k + " of " + steps.length +
      (data.total_steps > steps.length ? " (one per box; backward: " +
        (s ? "step " + s.backward + " of " : "") + data.total_steps + ")" : "");
    $("step-prev").disabled = $("step-first").disabled = k === 0;
    $("step-next").disabled = $("step-last").disabled = k === steps.length;
    renderCaption(s);
    renderQuiz(s);
    renderPublished(s);
    if (s && !selected && s.node) show(s.node); else if (selected) show(selected);
    if (hooks.afterRender) hooks.afterRender();
  }
  function groupGrad(gid) {
    var i = firstStep[gid];
    return i === undefined ? null : steps[i].grad;
  }
  function renderCaption(s) {
    var c = $("caption");
    if (!s && L) c.textContent = "The inputs and weights are set. Step forward a layer at a time " +
      "(each neuron's net input, then its activation out), then backward: each layer's δ = ∂" +
      L.root + "/∂net, passed back a layer at a time (the generalized delta rule).";
    else if (!s) c.textContent = "Forward pass done. Step through backward: it starts at the output, " +
      "whose gradient is the seed 1, and each step adds up grad(user) × local derivative over a node's uses.";
    else if (hidden(k - 1)) c.textContent = s.question + (s.terms.length ?
      "\n(its uses are highlighted: click one for its gradient)" : "");
    else c.textContent = s.caption;
  }
  function renderPublished(s) {  // a textbook's numbers beside the engine's, for this layer
    var box = $("published"), rows = s && s.published ? s.published : [];
    box.hidden = !rows.length;
    box.textContent = "";
    if (!rows.length) return;
    var t = el("table"), head = el("tr");
    ["", "published", "engine", "difference"].forEach(function (h) { head.appendChild(el("th", h)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el("tr"), d = num(r[2]) - r[1];
      tr.setAttribute("data-key", r[0]);
      [r[0], String(r[1]), String(num(r[2])), d === 0 ? "0" : d.toExponential(1)]
        .forEach(function (c) { tr.appendChild(el("td", c)); });
      t.appendChild(tr);
    });
    box.appendChild(t);
  }
  function renderQuiz(s) {
    $("quiz").hidden = !data.quiz || !s || !hooks.quiz;
    if (!$("quiz").hidden) hooks.quiz.render(s, k);
  }

  // --- the details panel ---
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function show(id) {
    page.querySelectorAll(".cr-details .cr-group-drawing").forEach(function (d) { d.hidden = true; stash.appendChild(d); });
    details.textContent = "";
    // a question open on this node: the panel shows what the question needs, not its answer
    if (hooks.quiz && k > 0 && hidden(k - 1) && id === steps[k - 1].node) return hooks.quiz.panel(steps[k - 1]);
    if (data.groups[id]) return showGroup(id);
    if (id === "more") {
      details.appendChild(el("h2", "Not drawn"));
      details.appendChild(el("p", data.note));
      return;
    }
    var r = data.nodes[id];
    if (!r) return;
    var known = knownNode(id), datKnown = !L || dataKnown(L.nodes[id]);
    details.appendChild(el("h2", r.name));
    var t = el("table");
    var rows = [["op", r.op || "(leaf: an input or parameter)"], ["data", datKnown ? fmt(r.data) : "?"],
      ["grad", known ? fmt(r.grad) : "?"]];
    if (L && L.nets.indexOf(id) >= 0)
      rows.push(["δ = ∂" + L.root + "/∂" + r.name, (known ? fmt(r.grad) : "?") + "  (generalized delta rule)"]);
    if (r.label && r.label !== r.name) rows.push(["label", r.label]);
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("td", row[0]));
      tr.appendChild(el("td", row[1]));
      t.appendChild(tr);
    });
    details.appendChild(t);
    if (r.expr) {
      details.appendChild(el("h3", "forward"));
      var ins = r.inputs.map(function (x) { return x[0] + " = " + fmt(x[1]); }).join(", ");
      details.appendChild(el("p", r.expr + "   (" + ins + ")", "cr-math"));
      details.appendChild(el("h3", "local derivative"));
      r.formulas.forEach(function (f) { details.appendChild(el("p", f, "cr-math")); });
    }
    details.appendChild(el("h3", "paths to the output"));
    if (!known && (data.quiz || L)) details.appendChild(el("p", "(shown once this step is answered)", "cr-hint"));
    else if (!r.paths) details.appendChild(el("p", "(not listed for a graph this big)", "cr-hint"));
    else if (r.paths.note) details.appendChild(el("p", r.paths.note, "cr-hint"));
    else showPaths(r);
  }
  function showPaths(r) {
    var list = r.paths.list, name = function (id) { return data.nodes[id] ? data.nodes[id].name : id; };
    if (!list.length) details.appendChild(el("p", "none: the output does not depend on it (grad 0)", "cr-hint"));
    list.forEach(function (p, i) {
      var text = (i + 1) + ". " + p.nodes.map(name).join(" → ");
      text += "\n   " + (p.factors.length ? p.factors.join(" × ") : "1") + " = " + fmt(p.product);
      details.appendChild(el("p", text, "cr-math"));
    });
    if (list.length > 1) {
      details.appendChild(el("p", "sum: " + list.map(function (p) { return fmt(p.product); }).join(" + ") +
        " = " + fmt(r.paths.total), "cr-math"));
      details.appendChild(el("p", (r.uses > 1 ? r.name + " is used " + r.uses + " times, and " : "") +
        list.length + " paths lead from " + r.name + " to the output: its gradient is the sum of their products.", "cr-hint"));
    }
  }
  function showGroup(gid) {
    var g = data.groups[gid];
    details.appendChild(el("h2", g.name));
    details.appendChild(el("p", g.size + " values collapsed into one box. Drawn: its last value and " +
      "what feeds it inside the box (" + data.drawn + " at most); listed: the first " + g.members.length + ".", "cr-hint"));
    var drawing = stash.querySelector('[data-group="' + gid + '"]');
    if (drawing) {
      details.appendChild(drawing);
      drawing.hidden = false;
      drawing.querySelectorAll("[data-node]").forEach(function (m) {
        var r = data.nodes[m.getAttribute("data-node")];
        var known = knownNode(m.getAttribute("data-node")), g = m.querySelector(".cr-grad");
        if (g) {  // the drawing is made with every gradient: a quiz hides those not yet known
          if (!g.hasAttribute("data-text")) g.setAttribute("data-text", g.textContent);
          g.textContent = known ? g.getAttribute("data-text") : "grad ?";
        }
        var d = m.querySelector(".cr-data");  // by layer: no value before its layer goes forward
        if (d && L) {
          if (!d.hasAttribute("data-text")) d.setAttribute("data-text", d.textContent);
          d.textContent = dataKnown(L.nodes[m.getAttribute("data-node")]) ? d.getAttribute("data-text") : "data ?";
        }
        if (r) m.querySelector(".cr-box").style.fill = known ? color(r.grad) : "";
      });
    }
    var t = el("table");
    g.members.forEach(function (id) {
      var r = data.nodes[id], tr = el("tr");
      if (!r) return;
      var dat = !L || dataKnown(L.nodes[id]) ? fmt(r.data) : "?";
      [r.name, r.op || "leaf", "data " + dat, "grad " + (knownNode(id) ? fmt(r.grad) : "?")]
        .forEach(function (c) { tr.appendChild(el("td", c)); });
      t.appendChild(tr);
    });
    details.appendChild(t);
  }
  function markPaths(id) {  // every edge on a path from the node to the output
    var on = {}, todo = [id];
    on[id] = true;
    while (todo.length) {
      (out[todo.pop()] || []).forEach(function (b) { if (!on[b]) { on[b] = true; todo.push(b); } });
    }
    edges.forEach(function (e) { e.el.classList.toggle("cr-path", id !== null && !!on[e.from] && !!on[e.to]); });
  }

  // --- stepping ---
  function go(n) {
    // a quiz asks before it tells: one step on at a time, and only once this one is answered
    if (data.quiz && n > k) {
      if (k > 0 && !answered[k - 1]) { if (hooks.quiz) hooks.quiz.refuse(); return; }
      n = k + 1;
    }
    k = Math.max(0, Math.min(steps.length, n));
    if (k > 0) { selected = null; }
    render();
    follow();
    if (k > 0) markPaths(null);
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; $("step-play").textContent = "▶ play"; return; }
    if (k >= steps.length) go(0);
    $("step-play").textContent = "❚❚ pause";
    timer = setInterval(function () { if (k >= steps.length) play(); else go(k + 1); }, 900);
  }
  $("step-first").onclick = function () { go(0); };
  $("step-prev").onclick = function () { go(k - 1); };
  $("step-next").onclick = function () { go(k + 1); };
  $("step-last").onclick = function () { go(steps.length); };
  $("step-play").onclick = play;
  document.addEventListener("keydown", function (e) {
    if (e.target && /^(INPUT|SELECT)$/.test(e.target.tagName)) {
      if (e.key === "Enter" && e.target.getAttribute("data-role") === "quiz-input" && hooks.quiz) hooks.quiz.check();
      return;
    }
    var keys = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: steps.length };
    if (e.key in keys) { go(keys[e.key]); e.preventDefault(); }
    else if (e.key === " ") { play(); e.preventDefault(); }
    else if (e.key === "0") $("zoom-fit").onclick();
  });

  // --- pointing at nodes ---
  Object.keys(boxes).forEach(function (id) {
    var g = boxes[id].el;
    g.addEventListener("mouseenter", function () { show(id); markPaths(id); });
    g.addEventListener("mouseleave", function () {
      var back = selected || (k > 0 ? steps[k - 1].node : null);
      if (back) show(back); markPaths(selected);
    });
    g.addEventListener("click", function (e) {
      selected = id; show(id); markPaths(id);
      page.querySelectorAll(".cr-selected").forEach(function (x) { x.classList.remove("cr-selected"); });
      g.classList.add("cr-selected");
      e.stopPropagation();
    });
  });

  // --- pan and zoom: the svg's viewBox follows the wheel and the drag ---
  var full = graph.viewBox.baseVal, box = { x: full.x, y: full.y, w: full.width, h: full.height };
  graph.removeAttribute("width");
  graph.removeAttribute("height");
  function setBox() { graph.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" ")); }
  function fit() {
    var pad = 10, W = Math.max(viewport.clientWidth, 1), H = Math.max(viewport.clientHeight, 1);
    var natural = { w: full.width + 2 * pad, h: full.height + 2 * pad };
    // never blow a small graph up past 1.6x; show a big one whole
    var s = Math.max(natural.w / W, natural.h / H, 1 / 1.6);
    box = { w: W * s, h: H * s };
    box.x = -pad - (box.w - natural.w) / 2; box.y = -pad - (box.h - natural.h) / 2;
    full = { x: 0, y: 0, width: full.width, height: full.height };
    setBox();
  }
  // a big graph opens at a zoom where its 12px text reads at 10px or more, on the current
  // step (or the output); "fit all" shows it whole, and stepping pans to keep the step in view
  var READ = 1.2;  // svg units per screen pixel at most when the page opens
  function target() {
    var s = k > 0 && (L || k < steps.length) ? steps[k - 1] : L ? steps[0] : null;  // all done: the output
    var ids = s ? (L ? s.units : [s.unit]) : [data.root in boxes ? data.root : unitOf(data.root)];
    return ids.filter(function (u) { return boxes[u]; });
  }
  function extent(ids) {
    var r = null;
    ids.forEach(function (u) {
      var b = boxes[u].el.getBBox();
      if (!r) r = { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height };
      else r = { x0: Math.min(r.x0, b.x), y0: Math.min(r.y0, b.y),
        x1: Math.max(r.x1, b.x + b.width), y1: Math.max(r.y1, b.y + b.height) };
    });
    return r;
  }
  function centre(r) {  // ... but no blank beyond the graph's edges when it is bigger than the view
    var pad = 10;
    box.x = (r.x0 + r.x1) / 2 - box.w / 2; box.y = (r.y0 + r.y1) / 2 - box.h / 2;
    if (full.width + 2 * pad > box.w) box.x = Math.min(Math.max(box.x, -pad), full.width + pad - box.w);
    if (full.height + 2 * pad > box.h) box.y = Math.min(Math.max(box.y, -pad), full.height + pad - box.h);
  }
  function opening() {
    fit();
    var W = Math.max(viewport.clientWidth, 1), H = Math.max(viewport.clientHeight, 1);
    var r = extent(target());
    if (box.w / W > READ && r) {
      box.w = W * READ; box.h = H * READ;
      centre(r);
      setBox();
    }
    viewport.setAttribute("data-scale", (W / box.w).toFixed(3));
  }
  function follow() {  // pan (never zoom) so the current step's boxes are in view
    var r = extent(target()), pad = 20;
    if (!r) return;
    if (r.x0 >= box.x && r.y0 >= box.y && r.x1 <= box.x + box.w && r.y1 <= box.y + box.h) return;
    var wide = r.x1 - r.x0 + 2 * pad > box.w, tall = r.y1 - r.y0 + 2 * pad > box.h;
    if (wide || tall) centre(r);
    else {
      box.x = Math.min(Math.max(box.x, r.x1 + pad - box.w), r.x0 - pad);
      box.y = Math.min(Math.max(box.y, r.y1 + pad - box.h), r.y0 - pad);
    }
    setBox();
  }
  full = { x: full.x, y: full.y, width: full.width, height: full.height };
  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = viewport.getBoundingClientRect(), f = Math.exp(e.deltaY * 0.0015);
    var px = box.x + (e.clientX - r.left) / r.width * box.w, py = box.y + (e.clientY - r.top) / r.height * box.h;
    box.w *= f; box.h *= f;
    box.x = px - (px - box.x) * f; box.y = py - (py - box.y) * f;
    setBox();
    viewport.setAttribute("data-scale", (r.width / box.w).toFixed(3));
  }, { passive: false });
  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.target.closest && e.target.closest("[data-node]")) return;
    drag = { x: e.clientX, y: e.clientY, bx: box.x, by: box.y };
    viewport.classList.add("cr-dragging");
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var r = viewport.getBoundingClientRect();
    box.x = drag.bx - (e.clientX - drag.x) / r.width * box.w;
    box.y = drag.by - (e.clientY - drag.y) / r.height * box.h;
    setBox();
  });
  window.addEventListener("pointerup", function () { drag = null; viewport.classList.remove("cr-dragging"); });
  viewport.addEventListener("click", function () {
    selected = null; markPaths(null);
    page.querySelectorAll(".cr-selected").forEach(function (x) { x.classList.remove("cr-selected"); });
  });
  $("zoom-fit").onclick = function () {
    fit();
    viewport.setAttribute("data-scale", (Math.max(viewport.clientWidth, 1) / box.w).toFixed(3));
  };
  window.addEventListener("resize", opening);

  opening();
  render();
  if (!data.quiz) show(data.root);
})();
