// Resolve the Jupyter widgets bundles (and the fonts they load) from the
// vendored copy in _static/offline/html-manager, never from a CDN. Loaded
// after require.js and before embed-amd.js (see nb_ipywidgets_js in _config.yml).
(function () {
  var here = document.currentScript.src;
  var dir = here.slice(0, here.lastIndexOf("/") + 1) + "offline/html-manager";
  var modules = ["base", "controls", "base7", "controls7", "output", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": dir };
  modules.forEach(function (m) { paths["@jupyter-widgets/" + m] = dir + "/" + m; });
  window.require.config({ paths: paths });
})();
