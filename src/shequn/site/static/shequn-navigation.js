/* The visible sidebar buttons work, on a phone and on a desktop (loaded on every page by shequn.site.sphinxext).
 *
 * pydata-sphinx-theme wires up the primary and secondary sidebar toggles with
 * document.querySelector(".primary-toggle") / (".secondary-toggle"): the *first* such button,
 * which on this site is the copy in pydata's own navbar that sphinx-book-theme hides.  The
 * buttons a learner sees (☰ and 「本页目录」 in the article header) had no handler at all, so a
 * tap, click or Enter did nothing.  Here every other toggle forwards its click to the wired copy,
 * so the themes' own behaviour runs (a modal sidebar on a narrow screen; on a wide one the book
 * theme folds the primary sidebar away), and a modal sidebar gets a visible 「关闭」 button
 * (it closes by Escape and by a tap beside it too).  aria-expanded tells a screen reader the state.
 *
 * It also names in Chinese what a script labels in English (shequn.site.theme_language):
 * sphinx-togglebutton's "Toggle hidden content", and sphinx_highlight.js's "Hide Search Matches"
 * (written before the deferred translations.js has run).
 */
(function () {
  "use strict";
  const DIALOGS = { "primary-toggle": "pst-primary-sidebar-modal", "secondary-toggle": "pst-secondary-sidebar-modal" };
  const SIDEBARS = { "primary-toggle": "pst-primary-sidebar", "secondary-toggle": "pst-secondary-sidebar" };

  function isOpen(kind) {
    const dialog = document.getElementById(DIALOGS[kind]);
    if (dialog && dialog.open) return true;
    if (dialog && kind === "primary-toggle" && !window.matchMedia("(min-width: 992px)").matches) return false;
    if (dialog && kind === "secondary-toggle" && !window.matchMedia("(min-width: 1200px)").matches) return false;
    const sidebar = document.getElementById(SIDEBARS[kind]);
    if (!sidebar || sidebar.classList.contains("pst-sidebar-hidden")) return false;
    const style = getComputedStyle(sidebar), box = sidebar.getBoundingClientRect();
    return style.display !== "none" && style.visibility !== "hidden" && box.width > 0 &&
      box.right > 0 && box.left < window.innerWidth; // a narrow screen keeps it beside the viewport
  }

  function addCloseButton(kind, dialog) {
    if (!dialog || !dialog.open || dialog.querySelector(".shequn-dialog-close")) return;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "shequn-dialog-close";
    close.textContent = kind === "primary-toggle" ? "关闭课程目录" : "关闭本页目录";
    close.addEventListener("click", () => dialog.close());
    dialog.insertBefore(close, dialog.firstChild);
    close.focus();
  }

  function updateExpanded() {
    for (const kind of Object.keys(DIALOGS)) {
      const open = isOpen(kind);
      document.querySelectorAll("." + kind).forEach((b) => b.setAttribute("aria-expanded", String(open)));
    }
  }

  function wire() {
    for (const kind of Object.keys(DIALOGS)) {
      const buttons = Array.from(document.querySelectorAll("button." + kind));
      const wired = document.querySelector("." + kind); // the copy the themes attached their handlers to
      const dialog = document.getElementById(DIALOGS[kind]);
      if (!wired) continue;
      buttons.forEach((b) => b.setAttribute("aria-controls", SIDEBARS[kind]));
      buttons.filter((b) => b !== wired).forEach((button) => {
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          button.focus(); // pydata gives focus back to the element focused when the dialog opened
          wired.click();
          addCloseButton(kind, dialog);
          updateExpanded();
          setTimeout(updateExpanded, 400); // after the book theme's fold-away transition
        });
      });
      if (dialog) {
        dialog.addEventListener("close", () => {
          // pydata moved the dialog's nodes (our button too) back into the sidebar first
          document.querySelectorAll(".shequn-dialog-close").forEach((b) => b.remove());
          updateExpanded();
          setTimeout(updateExpanded, 400); // after the sidebar's slide-out transition
        });
      }
    }
    updateExpanded();
  }

  function chineseNames() {
    document.querySelectorAll('button.toggle-button[aria-label="Toggle hidden content"]').forEach((b) => {
      b.setAttribute("aria-label", "显示或隐藏内容");
    });
    // sphinx_highlight.js writes this link as soon as it runs, before the deferred translations.js
    document.querySelectorAll(".highlight-link a").forEach((a) => {
      if (a.textContent.trim() === "Hide Search Matches") a.textContent = "隐藏搜索结果";
    });
  }

  function ready() {
    // after every DOMContentLoaded handler (the themes' and sphinx-togglebutton's) has run
    setTimeout(() => { wire(); chineseNames(); }, 0);
    // and for toggle buttons a script adds later
    new MutationObserver(chineseNames).observe(document.body, { childList: true, subtree: true });
  }
  // A deferred script runs while readyState is already "interactive", before DOMContentLoaded: wait for it.
  let started = false;
  const start = () => { if (!started) { started = true; ready(); } };
  document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("load", start);
  if (document.readyState === "complete") start();
})();
