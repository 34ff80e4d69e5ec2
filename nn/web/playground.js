// chainrule playground: a model on 2-D points, trained in the page (nn.playground).
// The arithmetic is autograd.web's engine (loaded before this file); this file draws and steps.
// render({model, el}) is the anywidget entry; standalone(el, spec) serves a saved page, where
// there is no kernel and the weights leave by copy or download instead.
// Hooks: data-role = train-step, train-play, reset, lr, loss (data-value), weights (data-json),
// boundary, message, grads, copy, download.

const BLUE = [33, 102, 172]; // positive (TF Playground's colours, colour-blind safe)
const ORANGE = [230, 120, 30]; // negative
const CLASSES = [ORANGE, BLUE, [46, 125, 50], [123, 31, 162], [85, 85, 85]]; // as the CSS's points
const SVGNS = "http://www.w3.org/2000/svg";
const SYNC_MS = 250; // while playing, the kernel hears about the weights at most this often
const RATE = 60; // steps a second while playing
const STEP_BUDGET = 12; // ms of stepping a frame at most, so the page stays responsive

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function s(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(3) : x.toFixed(4);
}

// a value in [-1, 1] as a colour: orange below 0, white at 0, blue above
function shade(t) {
  const c = t >= 0 ? BLUE : ORANGE;
  const k = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * k, 255 + (c[1] - 255) * k, 255 + (c[2] - 255) * k];
}

function rgb(c) {
  return `rgb(${c.map(Math.round).join(",")})`;
}

// --- the model: parameters, one training step, the plane's outputs ---

// One of the spec's programs on chainrule.Program (autograd.web's engine): its leaves given
// as a flat array (node index per entry, -1 for a leaf the graph does not reach), its outputs
// read by node index. An op the engine refuses throws its OpError, with Python's message.
class Runner {
  constructor(part) {
    this.program = new chainrule.Program(part.program);
    if (!this.program.editable) throw new Error(this.program.why);
    this.leaves = part.leaves;
    this.outs = part.outputs;
    this.outputs = part.outputs.length;
  }

  load(values, from) {
    const leaves = this.leaves;
    for (let i = from || 0; i < leaves.length; i++) if (leaves[i] >= 0) this.program.set(leaves[i], values[i]);
  }

  grads(values) {
    this.load(values);
    this.program.forward();
    this.program.backward();
    return Float64Array.from(this.leaves, (i) => (i >= 0 ? this.program.grad(i) : 0));
  }

  // the outputs at a point (x1, x2), the other leaves as last loaded
  at(x1, x2) {
    const p = this.program;
    if (this.leaves[0] >= 0) p.set(this.leaves[0], x1);
    if (this.leaves[1] >= 0) p.set(this.leaves[1], x2);
    p.forward();
    return this.outs.map((i) => p.get(i));
  }
}

class Trainer {
  constructor(spec) {
    this.spec = spec;
    this.init = Float64Array.from(spec.init);
    this.params = Float64Array.from(spec.init);
    this.grads = new Float64Array(spec.init.length);
    this.notes = [];
    const make = (part, what) => {
      if (!part) return null;
      try {
        return new Runner(part);
      } catch (err) {
        this.notes.push(`The page cannot ${what}: ${err.message}.`);
        return null;
      }
    };
    this.train = make(spec.train, "train this model");
    this.probe = make(spec.probe, "draw the model's outputs");
    this.reset();
  }

  // the model's weights, their loss and gradients, no history
  reset() {
    this.params = Float64Array.from(this.init);
    this.grads = new Float64Array(this.init.length);
    this.steps = 0;
    this.history = [];
    this.loss = NaN;
    if (this.train) {
      this.grads = this.train.grads(this.params);
      this.loss = this.train.program.output;
      this.history.push(this.loss);
    }
  }

  // p.data -= lr * p.grad with the gradients of zero_grad(); loss.backward() at the current
  // weights (kept from the last step), then the loss and gradients at the new weights - or,
  // when that would make the loss (or a weight) non-finite, nothing at all and the reason
  step(lr) {
    let grads, loss = NaN, bad = -1, refused = "";
    const next = new Float64Array(this.params.length);
    for (let i = 0; i < next.length; i++) next[i] = this.params[i] - lr * this.grads[i];
    bad = next.findIndex((v) => !Number.isFinite(v));
    if (bad < 0) {
      try {
        grads = this.train.grads(next);
        loss = this.train.program.output;
      } catch (err) {
        refused = err.message;
      }
    }
    if (!Number.isFinite(loss)) {
      const what = refused ? `an op fail (${refused})` : bad >= 0
        ? `the weight ${this.spec.names[bad]} ${next[bad]}` : `the loss ${loss}`;
      return `Step ${this.steps + 1} would make ${what}: training stopped, and the weights are ` +
        `still those of step ${this.steps}. Lower the learning rate (now ${lr}) or reset.`;
    }
    this.params = next;
    this.grads = grads;
    this.loss = loss;
    this.steps += 1;
    this.history.push(loss);
    return "";
  }

