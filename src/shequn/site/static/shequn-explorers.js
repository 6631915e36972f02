// Lazy, accessible explorers on the static course site (see shequn/site/explorers.py).
//
// The page paints with a static placeholder per explorer (its default setting and
// result). When an explorer nears the viewport, this script loads the vendored
// require.js and Jupyter widgets manager (once per page) and the explorer's own
// state file, renders the live widget in place of the placeholder, then:
//  * names every control for assistive technology (aria-label, aria-valuetext,
//    aria-pressed) and keeps those in step with the value;
//  * commits a value typed into a slider's readout to the nearest option, or
//    refuses it visibly, so the readout never shows a number the result does not;
//  * takes every tap on a slider, however quick the next one (see "set.shequnTap");
//  * disables a control that cannot change the result in the current setting,
//    with a visible reason -- the same rule as shequn.widgets.explorer.inert_controls,
//    read from the precomputed results in the state.
// Nothing is loaded from a CDN.
(function () {
  "use strict";
  var me = document.currentScript;
  var staticDir = me.src.slice(0, me.src.lastIndexOf("/") + 1);
  var managerPromise = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  function manager() {
    if (managerPromise) return managerPromise;
    var dir = staticDir + "offline/html-manager/";
    // Fetch the modules while require.js loads, not after it.
    ["html-manager", "base", "controls"].forEach(function (m) {
      var link = document.createElement("link");
      link.rel = "preload";
      link.as = "script";
      link.href = dir + "libembed-amd-" + m + ".js";
      document.head.appendChild(link);
    });
    managerPromise = loadScript(staticDir + "offline/requirejs/require.js")
      .then(function () {
        // The manager's modules, split out of libembed-amd.js at build time
        // (shequn.site.explorers.split_widget_bundle); their fonts stay in dir.
        var paths = { "@jupyter-widgets/html-manager/dist": dir.slice(0, -1) };
        ["base", "controls", "html-manager"].forEach(function (m) {
          paths["@jupyter-widgets/" + m] = dir + "libembed-amd-" + m;
        });
        window.require.config({ paths: paths });
        window.__jupyter_widgets_assets_path__ = dir;
        // All three at once, so require.js fetches them in parallel.
        return new Promise(function (resolve, reject) {
          window.require(["@jupyter-widgets/html-manager", "@jupyter-widgets/base", "@jupyter-widgets/controls"],
            resolve, reject);
        });
      })
      .then(function (hm) {
        var m = new hm.HTMLManager({
          loader: function (name) { return Promise.reject(new Error("no vendored module " + name)); }
        });
        // The widgets call MathJax 2's API; the site runs MathJax 3. Labels and
        // results hold no TeX, so typeset only text that has some.
        m._rendermime = { latexTypesetter: { typeset: function (el) {
          var mj = window.MathJax;
          if (mj && mj.typesetPromise && /\$|\\\(/.test(el.textContent || "")) {
            mj.typesetPromise([el]).catch(function () {});
          }
        } } };
        return m;
      });
    return managerPromise;
  }

  function classes(model) { return model.get("_dom_classes") || []; }
  function levelOf(model, prefix) {
    var c = classes(model).filter(function (x) { return x.indexOf(prefix) === 0; })[0];
    return c ? parseInt(c.slice(prefix.length), 10) : -1;
  }

  // ---------------------------------------------------------------- no effect
  function flat(sizes, idx) {
    var pos = 0;
    for (var i = 0; i < sizes.length; i++) pos = pos * sizes[i] + idx[i];
    return pos;
  }
  function effective(results, sizes, idx, k) {
    var first = null;
    for (var v = 0; v < sizes[k]; v++) {
      var at = idx.slice(); at[k] = v;
      var r = results[flat(sizes, at)];
      if (v === 0) first = r; else if (r !== first) return true;
    }
    return false;
  }
  // Same rule as shequn.widgets.explorer.inert_controls: {k: [j, ...]}.
  function inertControls(results, sizes, idx) {
    var live = sizes.map(function (_, k) { return effective(results, sizes, idx, k); });
    var out = {};
    for (var k = 0; k < sizes.length; k++) {
      if (live[k]) continue;
      var why = [];
      for (var j = 0; j < sizes.length; j++) {
        if (j === k || !live[j]) continue;
        for (var v = 0; v < sizes[j]; v++) {
          var at = idx.slice(); at[j] = v;
          if (effective(results, sizes, at, k)) { why.push(j); break; }
        }
      }
      if (why.length) out[k] = why;
    }
    return out;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" }[c];
    });
  }
  // Same text as shequn.widgets.explorer.inert_reason.
  function inertReason(controls, idx, k, why) {
    var setting = why.map(function (j) {
      return controls[j].label + "为" + controls[j].labels[idx[j]];
    }).join("、");
    var others = why.map(function (j) { return controls[j].label; }).join("或");
    return '<span class="shequn-reason-text">' + escapeHtml(controls[k].label) + "暂不可用：" +
      escapeHtml(setting) + "时，它不改变结果；改变" + escapeHtml(others) + "后可用。</span>";
  }

  // ------------------------------------------------------------ typed values
  function number(text) {
    var m = String(text).replace(/[,，\s]/g, "").match(/-?\d+(?:\.\d+)?/);
    return m ? parseFloat(m[0]) : null;
  }
  // {index, note}: index null means refused.
  function interpretTyped(labels, text) {
    var t = String(text).replace(/\s+/g, "");
    for (var i = 0; i < labels.length; i++) {
      if (labels[i].replace(/\s+/g, "") === t) return { index: i, note: "" };
    }
    var x = number(t);
    var nums = labels.map(number);
    if (x === null || nums.some(function (n) { return n === null; })) {
      return { index: null, note: "「" + t + "」不是可选的值，未采用；可选：" + labels.join("、") + "。" };
    }
    var percent = labels.every(function (l) { return /%$/.test(l); });
    if (percent && t.indexOf("%") < 0 && Math.abs(x) <= 1 && nums[nums.length - 1] > 1) x = x * 100;
    var best = 0;
    for (var j = 1; j < nums.length; j++) {
      if (Math.abs(nums[j] - x) < Math.abs(nums[best] - x)) best = j;
    }
    var exact = nums[best] === x;
    return { index: best, note: exact ? "" : "「" + t + "」不是可选的值，已取最接近的可选值" + labels[best] + "。" };
  }

  // ------------------------------------------------------------ accessibility
  function describe(control) {
    var view = control.view, model = control.model;
    var labels = model.get("_options_labels") || [];
    var index = model.get("index");
    var text = labels[index] === undefined ? "" : labels[index];
    var disabled = !!model.get("disabled");
    var reasonId = control.reasonId;
    if (control.kind === "slider") {
      var handle = view.el.querySelector(".noUi-handle");
      if (handle) {
        handle.setAttribute("aria-label", control.label);
        handle.setAttribute("aria-valuetext", text);
        handle.setAttribute("aria-valuemin", "0");
        handle.setAttribute("aria-valuemax", String(labels.length - 1));
        handle.setAttribute("aria-valuenow", String(index));
        handle.setAttribute("aria-disabled", disabled ? "true" : "false");
        if (reasonId) handle.setAttribute("aria-describedby", reasonId);
      }
      if (view.readout) {
        view.readout.setAttribute("role", "textbox");
        view.readout.setAttribute("aria-label", control.label + "（可输入数值，按回车确认）");
        if (reasonId) view.readout.setAttribute("aria-describedby", reasonId + " " + control.noteId);
        else view.readout.setAttribute("aria-describedby", control.noteId);
        if (document.activeElement !== view.readout) view.readout.textContent = text;
      }
    } else if (control.kind === "toggle") {
      var group = view.el.querySelector(".widget-toggle-buttons") || view.el;
      var buttons = view.el.querySelectorAll("button");
      var box = buttons.length ? buttons[0].parentElement : group;
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", control.label);
      if (reasonId) box.setAttribute("aria-describedby", reasonId);
      Array.prototype.forEach.call(buttons, function (b, i) {
        b.setAttribute("aria-pressed", i === index ? "true" : "false");
        b.removeAttribute("title");
      });
    } else {
      var select = view.el.querySelector("select");
      if (select) {
        select.setAttribute("aria-label", control.label);
        if (reasonId) select.setAttribute("aria-describedby", reasonId);
      }
    }
    var label = view.el.querySelector(".widget-label");
    if (label) label.removeAttribute("title");
  }

  function wireReadout(control, onNote) {
    var view = control.view, model = control.model, readout = view.readout;
    if (!readout) return;
    function commit() {
      var labels = model.get("_options_labels") || [];
      var typed = readout.textContent;
      var current = model.get("index");
      if (typed.replace(/\s+/g, "") === String(labels[current]).replace(/\s+/g, "")) return;
      var r = interpretTyped(labels, typed);
      if (r.index !== null && !model.get("disabled") && r.index !== current) model.set("index", r.index);
      readout.textContent = labels[model.get("index")];
      onNote(r.note);
    }
    readout.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); commit(); }
      else if (e.key === "Escape") {
        e.preventDefault();
        readout.textContent = (model.get("_options_labels") || [])[model.get("index")];
      }
    });
    readout.addEventListener("blur", commit);
  }

  // ------------------------------------------------------------------ mount
  var uid = 0;
  function enhance(boxView) {
    return Promise.all(boxView.children_views.views).then(function (views) {
      var controls = [], reasons = {}, output = null;
      views.forEach(function (v) {
        var cls = classes(v.model);
        if (cls.indexOf("shequn-control") >= 0) {
          var name = v.model.get("_view_name");
          controls[levelOf(v.model, "shequn-level-")] = {
            view: v, model: v.model, label: v.model.get("description"),
            kind: name === "SelectionSliderView" ? "slider" : name === "DropdownView" ? "dropdown" : "toggle"
          };
        } else if (cls.indexOf("shequn-reason") >= 0) {
          reasons[levelOf(v.model, "shequn-reason-")] = v;
        } else if (cls.indexOf("shequn-output") >= 0) {
          output = v.model;
        }
      });
      if (!output) return;
      var sizes = controls.map(function (c) { return (c.model.get("_options_labels") || []).length; });
      var results = [];
      (function walk(model, depth) {
        if (depth === sizes.length) { results.push(model.get("value")); return; }
        (model.get("children") || []).forEach(function (child) { walk(child, depth + 1); });
      })(output, 0);
      controls.forEach(function (c, k) {
        c.labels = c.model.get("_options_labels") || [];
        var note = document.createElement("div");
        note.className = "shequn-readout-note";
        note.id = c.noteId = "shequn-note-" + (++uid);
        note.setAttribute("role", "status");
        note.setAttribute("aria-live", "polite");
        c.view.el.insertAdjacentElement("afterend", note);
        c.note = note;
        if (reasons[k]) {
          reasons[k].el.id = reasons[k].el.id || "shequn-reason-" + (++uid);
          c.reasonId = reasons[k].el.id;
        }
      });
      function update() {
        var idx = controls.map(function (c) { return c.model.get("index"); });
        var inert = results.length === sizes.reduce(function (a, b) { return a * b; }, 1)
          ? inertControls(results, sizes, idx) : {};
        controls.forEach(function (c, k) {
          var off = Object.prototype.hasOwnProperty.call(inert, k);
          if (!!c.model.get("disabled") !== off) c.model.set("disabled", off);
          if (reasons[k]) reasons[k].model.set("value", off ? inertReason(controls, idx, k, inert[k]) : "");
          describe(c);
        });
      }
      controls.forEach(function (c) {
        c.model.on("change:index", function () {
          controls.forEach(function (o) { o.note.textContent = ""; });
          update();
        });
        c.model.on("change:disabled", function () { describe(c); });
        if (c.kind === "slider") {
          wireReadout(c, function (text) { c.note.textContent = text; });
          var slider = c.view.el.querySelector(".slider");
          if (slider && slider.noUiSlider) {
            slider.noUiSlider.on("update.shequn", function () { describe(c); });
            // noUiSlider marks the slider "noUi-state-tap" for its animation time (300 ms, even with
            // animate: false, and not an option one can update) and ignores every tap meanwhile: a
            // second tap 200 ms later was lost, and the slider lagged a step behind.
            slider.noUiSlider.on("set.shequnTap", function () { slider.classList.remove("noUi-state-tap"); });
          }
        }
      });
      update();
    });
  }

  function mount(el) {
    if (el.dataset.shequnMounting) return;
    el.dataset.shequnMounting = "1";
    var modelId = el.getAttribute("data-model-id");
    var stateUrl = new URL(el.getAttribute("data-state"), document.baseURI).href;
    var state = fetch(stateUrl).then(function (r) {
      if (!r.ok) throw new Error("widget state " + stateUrl + ": HTTP " + r.status);
      return r.json();
    });
    return Promise.all([manager(), state]).then(function (both) {
      var m = both[0];
      return m.set_state(both[1]).then(function (models) {
        var model = models.filter(function (x) { return x.model_id === modelId; })[0];
        return m.create_view(model).then(function (view) {
          var host = document.createElement("div");
          host.className = "widget-subarea shequn-live";
          host.hidden = true;
          el.insertAdjacentElement("beforebegin", host);
          return m.display_view(view, host).then(function () { return enhance(view); }).then(function () {
            host.hidden = false;
            el.remove();
          });
        });
      });
    }).catch(function (err) {
      el.removeAttribute("aria-busy");
      var note = el.querySelector(".shequn-lazy-note");
      if (note) note.textContent = "交互控件未能加载（" + err.message + "）；上面是默认设置的结果。";
      console.warn(err);
    });
  }

  function start() {
    var lazy = Array.prototype.slice.call(document.querySelectorAll(".shequn-lazy[data-state]"));
    if (!lazy.length) return;
    if (!("IntersectionObserver" in window)) { lazy.forEach(mount); return; }
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { io.unobserve(e.target); mount(e.target); }
      });
    }, { rootMargin: "600px 0px" });
    lazy.forEach(function (el) { io.observe(el); });
  }

  window.shequnExplorers = { interpretTyped: interpretTyped, inertControls: inertControls };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
