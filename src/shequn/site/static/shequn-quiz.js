/* Self-check questions (shequn.site.quiz): instant feedback on the static page, no kernel, no CDN.
 * Each <fieldset class="shequn-quiz"> carries its type and (numeric) answer in data-* attributes;
 * the explanations are hidden <div class="shequn-quiz-why"> elements revealed here.
 * Unexpected input (empty, not a number, % vs fraction, decimal comma) gets a hint, not "wrong";
 * full-width digits (３０) are normalised and accepted, with a note. Rules mirror
 * shequn.site.quiz.read_number on the Python side. */
(function () {
  "use strict";
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

  function fmt(x) {
    return String(Math.round(x * 1e6) / 1e6);
  }

  /* Returns {value, percent, fullwidth} or {hint: "..."}. */
  function readNumber(raw, unit) {
    var text = (raw || "").trim();
    if (!text) {
      return { hint: "请先在框里填一个数。(Please type a number first.)" };
    }
    var s = text.normalize("NFKC").replace(/\u3000/g, " ").trim();
    var fullwidth = s !== text.trim();
    if (unit && s.slice(-unit.length) === unit) s = s.slice(0, -unit.length).trim();
    var percent = s.slice(-1) === "%";
    if (percent) s = s.slice(0, -1).trim();
    if (THOUSANDS.test(s)) s = s.replace(/,/g, "");
    if (/^[+-]?\d+,\d+$/.test(s)) {
      return { hint: "小数点请用「.」：" + s.replace(",", ".") + " 而不是 " + s + "。(Use a point as the decimal mark.)" };
    }
    if (s.indexOf("/") > 0) {
      var parts = s.split("/");
      if (parts.length === 2 && NUMBER.test(parts[0].trim()) && NUMBER.test(parts[1].trim()) && Number(parts[1]) !== 0) {
        return { value: Number(parts[0]) / Number(parts[1]), percent: percent, fullwidth: fullwidth };
      }
    }
    if (!NUMBER.test(s)) {
      return { hint: "「" + text + "」不是一个数。请只填数字，例如 0.3 或 12。(\"" + text + "\" is not a number; type digits only.)" };
    }
    return { value: Number(s), percent: percent, fullwidth: fullwidth };
  }

  function close(a, b, tol) {
    return Math.abs(a - b) <= tol + 1e-9 * Math.max(1, Math.abs(b));
  }

  function whyHtml(box, key) {
    var el = box.querySelector('.shequn-quiz-why[data-for="' + key + '"]');
    return el ? el.innerHTML : "";
  }

  function say(box, cls, html) {
    var fb = box.querySelector(".shequn-quiz-feedback");
    fb.className = "shequn-quiz-feedback " + cls;
    fb.innerHTML = html;
  }

  function checkNumeric(box) {
    var input = box.querySelector("input[type=text]");
    var answer = Number(box.dataset.answer);
    var tol = Number(box.dataset.tolerance || 0);
    var format = box.dataset.format || "number";
    var r = readNumber(input.value, box.dataset.unit || "");
    input.removeAttribute("aria-invalid");
    if (r.hint) {
      return say(box, "is-hint", "<p><strong>提示：</strong>" + r.hint + "</p>");
    }
    var value = r.value;
    if (r.percent && format === "fraction") {
      return say(box, "is-hint", "<p><strong>提示：</strong>本题要的是 0 到 1 之间的比例，不是百分数：" +
        fmt(value) + "% 请写成 " + fmt(value / 100) + "。(A fraction is expected, e.g. " + fmt(value / 100) + ", not a percentage.)</p>");
    }
    if (r.percent && format === "number") {
      return say(box, "is-hint", "<p><strong>提示：</strong>本题的答案不是百分数，请去掉 %。(This answer is not a percentage; drop the %.)</p>");
    }
    if (!r.percent && format === "percent" && Math.abs(value) <= 1 && Math.abs(answer) > 1 && close(value * 100, answer, tol)) {
      return say(box, "is-hint", "<p><strong>提示：</strong>本题要百分数（填 30 表示 30%）：你填的 " + fmt(value) +
        " 是比例，写成百分数是 " + fmt(value * 100) + "。(A percentage is expected: " + fmt(value) + " is " + fmt(value * 100) + "%.)</p>");
    }
    if (!r.percent && format === "fraction" && Math.abs(value) > 1 && close(value / 100, answer, tol)) {
      return say(box, "is-hint", "<p><strong>提示：</strong>本题要 0 到 1 之间的比例：" + fmt(value) +
        " 看起来是百分数，写成比例是 " + fmt(value / 100) + "。(A fraction between 0 and 1 is expected.)</p>");
    }
    var note = r.fullwidth ? "<p class=\"shequn-quiz-note\">已把全角字符「" + input.value.trim() + "」读作 " +
      fmt(value) + (r.percent ? "%" : "") + "。(Full-width characters were read as " + fmt(value) + ".)</p>" : "";
    if (close(value, answer, tol)) {
      return say(box, "is-right", "<p><strong>✔ 对。</strong>(Correct.)</p>" + note + whyHtml(box, "right"));
    }
    input.setAttribute("aria-invalid", "true");
    var dir = value > answer ? "偏大" : "偏小";
    say(box, "is-wrong", "<p><strong>✘ 还不对</strong>：" + fmt(value) + " " + dir + "了。(Not yet: too " +
      (value > answer ? "high" : "low") + ".)</p>" + note + whyHtml(box, "hint"));
  }

  function checkChoice(box) {
    var inputs = Array.prototype.slice.call(box.querySelectorAll("input[type=radio], input[type=checkbox]"));
    var chosen = inputs.filter(function (i) { return i.checked; });
    if (!chosen.length) {
      return say(box, "is-hint", "<p><strong>提示：</strong>请先选" + (box.dataset.type === "multi" ? "一个或几个选项" : "一个选项") +
        "。(Please choose an option first.)</p>");
    }
    var allRight = inputs.every(function (i) { return i.checked === (i.dataset.correct === "1"); });
    var html = allRight ? "<p><strong>✔ 对。</strong>(Correct.)</p>" :
      "<p><strong>✘ 还不对。</strong>(Not yet.)" + (box.dataset.type === "multi" ? " 本题可能不止一个正确选项。" : "") + "</p>";
    chosen.forEach(function (i) {
      var label = box.querySelector('label[for="' + i.id + '"]');
      html += "<div class=\"shequn-quiz-explain\"><p class=\"shequn-quiz-chosen\">你选了：" + label.innerHTML + "</p>" + whyHtml(box, i.id) + "</div>";
    });
    if (!allRight && box.dataset.type === "multi") {
      var missed = inputs.filter(function (i) { return !i.checked && i.dataset.correct === "1"; });
      if (missed.length) html += "<p>还有正确的选项没有选。(A correct option is still unselected.)</p>";
    }
    say(box, allRight ? "is-right" : "is-wrong", html);
  }

  function reveal(box, button) {
    var html = "<p><strong>答案</strong>(Answer)：";
    if (box.dataset.type === "numeric") {
      var unit = box.dataset.format === "percent" ? "%" : (box.dataset.unit ? " " + box.dataset.unit : "");
      html += fmt(Number(box.dataset.answer)) + unit + "</p>" + whyHtml(box, "right");
    } else {
      html += "</p>";
      box.querySelectorAll("input[data-correct]").forEach(function (i) {
        var label = box.querySelector('label[for="' + i.id + '"]');
        html += "<div class=\"shequn-quiz-explain\"><p class=\"shequn-quiz-chosen\">" + (i.dataset.correct === "1" ? "✔ " : "✘ ") +
          label.innerHTML + "</p>" + whyHtml(box, i.id) + "</div>";
      });
    }
    button.setAttribute("aria-expanded", "true");
    say(box, "is-revealed", html);
  }

  function init(box) {
    var check = box.querySelector(".shequn-quiz-check");
    var show = box.querySelector(".shequn-quiz-reveal");
    var run = function () { return box.dataset.type === "numeric" ? checkNumeric(box) : checkChoice(box); };
    check.addEventListener("click", run);
    show.addEventListener("click", function () { reveal(box, show); });
    var input = box.querySelector("input[type=text]");
    if (input) {
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); run(); }
      });
    }
  }

  function start() {
    document.querySelectorAll("fieldset.shequn-quiz").forEach(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