  stateDict() {
    const out = {};
    this.spec.names.forEach((n, i) => { out[n] = this.params[i]; });
    return out;
  }

  // every probed output at every cell of the plane: out[k][j * grid + i], gy outer, gx inner
  plane() {
    if (!this.probe) return null;
    const { grid, box } = this.spec;
    const outs = this.probe.outputs;
    const planes = Array.from({ length: outs }, () => new Float64Array(grid * grid));
    const leaves = new Float64Array(2 + this.params.length);
    leaves.set(this.params, 2);
    this.probe.load(leaves, 2);
    for (let j = 0; j < grid; j++) {
      const x2 = box[3] + (box[2] - box[3]) * j / (grid - 1); // top row first
      for (let i = 0; i < grid; i++) {
        const vals = this.probe.at(box[0] + (box[1] - box[0]) * i / (grid - 1), x2);
        for (let k = 0; k < outs; k++) planes[k][j * grid + i] = vals[k];
      }
    }
    return planes;
  }
}

// --- drawing ---

function heat(canvas, values, grid, scale) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(grid, grid);
  for (let p = 0; p < values.length; p++) {
    const c = shade(scale ? values[p] / scale : 0);
    img.data.set([c[0], c[1], c[2], 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}

// several classes: each cell tinted with its winning class's colour (the points' colours)
function regions(canvas, win, grid) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(grid, grid);
  for (let p = 0; p < win.length; p++) {
    const c = CLASSES[Math.min(win[p], CLASSES.length - 1)];
    img.data.set([255 + (c[0] - 255) * 0.4, 255 + (c[1] - 255) * 0.4, 255 + (c[2] - 255) * 0.4, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}

function maxAbs(xs) {
  let m = 0;
  for (const x of xs) if (Number.isFinite(x)) m = Math.max(m, Math.abs(x));
  return m;
}

// marching squares: the line where the score crosses the threshold, as an SVG path in [0, 1]²
function contour(values, grid, threshold) {
  const v = (i, j) => values[j * grid + i] - threshold;
  const at = (a, b) => a / (a - b);
  const n = grid - 1;
  let d = "";
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const c = [v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1)];
      const pts = [];
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      for (let e = 0; e < 4; e++) {
        const a = c[e], b = c[(e + 1) % 4];
        if ((a > 0) !== (b > 0)) {
          const t = at(a, b), p = corners[e], q = corners[(e + 1) % 4];
          pts.push([(p[0] + t * (q[0] - p[0])) / n, (p[1] + t * (q[1] - p[1])) / n]);
        }
      }
      for (let k = 0; k + 1 < pts.length; k += 2) {
        d += `M${pts[k][0].toFixed(4)} ${pts[k][1].toFixed(4)}L${pts[k + 1][0].toFixed(4)} ${pts[k + 1][1].toFixed(4)}`;
      }
    }
  }
  return d;
}

// with several classes: the cell edges where the winning class changes
function classEdges(planes, grid) {
  const win = new Int32Array(grid * grid);
  for (let p = 0; p < win.length; p++) {
    let best = 0;
    for (let k = 1; k < planes.length; k++) if (planes[k][p] > planes[best][p]) best = k;
    win[p] = best;
  }
  const n = grid - 1, c = (x) => (x / n).toFixed(4);
  let d = "";
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      const w = win[j * grid + i];
      if (i + 1 < grid && win[j * grid + i + 1] !== w) d += `M${c(i + 0.5)} ${c(j - 0.5)}L${c(i + 0.5)} ${c(j + 0.5)}`;
      if (j + 1 < grid && win[(j + 1) * grid + i] !== w) d += `M${c(i - 0.5)} ${c(j + 0.5)}L${c(i + 0.5)} ${c(j + 0.5)}`;
    }
  }
  return { win, d };
}

// --- the page ---

