// MathJax 2's `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, which the Jupyter
// widgets library calls to typeset widget text, on top of the site's MathJax 3.
// MathJax 3 replaces `window.MathJax` (the config object) with itself when it loads, so the
// Hub is attached to whatever object `window.MathJax` becomes. Loaded only on pages that
// load MathJax (shequn.site.assets); vendored with the package, never from a CDN.
(function () {
  "use strict";
  var current = window.MathJax;
  var loaded = new Promise(function (resolve) {
    if (document.readyState === "complete") resolve();
    else window.addEventListener("DOMContentLoaded", function () { resolve(); });
  });
  function typeset(job) {
    if (typeof job === "function") return job();
    if (Array.isArray(job) && job[0] === "Typeset" && current && current.typesetPromise) {
      return current.typesetPromise(job[2] ? [job[2]] : undefined);
    }
    return undefined;
  }
  var hub = {
    Queue: function () {
      var jobs = Array.prototype.slice.call(arguments);
      loaded.then(function () {
        return current && current.startup && current.startup.promise;
      }).then(function () {
        return jobs.reduce(function (done, job) {
          return done.then(function () { return typeset(job); });
        }, Promise.resolve());
      }).catch(function (err) {
        console.warn("[shequn] MathJax could not typeset widget text:", err);
      });
    },
  };
  function attach(value) {
    if (value && typeof value === "object" && !value.Hub) {
      try { value.Hub = hub; } catch (err) { /* frozen object: leave it */ }
    }
    return value;
  }
  attach(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () { return current; },
    set: function (value) { current = attach(value); },
  });
})();
