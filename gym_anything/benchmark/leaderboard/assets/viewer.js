// Trajectory viewer: position p shows frame p (frame 0 = after reset) with the action the agent took on it
// (step p + 1) drawn over it; the last position shows the final screen. What is drawn for each action type comes
// from data.overlays (the page's copy of gym_anything.actions.ACTION_KINDS' overlays): no type is named here.
// Every string from the run goes in through textContent or setAttribute, never as HTML.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("trajectory").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const img = $("frame"), marks = $("marks"), overlay = $("overlay"), slider = $("slider"), play = $("play");
  const last = Math.max(data.steps.length, data.frames.length - 1, 0);
  let position = 0, timer = null;

  function svg(tag, attrs, cls) {
    const node = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { if (attrs[k] !== "") node.setAttribute(k, String(attrs[k])); });
    if (cls) node.setAttribute("class", cls);
    marks.appendChild(node);
    return node;
  }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function label(text, x, y) {
    const tx = x === undefined ? 16 : clamp(x + 26, 8, data.width - 300);
    const ty = y === undefined ? 40 : clamp(y - 26, 30, data.height - 12);
    const box = svg("rect", { x: tx - 6, y: ty - 24, width: 10, height: 32, rx: 4 }, "label-box");
    const node = svg("text", { x: tx, y: ty, id: "label" }, "label");
    node.textContent = text;
    try {
      box.setAttribute("width", node.getBBox().width + 12);
    } catch (e) { /* not rendered: keep the small box */ }
    return node;
  }

  function circle(x, y, r, cls, id) { return svg("circle", { cx: x, cy: y, r: r, id: id || "" }, cls); }

  function arrow(x, y, x2, y2) {
    return svg("line", { x1: x, y1: y, x2: x2, y2: y2, id: "arrow", "marker-end": "url(#arrowhead)" }, "arrow");
  }

  function banner(text) {
    const node = svg("text", { x: data.width / 2, y: data.height / 2, "text-anchor": "middle", id: "banner" },
                     "banner");
    node.textContent = text;
  }

  function shown(text, max) {
    const flat = String(text).replace(/\n/g, "\u23CE").replace(/\t/g, "\u21E5");
    return max && flat.length > max ? flat.slice(0, max) + "\u2026" : flat;
  }

  // A text of the overlay table: literal strings and parts {field, before, skip, default, limit}.
  function fill(parts, action) {
    return (parts || []).map(function (part) {
      if (typeof part === "string") return part;
      let value = action[part.field];
      const missing = value === undefined || value === null || value === "";
      if ("skip" in part && (missing || value === part.skip)) return "";
      if (value === undefined || value === null) value = "default" in part ? part.default : "";
      if (Array.isArray(value)) value = value.join("+");
      return (part.before || "") + shown(value, part.limit);
    }).join("");
  }

  function number(v) { return typeof v === "number" && isFinite(v); }

  // Rings, arrow, label, banner: as the action's type's overlay says, where the fields it names are usable.
  function draw(action) {
    while (marks.firstChild) marks.removeChild(marks.firstChild);
    overlay.dataset.kind = action ? action.type : "end";
    if (!action) return;
    const spec = Object.prototype.hasOwnProperty.call(data.overlays, action.type) ? data.overlays[action.type]
      : { label: [String(action.type)] };
    const x = spec.at ? action[spec.at[0]] : undefined, y = spec.at ? action[spec.at[1]] : undefined;
    const point = number(x) && number(y);
    if (point) {
      (spec.rings || []).forEach(function (ring, i) { circle(x, y, ring[0], ring[1], i === 0 ? "mark" : ""); });
      if (spec.arrow_to && number(action[spec.arrow_to[0]]) && number(action[spec.arrow_to[1]])) {
        arrow(x, y, action[spec.arrow_to[0]], action[spec.arrow_to[1]]);
      }
      if (spec.arrow_along) {
        const dx = Number(action[spec.arrow_along[0]]) || 0, dy = Number(action[spec.arrow_along[1]]) || 0;
        const scale = Math.max(40 / Math.max(1, Math.hypot(dx, dy)), 12);
        arrow(x, y, x + dx * scale, y + dy * scale);
      }
    }
    if (spec.label) label(fill(spec.label, action), point ? x : undefined, point ? y : undefined);
    if (spec.banner) banner(fill(spec.banner, action));
  }

  function seconds(v) { return v === null || v === undefined ? "\u2014" : Number(v).toFixed(3) + " s"; }

  function show(p) {
    position = clamp(p, 0, last);
    const step = data.steps[position] || null;
    const frame = data.frames[position];
    if (frame) {
      img.hidden = false;
      $("no-frame").hidden = true;
      img.src = frame;
      if (data.frames[position + 1]) (new Image()).src = data.frames[position + 1];
    } else {
      img.hidden = true;
      $("no-frame").hidden = false;
    }
    draw(step ? step.action : null);
    slider.value = position;
    document.body.dataset.position = position;
    $("position").textContent = "frame " + position + " / " + last;
    $("step-title").textContent = step ? "Step " + step.step + " (taken on this frame)" : "Final screen";
    $("action-text").textContent = step ? step.action_text : data.final.summary;
    $("reward").textContent = step ? String(step.reward) : String(data.final.reward);
    $("step-time").textContent = step ? seconds(step.step_time) : "\u2014";
    $("settle-time").textContent = step ? seconds(step.settle_time) : "\u2014";
    $("agent-time").textContent = step ? seconds(step.agent_time) : "\u2014";
    $("pointer").textContent = step && step.pointer ? step.pointer.join(", ") : "\u2014";
    $("step-fault").textContent = step && step.fault ? JSON.stringify(step.fault) : "none";
    const trace = Object.assign({}, step && step.agent ? step.agent : {});
    const output = typeof trace.model_output === "string" ? trace.model_output : "";
    delete trace.model_output;
    $("model-output").textContent = output || "(no model output for this step)";
    $("trace").textContent = Object.keys(trace).length ? JSON.stringify(trace, null, 2) : "(nothing else recorded)";
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  }

  function start() {
    if (position >= last) show(0);
    play.textContent = "Pause";
    timer = setInterval(function () {
      if (position >= last) { stop(); return; }
      show(position + 1);
    }, 800);
  }

  slider.max = last;
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  $("prev").addEventListener("click", function () { stop(); show(position - 1); });
  $("next").addEventListener("click", function () { stop(); show(position + 1); });
  play.addEventListener("click", function () { if (timer === null) start(); else stop(); });
  img.addEventListener("error", function () { img.hidden = true; $("no-frame").hidden = false; });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { stop(); show(position + 1); }
    else if (event.key === "ArrowLeft") { stop(); show(position - 1); }
    else if (event.key === " ") { event.preventDefault(); play.click(); }
  });
  show(0);
})();