function render({ model, el }) {
  const spec = JSON.parse(model.get("spec"));
  const live = model.live !== false;
  const root = h("div", { class: "crp" });
  el.append(root);
  let trainer;
  try {
    trainer = new Trainer(spec);
  } catch (err) {
    root.append(h("p", { class: "crp-message", "data-role": "message" },
      `The playground cannot run this model in the page: ${err.message}`));
    return;
  }
  let lr = spec.lr, playing = false, showGrads = false, lastSync = 0, timer = 0, owed = 0, lastFrame = 0;

  // controls
  const play = h("button", { "data-role": "train-play", title: "train (space)" }, "▶ play");
  const stepButton = h("button", { "data-role": "train-step", title: "one step" }, "step");
  const reset = h("button", { "data-role": "reset", title: "back to the model's weights" }, "reset");
  const lrInput = h("input", { "data-role": "lr", value: String(lr), size: "7", "aria-label": "learning rate" });
  const gradBox = h("input", { type: "checkbox", "data-role": "grads" });
  const stepText = h("span", { class: "crp-steps" }, "step 0");
  const lossText = h("span", { class: "crp-loss", "data-role": "loss" });
  const message = h("p", { class: "crp-message", "data-role": "message", role: "status" });
  const notes = h("div", { class: "crp-notes" }, ...[...spec.notes, ...trainer.notes].map((n) => h("p", {}, n)));
  const bar = h("div", { class: "crp-bar" }, play, stepButton, reset,
    h("label", {}, "learning rate ", lrInput),
    h("label", { title: "edges show each weight's gradient instead of the weight" }, gradBox, " show gradients"),
    stepText, lossText);
  if (!trainer.train) for (const b of [play, stepButton, reset, lrInput]) b.disabled = true;

  // the network: edges in an SVG, each neuron a small heat map
  const netBox = h("div", { class: "crp-net" });
  const edges = [];
  const cells = [];
  const legend = h("p", { class: "crp-hint" });
  if (spec.network) drawNetwork();
  else netBox.append(h("p", { class: "crp-hint" }, "(network not drawn)"));

  // the data plane, with the output's heat map, the points and the boundary
  const side = 320;
  const plane = h("canvas", { width: spec.grid, height: spec.grid, class: "crp-plane" });
  const overlay = s("svg", { viewBox: "0 0 1 1", preserveAspectRatio: "none", class: "crp-overlay" });
  const boundary = s("path", { "data-role": "boundary", class: "crp-boundary", "vector-effect": "non-scaling-stroke" });
  overlay.append(boundary);
  const [x0, x1, y0, y1] = spec.box;
  spec.points.forEach((p, i) => {
    const t = spec.labels[i];
    const cls = spec.classes > 1 ? t : (t > spec.threshold ? 1 : 0);
    overlay.append(s("ellipse", {
      cx: (p[0] - x0) / (x1 - x0), cy: (y1 - p[1]) / (y1 - y0), rx: 4 / side, ry: 4 / side,
      class: `crp-point crp-class${Math.min(cls, 5)}`, "vector-effect": "non-scaling-stroke",
    }));
  });
  const planeBox = h("div", { class: "crp-planebox", style: `width:${side}px;height:${side}px` }, plane, overlay);
  const axes = h("p", { class: "crp-hint" },
    `x₁ from ${fmt(x0)} to ${fmt(x1)} →, x₂ from ${fmt(y0)} to ${fmt(y1)} ↑; ` +
    (spec.classes > 1 ? "colours: the winning class" : `blue: score > ${spec.threshold}, orange: below`));

  // the loss curve
  const curve = s("svg", { viewBox: "0 0 300 100", class: "crp-curve", preserveAspectRatio: "none" });
  const curveLine = s("polyline", { class: "crp-curve-line", "vector-effect": "non-scaling-stroke" });
  curve.append(curveLine);
  const curveText = h("p", { class: "crp-hint" });

  // the weights, out of the page
  const weights = h("details", { class: "crp-weights", "data-role": "weights" });
  const jsonText = h("textarea", { readonly: "", rows: "6", spellcheck: "false", "aria-label": "weights as JSON" });
  const copy = h("button", { "data-role": "copy" }, "copy JSON");
  const download = h("a", { "data-role": "download", download: "weights.json", class: "crp-button" }, "download");
  const sync = h("p", { class: "crp-hint" }, live
    ? "Synced to Python: pg.state_dict() reads these weights, pg.apply() loads them into the model."
    : "No Python kernel here: copy or download the JSON, then model.load_state_dict(json.load(f)).");
  weights.append(h("summary", {}, "weights (model.state_dict() as JSON)"), h("div", { class: "crp-row" }, copy, download), sync, jsonText);

  root.append(bar, message, notes, h("div", { class: "crp-main" },
    h("div", { class: "crp-col" }, h("h3", {}, "network"), netBox, spec.network ? legend : ""),
    h("div", { class: "crp-col" }, h("h3", {}, "data and decision boundary"), planeBox, axes,
      h("h3", {}, "loss"), curve, curveText)), weights);

  function drawNetwork() {
    const layers = spec.network.layers;
    const cols = [2, ...layers.map((l) => l.length)];
    const size = 40, gapX = 90, gapY = 12;
    const tall = Math.max(...cols) * (size + gapY);
    const width = (cols.length - 1) * gapX + size + 60;
    const svg = s("svg", { width, height: tall, class: "crp-edges" });
    const pos = cols.map((n, c) => Array.from({ length: n }, (_, r) => [
      30 + c * gapX, (tall - n * (size + gapY)) / 2 + r * (size + gapY) + gapY / 2]));
    netBox.style.width = `${width}px`;
    netBox.style.height = `${tall}px`;
    layers.forEach((layer, c) => layer.forEach((neuron, r) => {
      const [tx, ty] = pos[c + 1][r];
      neuron.w.forEach((pi, k) => {
        const [fx, fy] = pos[c][k];
        const a = fx + size, b = fy + size / 2, z = ty + size / 2, m = (a + tx) / 2;
        const path = s("path", { d: `M${a} ${b}C${m} ${b} ${m} ${z} ${tx} ${z}`, class: "crp-edge", "data-param": spec.names[pi] });
        const title = s("title");
        path.append(title);
        svg.append(path);
        edges.push({ path, title, index: pi });
      });
    }));
    netBox.append(svg);
    const names = [["x₁", null], ["x₂", null]];
    let probeIndex = 0;
    cols.forEach((n, c) => {
      for (let r = 0; r < n; r++) {
        const canvas = h("canvas", { width: spec.grid, height: spec.grid });
        const [x, y] = pos[c][r];
        const cell = h("div", { class: "crp-neuron", style: `left:${x}px;top:${y}px;width:${size}px;height:${size}px` }, canvas);
        const label = c === 0 ? names[r][0] : "";
        if (label) cell.append(h("span", { class: "crp-input-label" }, label));
        netBox.append(cell);
        if (c === 0) cells.push({ canvas, input: r, cell });
        else {
          const neuron = layers[c - 1][r];
          cell.title = `layer ${c}, neuron ${r + 1} (${neuron.act})`;
          cells.push({ canvas, probe: probeIndex++, cell, neuron });
        }
      }
    });
  }

  function drawEdges() {
    legend.textContent = (showGrads
      ? "Edges: each weight's gradient, coloured as −grad (the way the next step moves it), as wide as |grad|."
      : "Edges: the weights, blue > 0, orange < 0, as wide as |w|.") +
      " Each square: that neuron's output over the plane (axes as in the data plot). Hover for numbers.";
    const vals = showGrads ? trainer.grads : trainer.params;
    const scale = maxAbs(edges.map((e) => vals[e.index])) || 1;
    for (const e of edges) {
      const w = trainer.params[e.index], g = trainer.grads[e.index], v = vals[e.index];
      // the gradient view shows -grad: the way the next step moves the weight
      const shown = showGrads ? -v : v;
      e.path.setAttribute("stroke", rgb(shade(shown >= 0 ? 1 : -1)));
      e.path.setAttribute("stroke-width", (0.5 + 5 * Math.abs(v) / scale).toFixed(2));
      e.title.textContent = `${spec.names[e.index]} = ${fmt(w)}, grad ${fmt(g)}`;
    }
  }

  function drawPlane() {
    const planes = trainer.plane();
    if (!planes) return;
    const n = spec.grid;
    for (const c of cells) {
      let values;
      if (c.input !== undefined) {
        values = new Float64Array(n * n);
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          values[j * n + i] = c.input === 0 ? x0 + (x1 - x0) * i / (n - 1) : y1 + (y0 - y1) * j / (n - 1);
        }
      } else values = planes[c.probe];
      heat(c.canvas, values, n, maxAbs(values));
    }
    const outs = planes.slice(planes.length - spec.classes);
    if (spec.classes > 1) {
      const { win, d } = classEdges(outs, n);
      regions(plane, win, n);
      boundary.setAttribute("d", d);
    } else {
      const centred = outs[0].map((v) => v - spec.threshold);
      heat(plane, centred, n, maxAbs(centred));
      boundary.setAttribute("d", contour(outs[0], n, spec.threshold));
    }
  }

  function drawCurve() {
    const hist = trainer.history;
    const top = maxAbs(hist) || 1;
    const n = Math.max(hist.length - 1, 1);
    curveLine.setAttribute("points", hist.map((v, i) => `${(300 * i / n).toFixed(2)},${(100 - 96 * v / top).toFixed(2)}`).join(" "));
    curveText.textContent = hist.length ? `from ${fmt(hist[0])} at step 0 to ${fmt(hist[hist.length - 1])} at step ${trainer.steps}` : "";
  }

  function drawNumbers() {
    stepText.textContent = `step ${trainer.steps}`;
    lossText.textContent = trainer.train ? `loss ${fmt(trainer.loss)}` : "loss: not computed";
    lossText.setAttribute("data-value", String(trainer.loss));
    const sd = trainer.stateDict();
    const json = JSON.stringify(sd);
    weights.setAttribute("data-json", json);
    jsonText.value = json;
    download.setAttribute("href", "data:application/json;charset=utf-8," + encodeURIComponent(json));
  }

  function draw() {
    drawNumbers();
    drawCurve();
    drawEdges();
    drawPlane();
  }

  function send(force) {
    if (!live) return;
    const now = Date.now();
    if (!force && now - lastSync < SYNC_MS) return;
    lastSync = now;
    model.set("weights", trainer.stateDict());
    model.set("steps", trainer.steps);
    model.save_changes();
  }

  function say(text, error = true) {
    message.textContent = text;
    message.classList.toggle("crp-error", error && text !== "");
  }

  function oneStep() {
    const why = trainer.step(lr);
    if (why) {
      pause();
      say(why);
      return false;
    }
    return true;
  }

  function pause() {
    playing = false;
    play.textContent = "▶ play";
    play.classList.remove("crp-on");
    cancelAnimationFrame(timer);
    send(true);
  }

  // the last step's and the last redraw's time in ms, on the root (data-step-ms, data-draw-ms)
  function timed(what, f) {
    const t = performance.now();
    const out = f();
    root.setAttribute(`data-${what}-ms`, (performance.now() - t).toFixed(2));
    return out;
  }

  // Playing: RATE steps a second, whatever a redraw costs (a slow frame takes the steps it
  // owes, within STEP_BUDGET ms), then one redraw per animation frame.
  function loop(now) {
    if (!playing) return;
    owed = Math.min(owed + (lastFrame ? (now - lastFrame) * RATE / 1000 : 1), RATE / 4);
    lastFrame = now;
    const start = performance.now();
    let ok = true, taken = 0;
    while (ok && owed >= 1 && performance.now() - start < STEP_BUDGET) {
      ok = timed("step", oneStep);
      owed -= 1;
      taken += 1;
    }
    if (taken) {
      timed("draw", draw);
      send(false);
    }
    if (ok) timer = requestAnimationFrame(loop);
  }

  play.addEventListener("click", () => {
    if (playing) return pause();
    say("");
    playing = true;
    owed = 0;
    lastFrame = 0;
    play.textContent = "❚❚ pause";
    play.classList.add("crp-on");
    timer = requestAnimationFrame(loop);
  });
  stepButton.addEventListener("click", () => {
    if (playing) pause();
    say("");
    timed("step", oneStep);
    timed("draw", draw);
    send(true);
  });
  reset.addEventListener("click", () => {
    pause();
    trainer.reset();
    say("");
    draw();
    send(true);
  });
  lrInput.addEventListener("change", () => {
    const text = lrInput.value.trim();
    const v = Number(text);
    if (text === "" || !Number.isFinite(v) || v <= 0) {
      lrInput.classList.add("crp-invalid");
      say(`The learning rate must be a number > 0 (got "${text}"); still using ${lr}.`);
      return;
    }
    lrInput.classList.remove("crp-invalid");
    lr = v;
    say("");
  });
  lrInput.addEventListener("keydown", (e) => { if (e.key === "Enter") lrInput.dispatchEvent(new Event("change")); });
  gradBox.addEventListener("change", () => { showGrads = gradBox.checked; drawEdges(); });
  copy.addEventListener("click", () => {
    jsonText.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (err) {
      ok = false;
    }
    say(ok ? "The weights are on the clipboard." : "This browser did not let the page copy: " +
      "the JSON below is selected, press Ctrl+C (⌘C).", false);
  });
  root.addEventListener("keydown", (e) => {
    if (e.key === " " && e.target.tagName !== "INPUT" && e.target.tagName !== "TEXTAREA" && trainer.train) {
      e.preventDefault();
      play.click();
    }
  });

  if (!trainer.train && !spec.notes.length) say("This model cannot be trained here.");
  draw();
  return () => pause();
}

// a saved page: no kernel, nothing to sync
function standalone(el, spec) {
  const text = JSON.stringify(spec);
  return render({ el, model: { live: false, get: () => text, set() {}, save_changes() {}, on() {} } });
}
