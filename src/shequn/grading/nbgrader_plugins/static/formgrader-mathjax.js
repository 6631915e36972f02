// MathJax 3 on formgrader's grading page, served by the course (shequn.grading.nbgrader_plugins.formgrader_csp),
// never from a CDN.  Loaded with the page's nonce just before MathJax itself.
//
// * The TeX delimiters of nbconvert's MathJax 2 set-up ($…$, \(…\), $$…$$, \[…\]).
// * Nothing is loaded at run time: the page loads tex-chtml-full.js (every TeX extension in one
//   file) and the menu, which would fetch more scripts, is off.  The page's policy lets no other
//   script run, so a script MathJax added itself would be refused.
// * The `html` TeX package (\href, \class, \style, \cssId) is left out: maths written by a
//   learner makes no links or styled elements in the instructor's page.
// * formgrade.js calls MathJax 2's `MathJax.Hub` when it starts; `Hub` here typesets with
//   MathJax 3 once it is ready (MathJax 3 replaces window.MathJax, so `ready` puts it back).
(function () {
  "use strict";
  var hub = {
    Startup: { signal: { Interest: function () {} } },
    Config: function () {},
    Queue: function () {
      var mathjax = window.MathJax;
      if (mathjax && mathjax.startup && mathjax.startup.promise && mathjax.typesetPromise) {
        mathjax.startup.promise.then(function () { return mathjax.typesetPromise(); }).catch(function (err) {
          console.warn("[shequn] MathJax could not typeset:", err);
        });
      }
    },
  };
  window.MathJax = {
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
      packages: { "[-]": ["html", "require", "autoload"] },
    },
    options: { enableMenu: false },
    loader: { load: [] },
    startup: {
      ready: function () {
        window.MathJax.startup.defaultReady();
        window.MathJax.Hub = hub;
      },
    },
    Hub: hub,
  };
})();
