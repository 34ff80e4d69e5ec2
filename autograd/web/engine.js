// chainrule's engine in the page: runs a program written by autograd.web (a graph, its nodes in
// the Python engine's topological order) forward and backward with the very float operations of
// autograd/graph.py, so every value and gradient agrees with Python's. No libraries, no network.
// It works as a classic script (a script tag) or pasted into an ES module: it only sets globalThis.chainrule.
// The ops' own code is generated from the op table (autograd/ops.py) and loaded after this file;
// the API is described in autograd/web/__init__.py and docs/web.md.
(function () {
  "use strict";
  const chainrule = globalThis.chainrule || (globalThis.chainrule = {});
  if (chainrule.Program) return;  // loaded already: keep the one the ops were given to
  const ops = chainrule.ops || (chainrule.ops = {});  // op name -> (inputs...) => [out, [locals]]

  // --- errors: where Python raises, the page gets the same message ---

  // An op refused its input (log of -1, division by 0, an overflow): kind is the Python
  // exception's name, message its text; node and label say where, once the program knows.
  class OpError extends Error {
    constructor(kind, message) {
      super(message);
      this.name = "OpError";
      this.kind = kind;
      this.node = -1;
      this.label = "";
    }
  }
  function fail(kind, message) { return new OpError(kind, message); }

  // Python's repr of a float: the shortest digits that read back as the same float, written
  // as Python writes them (1.0, 1e-05, 1.2345678901234567e+16, -0.0, inf, nan).
  function repr(x) {
    if (x !== x) return "nan";
    if (x === Infinity || x === -Infinity) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const parts = x.toExponential().split("e");  // shortest round-trip digits, as Python's
    const sign = x < 0 ? "-" : "";
    const digits = parts[0].replace("-", "").replace(".", "");
    const exp = Number(parts[1]);
    if (exp < -4 || exp >= 16) {
      const mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return sign + whole + "." + (digits.slice(exp + 1) || "0");
  }

  // A number from a program's JSON (non-finite ones are the strings "nan", "inf", "-inf").
  function number(x) {
    if (typeof x === "number") return x;
    if (x === "nan") return NaN;
    if (x === "inf") return Infinity;
    if (x === "-inf") return -Infinity;
    throw new TypeError("chainrule: not a number in the program: " + JSON.stringify(x));
  }

  // The generated ops script calls this with its factory, which gets fail and repr, and broken
  // for a user's op whose JavaScript does not even compile (the op is then missing, and why).
  const brokenOps = {};
  function broken(name, e) { brokenOps[name] = String(e); return null; }
  function defineOps(factory) { Object.assign(ops, factory(fail, repr, broken)); }

  // --- a program: forward and backward over its nodes ---

  class Program {
    constructor(json) {
      if (!json || json.format !== "chainrule-program/1") {
        throw new TypeError("chainrule.Program: expected a program from autograd.web.program()");
      }
      const n = json.nodes.length;
      const consts = json.consts.map(number);
      this.size = n;
      this.root = json.root;
      this.leaves = json.leaves.map((i, j) => ({ index: i, label: json.labels[j] }));
      this.fn = new Array(n).fill(null);  // each op node's function; null for a leaf
      this.inputs = new Array(n);  // each node's input indices; -1 where a constant sits
      this.args = new Array(n);  // each op node's arguments, constants filled in once
      const missing = new Set(json.missing || []);
      json.ops.forEach((name) => { if (!ops[name]) missing.add(name); });
      this.missing = [...missing];
      // Read-only (forward and backward refuse) when an op has no JavaScript form.
      this.editable = this.missing.length === 0;
      this.why = this.missing.map((m) => "the op " + JSON.stringify(m) + (brokenOps[m]
        ? "'s JavaScript form does not run (" + brokenOps[m] + ")"
        : " has no JavaScript form (define_op(..., js=...))")).join("; ") +
        (this.editable ? "" : ", so this page cannot recompute the graph");
      this.opNames = new Array(n).fill("");  // each node's op ("" for a leaf)
      json.nodes.forEach((row, i) => {
        const ins = row.slice(1);
        this.inputs[i] = ins.map((j) => (j >= 0 ? j : -1));
        if (row[0] < 0) return;
        this.opNames[i] = json.ops[row[0]];
        this.fn[i] = ops[this.opNames[i]] || null;
        this.args[i] = ins.map((j) => (j >= 0 ? 0 : consts[-j - 1]));
      });
      this.start = Float64Array.from(json.values, number);  // the values Python recorded
      this.values = Float64Array.from(this.start);
      this.grads = new Float64Array(n);
      this.locals = new Array(n).fill(null);  // d node / d input_j, per input, from forward
      this.ready = false;  // forward has run on the current values
      this.recorded = json.grads ? Float64Array.from(json.grads, number) : null;
      this._scratch = new Float64Array(n);
    }

    // Node index of a leaf given by its label or its node index.
    leaf(which) {
      if (typeof which === "number") {
        if (this.leaves.some((l) => l.index === which)) return which;
        throw new RangeError("chainrule: node " + which + " is not a leaf of this program");
      }
      const found = this.leaves.filter((l) => l.label === which);
      if (found.length === 1) return found[0].index;
      throw new RangeError("chainrule: " + (found.length ? found.length + " leaves are" : "no leaf is") +
        " labelled " + JSON.stringify(which) + "; give the node index instead");
    }

    // Set a leaf's value; forward() then recomputes everything that depends on it.
    set(which, x) {
      if (typeof x !== "number") throw new TypeError("chainrule: a leaf's value must be a number");
      this.values[this.leaf(which)] = x;
      this.ready = false;
    }
    get(i) { return this.values[i]; }
    grad(i) { return this.grads[i]; }
    leafGrad(which) { return this.grads[this.leaf(which)]; }
    local(i) { return this.locals[i]; }
    get output() { return this.values[this.root]; }

    // Every op node's value and local derivatives from its inputs, in order; returns the
    // output. On an OpError (annotated with the node) no value has changed.
    forward() {
      if (!this.editable) throw new Error("chainrule: " + this.why);
      const v = this._scratch, fn = this.fn, inputs = this.inputs, args = this.args;
      const locals = new Array(this.size);
      v.set(this.values);
      for (let i = 0; i < this.size; i++) {
        const f = fn[i];
        if (f === null) continue;  // a leaf keeps its value
        const ins = inputs[i], a = args[i];
        for (let j = 0; j < ins.length; j++) if (ins[j] >= 0) a[j] = v[ins[j]];
        let r;
        try {
          r = f(...a);
        } catch (e) {
          if (e && e.name === "OpError") { e.node = i; e.label = this.labelOf(i); }
          throw e;
        }
        v[i] = r[0];
        locals[i] = r[1];
      }
      this._scratch = this.values;
      this.values = v;
      this.locals = locals;
      this.ready = true;
      return v[this.root];
    }

    // d output / d node into grads, from the root down as graph.backward goes:
    // grad(input) += local * grad(node), input by input, node by node in reverse order.
    backward(seed) {
      if (!this.ready) this.forward();
      const g = this.grads, fn = this.fn, inputs = this.inputs, locals = this.locals;
      g.fill(0);
      g[this.root] = seed === undefined ? 1 : seed;
      for (let i = this.size - 1; i >= 0; i--) {
        if (fn[i] === null) continue;
        const gi = g[i], ins = inputs[i], d = locals[i];
        for (let j = 0; j < ins.length; j++) {
          const p = ins[j];
          if (p >= 0) g[p] += d[j] * gi;
        }
      }
      return g;
    }

    // Set leaves ([[label or index, value], ...]), then forward and backward; returns the
    // output. If an op refuses, the leaves are put back (values and grads stay as they were)
    // and its OpError is thrown.
    run(changes) {
      const old = [], wasReady = this.ready;
      try {
        for (const [which, x] of changes || []) {
          const i = this.leaf(which);
          old.push([i, this.values[i]]);
          this.set(i, x);
        }
        const out = this.forward();
        this.backward();
        return out;
      } catch (e) {
        old.reverse().forEach(([i, x]) => { this.values[i] = x; });
        this.ready = wasReady;  // the last forward's numbers hold for the old leaves
        throw e;
      }
    }

    // Back to the values Python recorded (and their gradients).
    reset() {
      this.values.set(this.start);
      this.forward();
      this.backward();
    }

    // The first node where this engine disagrees with the values (and grads) Python recorded,
    // beyond rel relative error, or null: what a page checks before it lets anyone edit.
    // Leaves the program at the recorded leaf values.
    check(rel) {
      rel = rel === undefined ? 1e-12 : rel;
      const values = Float64Array.from(this.values);
      this.values.set(this.start);
      try {
        this.forward();
        this.backward();
      } catch (e) {
        this.values.set(values);
        this.ready = false;
        return { node: e.node, what: "value", message: e.message };
      }
      const bad = (x, y) => !(x === y || (x !== x && y !== y) ||
        Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y)));
      for (let i = 0; i < this.size; i++) {
        if (bad(this.values[i], this.start[i])) {
          return { node: i, what: "value", python: this.start[i], page: this.values[i] };
        }
        if (this.recorded && bad(this.grads[i], this.recorded[i])) {
          return { node: i, what: "grad", python: this.recorded[i], page: this.grads[i] };
        }
      }
      return null;
    }

    labelOf(i) {
      const l = this.leaves.find((x) => x.index === i);
      return l ? l.label : "";
    }
  }

  Object.assign(chainrule, { Program, OpError, defineOps, repr, number, fail });
})();
