// chainrule explore, the quiz: each backward step asks for the gradient (with quiz="local",
// first each use's local derivative, then the gradient); a wrong answer is diagnosed (a missing
// use of a reused value, the activation's value for its derivative, a flipped sign) with a hint
// that points at the factor or path, not at the answer. Loaded after explore.js (page.crExplore).
// Text is only ever set with textContent.
(function () {
  "use strict";
  var page = document.currentScript.parentElement;
  var ex = page.crExplore;
  if (!ex || !ex.data.quiz) return;
  var data = ex.data, steps = data.steps, $ = ex.role, fmt = ex.fmt, num = ex.num, el = ex.el;
  var local = data.quiz === "local";
  var phase = {};  // step index -> index of the use whose local derivative is asked next
  var tries = {};  // question key -> wrong tries so far
  var score = { right: 0, asked: 0 };
  var MAX_TEXT = 60;
  var MAX_LOCAL = 3;  // local derivatives asked per step: a weight of a batch has a use per sample

  function name(id) { return data.nodes[id] ? data.nodes[id].name : id; }
  function rootName() { return name(data.root); }

  // --- reading an answer: 0.5, -.5, 1e-3, 1/2, -3/4, ½, −2 (a minus sign) ---
  var VULGAR = { "½": 0.5, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 0.25, "¾": 0.75, "⅕": 0.2, "⅖": 0.4,
    "⅗": 0.6, "⅘": 0.8, "⅙": 1 / 6, "⅚": 5 / 6, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875 };
  function parse(text) {  // {value} or {error: what to say}
    var t = String(text).trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (!t) return { error: "Type a number first, such as 0.5, -3/4 or 1e-3." };
    if (t.length > MAX_TEXT) return { error: "That is too long to be a number: type at most " + MAX_TEXT + " characters." };
    var m = /^([-+]?)(\d*)([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])$/.exec(t);
    if (m) return { value: (m[1] === "-" ? -1 : 1) * (Number(m[2] || 0) + VULGAR[m[3]]) };
    if (/^[-+]?(nan|inf|infinity)$/i.test(t)) return { value: num(t.replace(/^\+/, "").toLowerCase().replace("infinity", "inf")) };
    var NUM = "[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?";
    var f = new RegExp("^(" + NUM + ")/(" + NUM + ")$", "i").exec(t);
    if (f) {
      var d = Number(f[4]);
      if (d === 0) return { error: "Dividing by 0 gives no number: try another fraction." };
      return { value: Number(f[1]) / d };
    }
    if (new RegExp("^" + NUM + "$", "i").test(t)) return { value: Number(t) };
    return { error: "\"" + t.slice(0, 20) + (t.length > 20 ? "…" : "") + "\" is not a number: type one such as 0.5, -3/4 or 1e-3." };
  }
  function close(x, want) {
    want = num(want);
    if (isNaN(want)) return isNaN(x);
    if (!isFinite(want)) return x === want;
    return Math.abs(x - want) <= 1e-3 * Math.max(1, Math.abs(want));
  }

  // --- what is asked ---
  function question(i) {  // {key, text, want, use (for a local derivative)}
    var s = steps[i], nm = name(s.node);
    var p = phase[i] || 0;
    var asked = Math.min(s.uses.length, MAX_LOCAL);
    if (local && p < asked) {
      var u = s.uses[p], c = name(u.by);
      return { key: i + ":" + p, use: u, want: u.local,
        text: "local derivative: d" + c + "/d" + nm + " = ?" +
          (s.uses.length > asked ? "   (use " + (p + 1) + " of the first " + asked + "; " + nm + " has " + s.uses.length + ")" :
            s.uses.length > 1 ? "   (use " + (p + 1) + " of " + s.uses.length + ")" : "") };
    }
    return { key: i + ":g", want: s.grad, text: "grad " + nm + " = d" + rootName() + "/d" + nm + " = ?" };
  }

  // --- diagnosis: which classic mistake an answer is, with a hint that points, not tells ---
  function subsets(n) {  // every non-empty strict subset of 0..n-1 (n <= 8)
    var out = [];
    for (var m = 1; m < (1 << n) - 1; m++) {
      var set = [];
      for (var j = 0; j < n; j++) if (m & (1 << j)) set.push(j);
      out.push(set);
    }
    return out;
  }
  function diagnose(i, q, x) {
    var s = steps[i], nm = name(s.node);
    if (q.use) {
      var u = q.use, c = name(u.by);
      if (u.activation && close(x, u.value) && !close(u.value, u.local))
        return ["activation value", "That is the value of " + c + ", not its slope. The local derivative " +
          "of an activation is its derivative at this input: look at the formula in the panel."];
      if (num(u.local) !== 0 && close(-x, u.local))
        return ["sign flip", "Check the sign: write d" + c + "/d" + nm + " from the formula in the panel, " +
          "keeping each minus sign (a subtraction or a negative input changes it)."];
      if (close(x, num(u.upstream) * num(u.local)) && !close(num(u.upstream), 1))
        return ["whole term", "That already multiplies by grad " + c + ": the local derivative is d" + c +
          "/d" + nm + " alone."];
      return null;
    }
    var terms = s.uses.map(function (u) { return num(u.upstream) * num(u.local); });
    if (terms.length > 1 && terms.length <= 8) {
      var sets = subsets(terms.length);
      for (var j = 0; j < sets.length; j++) {
        var sum = sets[j].reduce(function (a, t) { return a + terms[t]; }, 0);
        if (close(x, sum) && !close(sum, num(s.grad))) {
          var left = {}, order = [];
          s.uses.forEach(function (u, t) {
            if (sets[j].indexOf(t) >= 0) return;
            var c = name(u.by);
            if (!(c in left)) { left[c] = 0; order.push(c); }
            left[c]++;
          });
          var said = order.map(function (c) {
            return left[c] > 1 ? left[c] + " uses by " + c + " (" + c + " uses " + nm + " " + left[c] + " times)"
              : "the use by " + c;
          });
          return ["missing path", nm + " is used " + terms.length + " times, and every use adds a term. " +
            "Your sum leaves out " + said.join(" and ") + ": add grad " + order[0] + " × d" + order[0] + "/d" + nm +
            (terms.length - sets[j].length > 1 ? ", one term per use left out." : ".")];
        }
      }
    }
    for (var t = 0; t < s.uses.length; t++) {
      var u2 = s.uses[t];
      if (!u2.activation || close(u2.value, u2.local)) continue;
      var swapped = terms.reduce(function (a, v, w) { return a + (w === t ? num(u2.upstream) * num(u2.value) : v); }, 0);
      if (close(x, swapped))
        return ["activation value", "You multiplied by the value of " + name(u2.by) + " where its derivative " +
          "belongs: d" + name(u2.by) + "/d" + nm + " is the activation's slope (see the panel), not its output."];
    }
    if (num(s.grad) !== 0 && close(-x, s.grad)) {
      var negative = s.uses.some(function (u) { return num(u.upstream) < 0 || num(u.local) < 0; });
      return ["sign flip", "Right size, wrong sign: " + (negative ?
        "find the negative factor among grad × local in each term (the panel lists them) and keep its minus." :
        "no factor in the panel (grad × local for each use) is negative, so neither is their sum.")];
    }
    if (s.uses.length === 1 && close(x, s.uses[0].local) && !close(num(s.uses[0].upstream), 1))
      return ["missing upstream", "That is the local derivative alone: the chain rule multiplies it by grad " +
        name(s.uses[0].by) + "."];
    return null;
  }

  // --- checking ---
  function check() {
    var i = ex.step() - 1;
    if (i < 0 || ex.answered[i]) return;
    var q = question(i), fb = $("quiz-feedback"), res = $("quiz-result");
    var got = parse($("quiz-input").value);
    fb.setAttribute("data-mistake", "");
    if (got.error) { fb.textContent = got.error; fb.className = "cr-quiz-feedback"; return; }
    var x = got.value, first = !tries[q.key];
    if (close(x, q.want)) {
      if (first) score.right++;
      score.asked++;
      fb.textContent = "";
      if (q.use) {  // on to the next use, or the gradient itself
        phase[i] = (phase[i] || 0) + 1;
        res.textContent = "Right! d" + name(q.use.by) + "/d" + name(steps[i].node) + " = " + fmt(q.want) +
          ". Next: " + question(i).text.replace(" = ?", "") + ".";
        res.className = "cr-quiz-result cr-right";
        renderQuestion(i);
        ex.render();
        return;
      }
      ex.answered[i] = "Right! grad " + name(steps[i].node) + " = " + fmt(steps[i].grad) + " (the working is below).";
      ex.render();
      $("quiz-result").className = "cr-quiz-result cr-right";
      return;
    }
    tries[q.key] = (tries[q.key] || 0) + 1;
    var d = diagnose(i, q, x);
    fb.className = "cr-quiz-feedback cr-wrong";
    fb.setAttribute("data-mistake", d ? d[0] : "");
    var nm = name(steps[i].node), help = !steps[i].uses.length ?
      nm + " is the output, used by nothing: how much does " + nm + " move when " + nm + " itself is nudged? " +
        "That rate is the seed backward starts from." :
      "Build it from the panel: each use of " + nm + " gives grad(user) × local derivative; add them.";
    fb.textContent = "Not quite (" + fmt(x) + "). " + (d ? d[1] : help) +
      " Try again, or press 'show answer'.";
    renderScore();
  }
  function reveal() {
    var i = ex.step() - 1;
    if (i < 0 || ex.answered[i]) return;
    var q = question(i);
    if (!tries[q.key]) tries[q.key] = 1;
    score.asked++;
    ex.answered[i] = "The answer: grad " + name(steps[i].node) + " = " + fmt(steps[i].grad) + " (the working is below).";
    $("quiz-feedback").textContent = "";
    ex.render();
    $("quiz-result").className = "cr-quiz-result cr-wrong";
  }
  function refuse() {
    var fb = $("quiz-feedback");
    fb.className = "cr-quiz-feedback cr-wrong";
    fb.setAttribute("data-mistake", "");
    fb.textContent = "Answer this step first (or press 'show answer'): the next step would give it away.";
  }

  // --- drawing the quiz box and the panel a question needs ---
  function renderScore() {
    $("quiz-score").textContent = "score: " + score.right + " right first time, of " + score.asked + " answered";
  }
  var shown = null;  // the key of the question on screen
  function renderQuestion(i) {
    var q = question(i);
    if (q.key !== shown) { $("quiz-input").value = ""; shown = q.key; }
    $("quiz-question").textContent = q.text;
  }
  function render(s, k) {
    var i = k - 1;
    renderQuestion(i);
    var res = $("quiz-result");
    if (ex.answered[i]) { res.textContent = ex.answered[i]; $("quiz-feedback").textContent = ""; }
    else if (!(phase[i] > 0) || !/^Right!/.test(res.textContent)) { res.textContent = ""; res.className = "cr-quiz-result"; }
    $("quiz-input").disabled = $("quiz-check").disabled = $("quiz-reveal").disabled = !!ex.answered[i];
    renderScore();
  }
  function panel(s) {  // the factors the open question needs: each use's grad and local slope
    var D = ex.details, i = steps.indexOf(s), q = question(i), nm = name(s.node);
    D.appendChild(el("h2", nm));
    D.appendChild(el("p", "The question is open: here is what it needs.", "cr-hint"));
    if (!s.uses.length) {
      D.appendChild(el("p", nm + " is the output: its gradient is d" + nm + "/d" + nm + ", the seed.", "cr-math"));
      return;
    }
    D.appendChild(el("h3", "its uses"));
    s.uses.forEach(function (u, j) {
      var c = name(u.by), asking = q.use && (phase[i] || 0) === j;
      var lines = [c + " = " + u.expr];
      lines.push("grad " + c + " = " + fmt(u.upstream));
      if (asking) lines.push("local: " + u.formula_open);  // the formula without its number
      else if (!q.use || j < (phase[i] || 0) || j >= MAX_LOCAL) lines.push("local: " + u.formula);
      else lines.push("local: (asked after the current one)");
      D.appendChild(el("p", lines.join("\n"), "cr-math"));
    });
    if (!q.use) D.appendChild(el("p", "grad " + nm + " = sum over its uses of grad(user) × local.", "cr-hint"));
  }

  $("quiz-check").onclick = check;
  $("quiz-reveal").onclick = reveal;
  ex.quiz = { render: render, panel: panel, check: check, refuse: refuse, parse: parse };
  ex.render();
})();
