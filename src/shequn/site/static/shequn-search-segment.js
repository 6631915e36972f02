/* Chinese search queries cut into the words the search index holds (shequn.site.search).
 *
 * The index is segmented at build time by jieba with the glossary's terms as its user
 * dictionary, but Sphinx's searchtools.js splits a query only at non-letters, so 「诱导分享」
 * stayed one word that no page contains and found nothing.  Here ``splitQuery`` (the hook
 * searchtools.js leaves for a language's own splitter) cuts every run of Chinese characters by
 * forward maximum matching over the index's own terms: at each position the longest string that
 * is a term of the index (the words jieba and the glossary produced) is taken, else one
 * character.  The query so falls apart exactly into words the index can match.
 *
 * Hand-written: jieba has no maintained browser build that works offline without shipping its
 * 5 MB dictionary (and the index's term list *is* the vocabulary a query can match).  A single
 * character that is no term of the index is dropped (it can match nothing, and searchtools
 * requires every query word to match), unless that would leave no word at all.
 */
(function () {
  "use strict";
  const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;
  const LONGEST = 12; // no index term is longer (checked in tests/test_site_search.py)
  const defaultSplit = (query) =>
    String(query || "").split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((t) => t);

  function vocabulary() {
    // searchtools.js declares Search with const: a global binding, not a property of window
    const index = (typeof Search !== "undefined" && Search._index) || {};
    return [index.terms || {}, index.titleterms || {}];
  }

  function known(word, dicts) {
    return dicts.some((d) => Object.prototype.hasOwnProperty.call(d, word));
  }

  /** Forward maximum matching of a run of Chinese characters over the index's terms. */
  function segmentRun(run, dicts) {
    const words = [];
    let i = 0;
    while (i < run.length) {
      let n = Math.min(LONGEST, run.length - i);
      while (n > 1 && !known(run.slice(i, i + n), dicts)) n -= 1;
      words.push(run.slice(i, i + n));
      i += n;
    }
    const kept = words.filter((w) => w.length > 1 || known(w, dicts));
    return kept.length ? kept : words;
  }

  function segmentQuery(query) {
    const dicts = vocabulary();
    const out = [];
    for (const token of defaultSplit(query)) {
      // split a token at the borders between Chinese and other characters: 「KOL社群」 → KOL, 社群
      for (const part of token.match(/[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+/gu)) {
        if (CJK.test(part)) out.push(...segmentRun(part, dicts));
        else out.push(part);
      }
    }
    return out;
  }

  window.shequnSegmentQuery = segmentQuery;
  window.splitQuery = segmentQuery; // searchtools.js calls the global splitQuery for every query
})();
